"""A folder of published files converted into the data-folder layout (`python -m helpers
import-real`), each converted table checked against its contract before it is written.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import re
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from helpers.core.exceptions import InputProblem, InputValidationError, ReportError
from helpers.inputs.published.ons import (
    read_census2011_ethnicity,
    read_census_ethnicity,
    read_ons_population,
)
from helpers.inputs.published.outcomes import read_rape_outcomes
from helpers.inputs.published.police_powers import (
    read_arrests_open_data,
    read_stop_search_open_data,
)
from helpers.inputs.published.prc import read_prc, read_prc_located
from helpers.inputs.published.sheets import PublishedFileError
from helpers.inputs.published.use_of_force import read_use_of_force
from helpers.inputs.published.workforce import (
    WORKFORCE_STRENGTH_PATH,
    ethnicity_of_tables,
    read_workforce_table,
    workforce_strength,
)
from helpers.inputs.published.workforce_bulletin import read_workforce_bulletins
from helpers.inputs.schemas import SOURCES


def check_converted(
    frame: pd.DataFrame,
    source: str,
    locate: Callable[[], Sequence[tuple[str, int]]] | None = None,
) -> None:
    """Apply the data-folder contract of `source` to a converted table before it is written,
    every problem located in the published file (`locate()`: file and sheet, row, for each
    row, asked for only when there is a problem); raises `InputValidationError`. A bad
    published file never reaches the data folder."""
    import tempfile

    from helpers.inputs.validation import read_source

    spec = SOURCES[source]
    with tempfile.TemporaryDirectory(prefix="converted-") as tmp:
        write_csv(frame, Path(tmp) / spec.path)
        errors = read_source(Path(tmp), spec).errors
    if not errors:
        return
    where = locate() if locate is not None else None
    located = []
    for problem in errors:
        file, row, message = problem.file, problem.row, problem.message
        if where:
            if row is not None and 2 <= row < len(where) + 2:
                file, row = where[row - 2]  # line 2 of the CSV is the table's first row
            else:
                file = where[0][0].split(", sheet")[0]

            def _there(match: re.Match[str], file: str = file) -> str:
                line = int(match[1])
                if not 2 <= line < len(where) + 2:
                    return match[0]
                other, other_row = where[line - 2]
                return f"row {other_row}" if other == file else f"{other}, row {other_row}"

            message = re.sub(r"\bline (\d+)", _there, message)
        located.append(InputProblem(file, message, row, problem.column, problem.value))
    raise InputValidationError(located)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A data-folder CSV, written whole then moved into place (never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    text = frame.to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    if path.name.endswith(".gz"):
        tmp.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    else:
        tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def data_folder_view(
    out: Path,
    *,
    prc: Path | str | None = None,
    population: Path | str | Sequence[Path | str] | None = None,
) -> Path:
    """A data folder made from named files of any supported format (`measures --prc`)."""
    from helpers.inputs.processed import cached

    out = Path(out)
    (out / "national").mkdir(parents=True, exist_ok=True)
    if prc is not None:
        frame = cached("prc_published", [prc], lambda: read_prc(prc))
        write_csv(frame, out / SOURCES["prc"].path)
    if population is not None:
        files = [population] if isinstance(population, (str, Path)) else list(population)
        frame = cached("population", files, lambda: read_ons_population(files))
        write_csv(frame, out / SOURCES["population"].path)
    return out


REAL_README = """# REAL published data (converted by `python -m helpers import-real`)

Built from {real_dir} (real files as published by the Home Office, ONS and data.police.uk, with
their PROVENANCE.md). Nothing here is synthetic. Do not edit by hand: rerun the command.

| data-folder file | from |
|---|---|
{rows}

Not supplied (the report says "local data not supplied"): {missing}.
"""


# The published files `import_real` reads, by the names their publishers give them (or the
# names of their converted CSV forms), found anywhere under the folder.
PUBLISHED_NAMES: dict[str, tuple[str, ...]] = {
    "prc": ("prc_pfa_*.csv", "prc_pfa_*.csv.gz", "prc-pfa-*tables*.ods", "prc-pfa-*tables*.xlsx"),
    "population": ("ons_pfa_table_P*.csv", "ons_pfa_population*.csv"),
    "population_ethnicity": ("pfa-ethnicity-census2021.csv",),
    "use_of_force": ("police-use-of-force-*tables*.ods",),
    # Home Office police workforce: the open data tables (workforce; ethnicity: the report's
    # `workforce` input) as published or tidied, the extracts of the ethnicity table, and the
    # September bulletins' table files.
    "workforce": (
        "open-data-table-police-workforce*.ods",
        "open-data-table-police-workforce*.csv",
        "workforce-open-data-table*.csv*",
        "*workforce*ethnicity*.ods",
        "*workforce*ethnicity*.csv",
        "*ethnicity*workforce*.ods",
        "*ethnicity*workforce*.csv",
        "data-table-forces-ethnicity*.csv",
        "officer-rank-from-2003.csv",
        "chief-officer-latest.csv",
    ),
    "workforce_bulletin": ("police-workforce-*tab*.ods",),
    # Crime outcomes, police powers and Census 2011.
    "rape_outcomes": (
        "prc-outcomes-open-data-*tables*.ods",
        "prc-outcomes-open-data-*tables*.xlsx",
        "*outcomes-open-data-*.csv",
        "*outcomes-open-data-*.csv.gz",
    ),
    "stop_search": (
        "stop-search-open-data-tables*.ods",
        "stop-search-open-data*.csv",
        "stop-search-open-data*.csv.gz",
    ),
    "arrests": (
        "arrests-open-data-tables*.ods",
        "arrests-open-data*.csv",
        "arrests-open-data*.csv.gz",
    ),
    "population_ethnicity_2011": ("census2011-ethnic-group-by-pfa_force-demographics.csv",),
}


def published_files(real_dir: Path, source: str) -> list[Path]:
    """The files of `source` (a key of `PUBLISHED_NAMES`) anywhere under `real_dir`, in the
    order of the patterns, then by name (the order matters where files overlap: the later
    wins); a publisher's own year-by-year sheets (a folder named `original-sheet-*`) are left
    out: they repeat the years of the full file."""
    found: list[Path] = []
    for pattern in PUBLISHED_NAMES[source]:
        matches = (
            path
            for path in real_dir.rglob(pattern)
            if path.is_file()
            and path not in found
            and not any(part.startswith("original-sheet") for part in path.parts)
        )
        found.extend(sorted(matches, key=lambda p: (p.name, p.as_posix())))
    return found


def import_real(real_dir: Path | str, out: Path | str) -> dict[str, list[str]]:
    """Convert a folder of published files (`make data`'s `data/raw/`, or any folder holding
    them) into a data folder; returns {data-folder file: sources}."""
    from helpers.inputs.processed import cached

    real_dir, out = Path(real_dir), Path(out)
    if not real_dir.is_dir():
        raise PublishedFileError(
            f"{real_dir}: the folder of published files does not exist (make data downloads "
            "them into data/raw; or name your folder with REAL_DIR=...)"
        )
    absent = [
        f"{SOURCES[name].description} ({' or '.join(PUBLISHED_NAMES[name])})"
        for name in ("prc", "population")
        if not published_files(real_dir, name)
    ]
    if absent:
        raise PublishedFileError(
            f"{real_dir}: no file for a required input: {'; '.join(absent)} "
            "(docs/DATA.md, 'Real published data', lists the forms read)"
        )
    made: dict[str, list[str]] = {}

    prc = published_files(real_dir, "prc")
    if prc:
        frame = cached("prc_published", prc[-1:], lambda: read_prc(prc[-1]))
        # Checked here, where a problem can be located in the workbook's own sheet and row,
        # and before anything is written: data/real keeps its last good tables.
        check_converted(frame, "prc", lambda: read_prc_located(prc[-1])[1])
        write_csv(frame, out / SOURCES["prc"].path)
        made[SOURCES["prc"].path] = [prc[-1].relative_to(real_dir).as_posix()]

    pop = published_files(real_dir, "population")
    if pop:
        frame = cached("population", pop, lambda: read_ons_population(pop))
        write_csv(frame, out / SOURCES["population"].path)
        made[SOURCES["population"].path] = [p.relative_to(real_dir).as_posix() for p in pop]

    for census in published_files(real_dir, "population_ethnicity")[:1]:
        read_census_ethnicity(census)  # every force name known, numbers readable
        target = out / SOURCES["population_ethnicity"].path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(census, target)  # already the project's form: kept byte for byte
        made[SOURCES["population_ethnicity"].path] = [census.relative_to(real_dir).as_posix()]

    uof = published_files(real_dir, "use_of_force")
    if uof:
        frame = cached(
            "use_of_force",
            uof,
            lambda: pd.concat([read_use_of_force(p) for p in uof], ignore_index=True),
        )
        write_csv(frame, out / SOURCES["use_of_force"].path)
        made[SOURCES["use_of_force"].path] = [p.relative_to(real_dir).as_posix() for p in uof]

    workforce, notes = _import_workforce(real_dir, out)
    made.update(workforce)
    made.update(import_outcomes_and_powers(real_dir, out))

    missing = [
        f"{s.name} ({s.path})" for s in SOURCES.values() if s.path not in made and not s.required
    ]
    rows = "\n".join(f"| `{k}` | {', '.join(f'`{v}`' for v in vs)} |" for k, vs in made.items())
    text = REAL_README.format(real_dir=real_dir, rows=rows, missing="; ".join(missing))
    text += "".join(f"\n* {note}" for note in notes) + ("\n" if notes else "")
    (out / "README.md").write_text(text, encoding="utf-8")
    return made


def _import_workforce(real_dir: Path, out: Path) -> tuple[dict[str, list[str]], list[str]]:
    """The ethnicity table(s) as `workforce`; the workforce table and the September bulletins as
    the strength table (headcount and FTE by worker type). Returns the files made and notes for
    the README: what the ethnicity files hold and leave out, and a strength table not made."""
    made: dict[str, list[str]] = {}
    notes: list[str] = []
    tables = [(p, read_workforce_table(p)) for p in published_files(real_dir, "workforce")]
    by_ethnicity = [(p, t) for p, t in tables if t.frame["ethnicity"].ne("").any()]
    if by_ethnicity:
        converted = ethnicity_of_tables([t for _, t in by_ethnicity])
        if not converted.frame.empty:
            check_converted(converted.frame, "workforce")
            write_csv(converted.frame, out / SOURCES["workforce"].path)
            made[SOURCES["workforce"].path] = [
                p.relative_to(real_dir).as_posix() for p, _ in by_ethnicity
            ]
        notes.extend(f"`{SOURCES['workforce'].path}`: {n}" for n in converted.notes)
    strength = [(p, t) for p, t in tables if t.frame["ethnicity"].eq("").all()][-1:]
    bulletins = published_files(real_dir, "workforce_bulletin")
    if strength or bulletins:
        try:
            frame = workforce_strength(
                strength[0][1] if strength else None,
                read_workforce_bulletins(bulletins) if bulletins else None,
            )
        except PublishedFileError as exc:
            # No measure reads the strength table yet: a layout it does not know is said, in
            # the README and here, and stops nothing else.
            notes.append(f"`{WORKFORCE_STRENGTH_PATH}` not made: {exc}")
            print(f"warning: {WORKFORCE_STRENGTH_PATH} not made: {exc}", file=sys.stderr)
            return made, notes
        write_csv(frame, out / WORKFORCE_STRENGTH_PATH)
        made[WORKFORCE_STRENGTH_PATH] = [
            p.relative_to(real_dir).as_posix() for p in [*(p for p, _ in strength), *bulletins]
        ]
    return made, notes


def import_outcomes_and_powers(real_dir: Path, out: Path) -> dict[str, list[str]]:
    """The crime outcomes (rape charge/summons), the police powers open data (stop and search;
    arrests read and checked only: no measure uses them yet) and Census 2011 by ethnic group,
    each converted, checked against its contract and written; {data-folder file: sources}."""
    from helpers.inputs.processed import cached

    made: dict[str, list[str]] = {}

    def write(source: str, files: list[Path], frame: pd.DataFrame) -> None:
        check_converted(frame, source)
        write_csv(frame, out / SOURCES[source].path)
        made[SOURCES[source].path] = [p.relative_to(real_dir).as_posix() for p in files]

    outcomes = published_files(real_dir, "rape_outcomes")
    if outcomes:
        frame = cached("rape_outcomes", outcomes, lambda: _stacked(read_rape_outcomes, outcomes))
        write("rape_outcomes", outcomes, frame)
    searches = published_files(real_dir, "stop_search")
    if searches:
        frame = cached(
            "stop_search_open_data",
            searches,
            lambda: _stacked(read_stop_search_open_data, searches),
        )
        write("stop_search", searches, frame)
    for arrests in published_files(real_dir, "arrests"):
        cached("arrests_open_data", [arrests], lambda a=arrests: read_arrests_open_data(a))
    census = published_files(real_dir, "population_ethnicity_2011")[:1]
    if census:
        write("population_ethnicity_2011", census, read_census2011_ethnicity(census[0]))
    return made


def _stacked(read: Callable[[Path], pd.DataFrame], files: list[Path]) -> pd.DataFrame:
    """Each file read and stacked; where two give the same period and force (and group), the
    later file (by name: a later edition) wins."""
    frame = pd.concat([read(p) for p in files], ignore_index=True)
    keys = [c for c in ("period", "force", "ethnic_group") if c in frame]
    return frame.drop_duplicates(keys, keep="last").sort_values(keys).reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    """`python -m helpers import-real`: the real published files as a data folder."""
    from helpers.core.paths import PROJECT_ROOT

    parser = argparse.ArgumentParser(prog="python -m helpers import-real", description=main.__doc__)
    parser.add_argument(
        "--real-dir",
        type=Path,
        default=PROJECT_ROOT / "data" / "raw",
        help="folder of published files (default: data/raw, which `make data` fills)",
    )
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "data" / "real")
    args = parser.parse_args(argv)
    try:
        made = import_real(args.real_dir, args.out)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for target, sources in made.items():
        print(f"{args.out / target}  <-  {', '.join(sources)}")
    return 0


def named_files_folder(
    *,
    prc: Path | str | None,
    population: Path | str | Sequence[Path | str] | None,
    base: Path | None = None,
) -> Path:
    """A data folder (in `data/processed/views/`) holding the named files, converted, and every
    other input of `base` (linked, not copied). Without `base`, both files are needed."""
    from helpers.inputs.processed import PROCESSED_DIR, cache_key

    if base is None and (prc is None or population is None):
        raise PublishedFileError("--prc and --population are both needed without --data-dir")
    named = [p for p in (prc, *(_as_list(population))) if p is not None]
    for path in named:
        if not Path(path).is_file():
            raise PublishedFileError(f"{path}: no such file")
    view = PROCESSED_DIR / "views" / cache_key("view", named)[:24]
    if base is not None:
        for source in SOURCES.values():
            if (source.name == "prc" and prc) or (source.name == "population" and population):
                continue
            for path in validation_files(Path(base), source):
                target = view / path.relative_to(base)
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.exists():
                    target.symlink_to(path.resolve())
    return data_folder_view(view, prc=prc, population=population)


def _as_list(value: Path | str | Sequence[Path | str] | None) -> list[Path | str]:
    if value is None:
        return []
    return [value] if isinstance(value, (str, Path)) else list(value)


def validation_files(data_dir: Path, source) -> list[Path]:
    """The files of `source` in `data_dir` that validation reads."""
    from helpers.inputs.reading import source_files

    return source_files(data_dir, source)
