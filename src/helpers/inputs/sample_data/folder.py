"""The sample data folder: every source built, written in the data layout with fixed bytes, its
README, the local extracts' templates, and `python -m helpers sample-data`.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import zlib
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from helpers.core.paths import DATA_DIR
from helpers.core.quarters import FinancialQuarter
from helpers.inputs.sample_data.local import LOCAL_BUILDERS
from helpers.inputs.sample_data.national import NATIONAL_BUILDERS
from helpers.inputs.sample_data.synthetic import DEFAULT_OUT, DEFAULT_SEED, synthetic_forces
from helpers.inputs.schemas import LOCAL_SOURCES, SOURCES


def _csv_bytes(frame: pd.DataFrame, columns: Sequence[str]) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, columns=list(columns), index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def _gzip_bytes(data: bytes) -> bytes:
    """gzip with no name and no time stamp in the header, so the bytes depend on the data only."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as handle:
        handle.write(data)
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> str:
    """Write atomically (a reader never sees half a file); return the sha256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return hashlib.sha256(data).hexdigest()


def build_sample_frames(seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """Every source as a frame with its file's columns (local extracts: all quarters together)."""
    forces = synthetic_forces()
    frames = {name: build(seed, forces) for name, build in NATIONAL_BUILDERS.items()}
    for name, build in LOCAL_BUILDERS.items():
        frames[name] = build(seed, forces).drop(columns="t")
    return frames


def write_sample(out: Path, frames: dict[str, pd.DataFrame], readme: str) -> dict[str, str]:
    """Write `frames` (one per source, the file's columns) in the data layout under `out`.

    Local extracts are split into one file per quarter. Files of the layout that this call does
    not write (a local quarter from an earlier run) are removed; nothing else in `out` is touched.
    Returns {relative path: sha256}.
    """
    out = Path(out)
    written: dict[str, str] = {}
    for name, source in SOURCES.items():
        if name not in frames:
            continue
        frame = frames[name]
        if not source.is_folder:
            data = _csv_bytes(frame, source.columns)
            if source.path.endswith(".gz"):
                data = _gzip_bytes(data)
            written[source.path] = _write(out / source.path, data)
            continue
        months = pd.PeriodIndex(frame["period"], freq="M")
        quarter_end = [FinancialQuarter.containing(m).code for m in months]
        wanted = set()
        for code, part in frame.groupby(quarter_end, sort=True):
            rel = f"{source.path}/{code}.csv"
            written[rel] = _write(out / rel, _csv_bytes(part, source.columns))
            wanted.add(f"{code}.csv")
        for stale in (out / source.path).glob("*.csv"):
            if stale.name not in wanted:
                stale.unlink()
    written["README.md"] = _write(out / "README.md", readme.encode("utf-8"))
    return dict(sorted(written.items()))


def generate_sample_data(out: Path = DEFAULT_OUT, *, seed: int = DEFAULT_SEED) -> dict[str, str]:
    """Write the full SYNTHETIC sample data folder `out` (about 4 MB, a few seconds).

    Returns {relative path: sha256} of the files written; the same seed gives the same bytes.
    """
    frames = build_sample_frames(seed)
    return write_sample(out, frames, _readme(seed, frames))


def _readme(seed: int, frames: dict[str, pd.DataFrame]) -> str:
    lines = [
        "# SYNTHETIC sample data - not real statistics",
        "",
        "Every number in this folder is **invented** by `python -m helpers sample-data` "
        f"(`src/helpers/inputs/sample_data/`, seed {seed}). It is never real data: do not quote, "
        "publish or compare it with anything.",
        "",
        "It has the layout, file formats and column names of the real inputs (see `docs/DATA.md`), "
        "for all 43 forces, so that the report builds for any force without real data. "
        "Magnitudes are plausible: offence counts follow the England and Wales mean counts of "
        "each Home Office offence code scaled by population; populations and ethnic shares are "
        "rounded from published ONS figures; trends, seasonality and noise are random.",
        "",
        "Regenerate (the same seed gives the same bytes):",
        "",
        "    python -m helpers sample-data --out data/sample",
        "",
        "| file | rows | source |",
        "|---|---|---|",
    ]
    for name, source in SOURCES.items():
        where = source.path + ("/<YYYY-MM>.csv" if source.is_folder else "")
        lines.append(f"| `{where}` | {len(frames[name]):,} | {name}: {source.description} |")
    lines += [
        "",
        "Coverage: police recorded crime 2012/13 Q1 to 2024/25 Q4 (quarter ending March 2025); "
        "population mid-2011 to mid-2023 only (so 2024 falls back to 2023); rape outcomes from "
        "2016-06; stop and search, use of force, workforce, CSEW and every local extract from "
        "2019/20 to 2024/25.",
        "",
    ]
    return "\n".join(lines)


def write_templates(out: Path = DATA_DIR / "templates") -> list[Path]:
    """Header-only CSV templates of every local extract, from the contracts, plus a README."""
    out = Path(out)
    paths = []
    for name in LOCAL_SOURCES:
        source = SOURCES[name]
        path = out / f"{name}.csv"
        _write(path, (",".join(source.columns) + "\n").encode("utf-8"))
        paths.append(path)
    return paths


# ----- command line
def main(argv: list[str] | None = None) -> int:
    """`python -m helpers sample-data [--out DIR] [--seed N]`."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers sample-data",
        description="Write the SYNTHETIC sample data folder (all 43 forces; deterministic).",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="folder (default data/sample)"
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})"
    )
    args = parser.parse_args(argv)
    try:
        written = generate_sample_data(args.out, seed=args.seed)
    except (OSError, zlib.error) as exc:
        print(f"error: cannot write the sample data to {args.out}: {exc}")
        return 1
    size = sum((Path(args.out) / rel).stat().st_size for rel in written)
    print(
        f"wrote {len(written)} files ({size / 1e6:.1f} MB) of SYNTHETIC sample data to {args.out}"
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
