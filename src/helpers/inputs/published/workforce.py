"""Home Office "Police workforce, England and Wales" open data tables: the workforce table
(headcount and FTE by force, sex, rank and worker type at 31 March) and the ethnicity table (the
same, by ethnicity), as published or as a tidy copy; and the ethnicity table converted into the
data folder's `workforce` contract.

Both tables share one layout: `As at 31 March...`, `Geo code`, `Force Name`, `Region`, `Sex` (or
`Gender`), `Rank description`, `Worker type`, [`Ethnicity`, `Ethnic group`,] `Total (headcount)`,
`Total (FTE)`. A tidy copy names them in snake case (`force_name`, `total_headcount`; `date` for
the snapshot), which is what the published names become once lower-cased with every run of other
characters an underscore: both are read by that one rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.core.forces import ENGLAND_AND_WALES, default_forces
from helpers.inputs.published.sheets import (
    PublishedFileError,
    clean_name,
    cleaned_header_row,
    is_spreadsheet,
    read_sheets,
    read_text_table,
    with_header,
)
from helpers.inputs.schemas import WORKER_TYPES, WORKFORCE_ETHNIC_GROUPS

# Column names once normalised (`clean_name`) -> the reader's own names. "date" is the tidy copy's.
WORKFORCE_COLUMNS = {
    "as_at_31_march": "as_at",
    "as_at": "as_at",
    "date": "as_at",
    "force_name": "force",
    "region": "region",
    "sex": "sex",
    "gender": "sex",
    "rank_description": "rank",
    "worker_type": "worker_type",
    "ethnicity": "ethnicity",
    "total_headcount": "headcount",
    "total_fte": "fte",
}
REQUIRED = ("as_at", "force", "worker_type", "headcount")

# Worker types of the tables -> the contract's; the others are not in the representative
# workforce measures (designated officers are counted apart from police staff in these tables).
WORKER_TYPE_NAMES = {
    "police officer": "Police officer",
    "police staff": "Police staff",
    "police community support officer": "PCSO",
    "pcso": "PCSO",
    "designated officer": None,
    "special constable": None,
    "police support volunteer": None,
}
# Ethnicity of the ethnicity table -> the contract's groups. Until 2020 the Home Office grouped
# Chinese with "Other"; from 2021 Chinese is Asian and "Other ethnic group" stands alone.
ETHNICITY_NAMES = {
    "asian or asian british": "Asian",
    "asian": "Asian",
    "black or black british": "Black",
    "black": "Black",
    "chinese or other ethnic group (pre 2021 category)": "Other",
    "chinese or other ethnic group": "Other",
    "other ethnic group": "Other",
    "other": "Other",
    "mixed": "Mixed",
    "white": "White",
    "not stated": "Not stated",
}
# The officer ranks of a whole snapshot; an extract filtered to some ranks is not the workforce.
OFFICER_RANKS = frozenset(
    {
        "chief officer",
        "chief superintendent",
        "superintendent",
        "chief inspector",
        "inspector",
        "sergeant",
        "constable",
    }
)
# Rows that are not one of the 43 territorial forces.
NOT_A_FORCE = frozenset(
    {ENGLAND_AND_WALES.lower(), "british transport police", "central service secondments"}
)
_NIL = {"-", "0"}  # the Home Office's "-" is nil: the same cells read 0 in its later releases
_MISSING = {"", "n/a", "na", "..", ":", "*"}


@dataclass(frozen=True)
class WorkforceTable:
    """A workforce open data table read: `frame` (as_at `YYYY-03-31`, force canonical,
    region, sex, rank, worker_type and ethnicity as published, headcount, fte) and where each row
    is (`rows`: the row number as a spreadsheet or text editor numbers it; `where`: the file and
    sheet)."""

    frame: pd.DataFrame
    where: str
    rows: tuple[int, ...]

    def locate(self, index: int) -> str:
        """'<file>, sheet '<sheet>', row <n>' of the frame's row `index`, for messages."""
        return f"{self.where}, row {self.rows[index]}"


def read_workforce_table(path: Path | str) -> WorkforceTable:
    """The workforce (or ethnicity) open data table of one file: CSV, CSV.gz, ODS or XLSX.

    In a spreadsheet, the sheet whose header row (within its first 30 rows) has `Force Name` is
    read. Counts are read as numbers: `1,976` and ` 1976 ` are 1976, `-` is nil (0); an empty or
    suppressed headcount is an error naming the row, never a zero. A renamed or missing column,
    an unknown force, a snapshot not at 31 March: an error naming the file, the sheet and the row.
    Totals, British Transport Police and Central Service Secondments rows are left out.
    """
    path = Path(path)
    if is_spreadsheet(path):
        frame, where, header = _sheet_with_header(path)
    else:
        frame, where, header = read_text_table(path), path.name, 1
        frame.attrs["rows"] = list(range(2, len(frame) + 2))
    rows = list(frame.attrs["rows"])
    frame.attrs = {}  # pandas deep-copies attrs on every operation: a row list costs seconds
    named = {c: WORKFORCE_COLUMNS.get(clean_name(c)) for c in frame.columns}
    missing = [c for c in REQUIRED if c not in named.values()]
    if missing:
        raise PublishedFileError(
            f"{where}, row {header}: no column for {', '.join(missing)} (a workforce open data "
            f"table has 'As at 31 March...', 'Force Name', 'Worker type', 'Total (headcount)'); "
            f"found {', '.join(str(c) for c in frame.columns)}"
        )
    frame = frame[[c for c, n in named.items() if n]].copy()
    frame.columns = [named[c] for c in frame.columns]
    frame = frame.apply(lambda c: c.astype(str).str.strip())
    # Region headings or totals without a force name carry no force's figure.
    keep = frame["force"].ne("") & ~frame["force"].str.lower().isin(NOT_A_FORCE)
    keep &= ~frame["force"].str.lower().str.startswith("total")
    frame, rows = (
        frame[keep].reset_index(drop=True),
        [r for r, k in zip(rows, keep, strict=True) if k],
    )
    table = WorkforceTable(frame, where, tuple(rows))
    out = pd.DataFrame(
        {
            "as_at": _as_at(table),
            "force": _forces(table),
            "region": frame.get("region", pd.Series("", index=frame.index)),
            "sex": frame.get("sex", pd.Series("", index=frame.index)),
            "rank": frame.get("rank", pd.Series("", index=frame.index)),
            "worker_type": frame["worker_type"],
            "ethnicity": frame.get("ethnicity", pd.Series("", index=frame.index)),
            "headcount": _numbers(table, "headcount", blank_ok=False),
            "fte": _numbers(table, "fte", blank_ok=True)
            if "fte" in frame
            else pd.Series(float("nan"), index=frame.index),
        }
    )
    return WorkforceTable(out, where, tuple(rows))


def _sheet_with_header(path: Path) -> tuple[pd.DataFrame, str, int]:
    for name, sheet in read_sheets(path).items():
        row = cleaned_header_row(sheet, lambda cells: "force_name" in cells)
        if row is not None:
            return with_header(sheet, row), f"{path.name}, sheet '{name}'", row + 1
    raise PublishedFileError(
        f"{path}: no sheet has a 'Force Name' column in its first 30 rows: is it the Home Office "
        "police workforce open data table?"
    )


def _as_at(table: WorkforceTable) -> pd.Series:
    """31 March of the year each row's snapshot names: `2019`, `2019-03-31`, the tidy copy's
    `2019-03-01`, `31/03/2019`; any other month is an error (these tables are March only)."""
    text = table.frame["as_at"]
    year = text.str.extract(r"^(\d{4})(?:\.0)?$")[0]
    iso = text.str.extract(r"^(\d{4})-(\d{2})-\d{2}(?: 00:00:00)?$")
    dmy = text.str.extract(r"^\d{1,2}/(\d{1,2})/(\d{4})$")
    month = iso[1].fillna(dmy[0]).mask(year.notna(), "03")
    year = year.fillna(iso[0]).fillna(dmy[1])
    bad = year.isna() | month.isna() | (month.fillna("0").astype(int) != 3)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise PublishedFileError(
            f"{table.locate(i)}: the snapshot {text.iloc[i]!r} is not 31 March of a year "
            "(the workforce open data tables are as at 31 March)"
        )
    return year + "-03-31"


def _forces(table: WorkforceTable) -> pd.Series:
    registry = default_forces()
    names = table.frame["force"]
    mapping = {}
    for name in dict.fromkeys(names):
        force = registry.find(name) or registry.find(name.replace("-", " "))
        if force is None:
            i = int((names == name).to_numpy().nonzero()[0][0])
            raise PublishedFileError(
                f"{table.locate(i)}: unknown force '{name}'{registry.suggestion(name)}"
            )
        mapping[name] = force.name
    return names.map(mapping)


def _numbers(table: WorkforceTable, column: str, *, blank_ok: bool) -> pd.Series:
    text = table.frame[column].str.replace(",", "", regex=False).str.strip()
    nil = text.isin(_NIL)
    missing = text.str.lower().isin(_MISSING)
    values = pd.to_numeric(text.where(~nil & ~missing), errors="coerce")
    bad = values.isna() & ~nil & ~missing
    if not blank_ok:
        bad |= missing
    bad |= values < 0
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise PublishedFileError(
            f"{table.locate(i)}: {column} is not a number of people: "
            f"{table.frame[column].iloc[i]!r}"
        )
    return values.where(~nil, 0.0)


@dataclass(frozen=True)
class WorkforceEthnicity:
    """The ethnicity table in the data folder's `workforce` contract (`frame`: as_at, force,
    worker_type, ethnic_group, headcount); the snapshots left out, each with why (`left_out`:
    (as_at, file, why)); `notes`: the same, and which worker types each snapshot holds, in
    words for the data folder's README."""

    frame: pd.DataFrame
    left_out: tuple[tuple[str, str, str], ...] = ()

    @property
    def notes(self) -> tuple[str, ...]:
        out = []
        reasons: dict[tuple[str, str], list[str]] = {}
        for as_at, file, why in self.left_out:
            reasons.setdefault((file, why), []).append(as_at[:4])
        for (file, why), years in reasons.items():
            out.append(f"left out: {file}, 31 March {_years(years)}: {why}")
        held: dict[str, list[str]] = {}
        for as_at, kinds in self.frame.groupby("as_at")["worker_type"].unique().items():
            held.setdefault(", ".join(k for k in WORKER_TYPES if k in set(kinds)), []).append(
                str(as_at)[:4]
            )
        for kinds, years in held.items():
            out.append(f"31 March {_years(years)}: {kinds}")
        return tuple(out)


def _years(years: Sequence[str]) -> str:
    years = sorted(years)
    consecutive = [int(y) for y in years] == list(range(int(years[0]), int(years[-1]) + 1))
    return f"{years[0]} to {years[-1]}" if consecutive and len(years) > 2 else ", ".join(years)


def workforce_by_ethnicity(table: WorkforceTable) -> WorkforceEthnicity:
    """The ethnicity table summed over sex and rank by snapshot, force, worker type (police
    officer, police staff, PCSO) and ethnic group, every group written for every force (0 where
    the table has none). A snapshot whose officers are not all ranks (an extract filtered to chief
    officers, say) is left out, and said so in `left_out`: part of the workforce is not its
    whole. Unknown worker types or ethnicities are errors naming the row."""
    frame = table.frame
    if frame["ethnicity"].eq("").all():
        raise PublishedFileError(
            f"{table.where}: no 'Ethnicity' column: this is the workforce table, not the "
            "ethnicity table (the representative workforce measures need the ethnicity table)"
        )
    kinds = _mapped(table, "worker_type", WORKER_TYPE_NAMES, "worker type")
    groups = _mapped(table, "ethnicity", ETHNICITY_NAMES, "ethnicity")
    tidy = pd.DataFrame(
        {
            "as_at": frame["as_at"],
            "force": frame["force"],
            "worker_type": kinds,
            "ethnic_group": groups,
            "headcount": frame["headcount"],
            "rank": frame["rank"].str.lower(),
        }
    ).dropna(subset=["worker_type"])
    left_out = []
    whole = []
    for as_at, snapshot in tidy.groupby("as_at", sort=True):
        # A table without ranks (a CSV summed over them) cannot be told apart: it is taken whole.
        ranks = set(snapshot.loc[snapshot["worker_type"] == "Police officer", "rank"]) - {""}
        if ranks and not ranks >= OFFICER_RANKS:
            shown = ", ".join(sorted(r.title() for r in ranks))
            why = f"officers of some ranks only ({shown}), not the workforce"
            left_out.append((str(as_at), table.where, why))
            continue
        whole.append(snapshot)
    if not whole:
        out = pd.DataFrame(columns=["as_at", "force", "worker_type", "ethnic_group", "headcount"])
        return WorkforceEthnicity(out, tuple(left_out))
    summed = (
        pd.concat(whole)
        .groupby(["as_at", "force", "worker_type", "ethnic_group"])["headcount"]
        .sum()
    )
    present = summed.reset_index()[["as_at", "force", "worker_type"]].drop_duplicates()
    grid = present.merge(pd.DataFrame({"ethnic_group": WORKFORCE_ETHNIC_GROUPS}), how="cross")
    out = grid.merge(summed.reset_index(), how="left").fillna({"headcount": 0})
    out["headcount"] = out["headcount"].round().astype("int64")
    order = {"worker_type": WORKER_TYPES, "ethnic_group": WORKFORCE_ETHNIC_GROUPS}
    for column, values in order.items():
        out[column] = pd.Categorical(out[column], categories=values, ordered=True)
    out = out.sort_values(["as_at", "force", "worker_type", "ethnic_group"])
    for column in order:
        out[column] = out[column].astype(str)
    return WorkforceEthnicity(out.reset_index(drop=True), tuple(left_out))


def _mapped(
    table: WorkforceTable, column: str, names: dict[str, str | None], what: str
) -> pd.Series:
    values = table.frame[column]
    known = values.str.lower().isin(names)
    if not known.all():
        i = int((~known).to_numpy().nonzero()[0][0])
        raise PublishedFileError(
            f"{table.locate(i)}: unknown {what} {values.iloc[i]!r} (known: "
            f"{', '.join(sorted(names))})"
        )
    return values.str.lower().map(names)


def read_workforce_ethnicity(paths: Path | str | Sequence[Path | str]) -> WorkforceEthnicity:
    """The ethnicity open data table(s) in the `workforce` contract. Where files hold the same
    snapshot, the file whose latest snapshot is the later wins (a later release revises the
    years before it); a snapshot one file holds in part and another whole is not left out."""
    paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    return ethnicity_of_tables([read_workforce_table(p) for p in paths])


def ethnicity_of_tables(tables: Sequence[WorkforceTable]) -> WorkforceEthnicity:
    """`read_workforce_ethnicity` of tables already read."""
    tables = sorted(tables, key=lambda t: t.frame["as_at"].max())
    converted = [workforce_by_ethnicity(t) for t in tables]
    kept: list[pd.DataFrame] = []
    seen: set[str] = set()
    for one in reversed(converted):
        kept.append(one.frame[~one.frame["as_at"].isin(seen)])
        seen |= set(one.frame["as_at"])
    out = pd.concat(kept[::-1], ignore_index=True).sort_values(["as_at", "force"], kind="stable")
    left_out = [r for one in converted for r in one.left_out if r[0] not in seen]
    return WorkforceEthnicity(out.reset_index(drop=True), tuple(left_out))


# Worker types of the open data table -> the names the strength table and the bulletins share.
STRENGTH_WORKER_TYPES = {
    "police officer": "Police officer",
    "police staff": "Police staff",
    "police community support officer": "PCSO",
    "designated officer": "Designated officer",
    "special constable": "Special constable",
    "police support volunteer": "Police support volunteer",
}
STRENGTH_COLUMNS = ("as_at", "force", "worker_type", "headcount", "fte", "publication")
# Where `import-real` writes it: beside the data folder's inputs, read by no measure yet.
WORKFORCE_STRENGTH_PATH = "national/workforce_strength.csv"
# Volunteers: the Home Office publishes their headcount only (a tidy copy may hold 0 FTE).
NO_FTE = frozenset({"Special constable", "Police support volunteer"})


def workforce_strength(
    table: WorkforceTable | None, bulletins: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Headcount and FTE by snapshot, force and worker type: 31 March from the open data table
    (summed over sex and rank), 30 September (and any 31 March the table lacks) from the
    September bulletins' force tables (`read_workforce_bulletins`). A figure a publication does
    not give (headcount before September 2019 in the bulletins) is missing, never 0."""
    parts = []
    if table is not None:
        kinds = _mapped(table, "worker_type", STRENGTH_WORKER_TYPES, "worker type")
        summed = (
            table.frame.assign(worker_type=kinds)
            .groupby(["as_at", "force", "worker_type"])[["headcount", "fte"]]
            .sum(min_count=1)
            .reset_index()
        )
        parts.append(summed.assign(publication="open data table"))
    if bulletins is not None and not bulletins.empty:
        wide = bulletins.pivot_table(
            index=["as_at", "force", "worker_type"],
            columns="measure",
            values="value",
            aggfunc="first",
            dropna=False,
        ).reset_index()
        wide = wide.reindex(columns=["as_at", "force", "worker_type", "headcount", "fte"])
        if parts:
            have = set(parts[0]["as_at"])
            wide = wide[~wide["as_at"].isin(have)]
        parts.append(wide.assign(publication="September bulletin"))
    if not parts:
        return pd.DataFrame(columns=list(STRENGTH_COLUMNS))
    out = pd.concat(parts, ignore_index=True)[list(STRENGTH_COLUMNS)]
    out["headcount"] = out["headcount"].round().astype("Int64")
    out["fte"] = out["fte"].round(2).mask(out["worker_type"].isin(NO_FTE))
    return out.sort_values(["as_at", "force", "worker_type"]).reset_index(drop=True)
