"""data.police.uk monthly CSVs (street crime, stop and search): a folder of them, some files,
or the archive zip.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from helpers.core.forces import NON_TERRITORIAL
from helpers.inputs.published.sheets import PublishedFileError, canonical_force_names
from helpers.inputs.schemas import RECORDED_ETHNIC_GROUPS

# data.police.uk
STREET_COLUMNS = ("Month", "Falls within", "Crime type")
STOP_SEARCH_NO_FURTHER_ACTION = "A no further action disposal"
STOP_SEARCH_ARREST = "Arrest"
STOP_SEARCH_GROUPS = ("White", "Black", "Asian", "Mixed", "Other")
_POLICE_UK_FILE = re.compile(r"^(\d{4}-\d{2})-(.+?)-(street|stop-and-search|outcomes)")


def _police_uk_members(source: Path | str | Sequence[Path | str], kind: str):
    """(name, bytes) of every data.police.uk CSV of `kind` in a folder, files or archive zip."""
    sources = [Path(source)] if isinstance(source, (str, Path)) else [Path(s) for s in source]
    for item in sources:
        if item.is_dir():
            for path in sorted(item.rglob("*")):
                if path.is_file() and kind in path.name and ".csv" in path.name:
                    yield path.name, path.read_bytes()
        elif zipfile.is_zipfile(item):
            with zipfile.ZipFile(item) as archive:
                for name in sorted(archive.namelist()):
                    base = name.rsplit("/", 1)[-1]
                    if kind in base and ".csv" in base:
                        yield base, archive.read(name)
        else:
            yield item.name, item.read_bytes()


def _police_uk_csv(name: str, raw: bytes) -> pd.DataFrame:
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return pd.read_csv(
        io.BytesIO(raw), dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig"
    )


def read_police_uk_street(source: Path | str | Sequence[Path | str]) -> pd.DataFrame:
    """Street-level crime counts: period (month), force, crime_type, count.

    data.police.uk crime types have no offence codes (burglary is residential and business,
    robbery personal and business, drugs possession and trafficking), so these counts are NOT a
    substitute for the Home Office PRC measures. Forces are named by `Falls within`.
    """
    frames = []
    for name, raw in _police_uk_members(source, "street"):
        frame = _police_uk_csv(name, raw)
        missing = [c for c in STREET_COLUMNS if c not in frame.columns]
        if missing:
            raise PublishedFileError(f"{name}: missing column(s) {', '.join(missing)}")
        frames.append(frame[list(STREET_COLUMNS)].assign(_file=name))
    if not frames:
        raise PublishedFileError(f"{source}: no data.police.uk street-level CSV found")
    frame = pd.concat(frames, ignore_index=True)
    names = canonical_force_names(
        frame["Falls within"],
        "data.police.uk street files",
        drop={n.lower() for n in NON_TERRITORIAL},
    )
    frame["force"] = frame["Falls within"].map(names)
    frame = frame[frame["force"] != ""]
    counts = frame.groupby(["Month", "force", "Crime type"]).size().rename("count").reset_index()
    return pd.DataFrame(
        {
            "period": pd.PeriodIndex(counts["Month"].str.slice(0, 7), freq="M"),
            "force": counts["force"],
            "crime_type": counts["Crime type"],
            "count": counts["count"].astype("int64"),
        }
    ).sort_values(["force", "period", "crime_type"], ignore_index=True)


def police_uk_force(file_name: str) -> tuple[str, str] | None:
    """('2026-01', canonical force) of a data.police.uk file name, None for a non-territorial
    force (British Transport Police: `btp`)."""
    match = _POLICE_UK_FILE.match(file_name)
    if not match:
        raise PublishedFileError(
            f"{file_name}: not a data.police.uk file name (YYYY-MM-<force>-stop-and-search.csv)"
        )
    slug = match[2]
    if slug in ("btp", "british-transport-police"):
        return None
    mapping = canonical_force_names([slug], file_name)
    return match[1], mapping[slug]


def read_police_uk_stop_search(source: Path | str | Sequence[Path | str]) -> pd.DataFrame:
    """Stop and search in the project's form: period, force, ethnic_group, searches,
    positive_outcomes, arrests (every force and month found, all six groups, zeros written).

    The force and month come from the file name (the files have no force column). Ethnicity is
    `Officer-defined ethnicity` (blank -> Not recorded); a positive outcome is any `Outcome`
    other than "A no further action disposal" (a blank outcome is not positive); an arrest is
    the `Outcome` "Arrest".
    """
    rows = []
    for name, raw in _police_uk_members(source, "stop-and-search"):
        found = police_uk_force(name)
        if found is None:
            continue
        month, force = found
        frame = _police_uk_csv(name, raw)
        for column in ("Officer-defined ethnicity", "Outcome"):
            if column not in frame.columns:
                raise PublishedFileError(f"{name}: missing column '{column}'")
        group = frame["Officer-defined ethnicity"].str.strip()
        group = group.where(group.isin(STOP_SEARCH_GROUPS), "Not recorded")
        outcome = frame["Outcome"].str.strip()
        positive = outcome.ne("") & outcome.ne(STOP_SEARCH_NO_FURTHER_ACTION)
        counted = pd.DataFrame(
            {
                "g": group,
                "p": positive.astype("int64"),
                "a": outcome.eq(STOP_SEARCH_ARREST).astype("int64"),
            }
        )
        for g in RECORDED_ETHNIC_GROUPS:
            mine = counted[counted["g"] == g]
            rows.append(
                {
                    "period": month,
                    "force": force,
                    "ethnic_group": g,
                    "searches": len(mine),
                    "positive_outcomes": int(mine["p"].sum()),
                    "arrests": int(mine["a"].sum()),
                }
            )
    if not rows:
        raise PublishedFileError(f"{source}: no data.police.uk stop-and-search CSV found")
    out = pd.DataFrame(rows)
    return (
        out.groupby(["period", "force", "ethnic_group"], as_index=False, sort=True)[
            ["searches", "positive_outcomes", "arrests"]
        ]
        .sum()
        .reset_index(drop=True)
    )
