"""Reading and checking the input files against their contracts (`helpers.inputs.schemas`).

Every file of every source is checked and every problem collected (nothing stops at the first), each
located as a person finds it: the file, the line as a text editor or spreadsheet numbers it (the
header is line 1), the column and the value found. `validate_inputs` returns the warnings and raises
`InputValidationError` carrying every error; `python -m helpers validate --data-dir DIR` prints
them.

Files are read by `helpers.inputs.reading`, problems gathered by `helpers.inputs.problems`, and
the rules particular to a source are `helpers.inputs.source_rules`. `read_source` keeps what it
read, shared with `helpers.inputs.datasets`, so a file is parsed once whether it is being
validated or loaded.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.errors as pa_errors

from helpers.core.digests import sha256_file
from helpers.core.exceptions import InputProblem, InputValidationError
from helpers.core.forces import default_forces
from helpers.inputs.problems import ProblemCollector, duplicate_message, first_row_of
from helpers.inputs.reading import (
    FILE_COLUMN,
    LINE_COLUMN,
    parse_whole_numbers,
    read_csv_text,
    source_files,
)
from helpers.inputs.schemas import (
    LOCAL_FILE_PATTERN,
    QUARTER_END_MONTHS,
    SOURCES,
    Source,
    area_codes,
)
from helpers.inputs.source_rules import check_source_rules


# ----- results
@dataclass
class SourceRead:
    """A source read from its files: the typed frame (file columns, plus `_file` and `_line`) and
    every problem found. `frame` is None when the source is not supplied or cannot be read."""

    source: Source
    frame: pd.DataFrame | None = None
    files: list[str] = field(default_factory=list)
    errors: list[InputProblem] = field(default_factory=list)
    warnings: list[InputProblem] = field(default_factory=list)
    supplied: bool = True

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ValidationReport:
    """Everything found in a data folder."""

    data_dir: Path
    errors: list[InputProblem] = field(default_factory=list)
    warnings: list[InputProblem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)

    def raise_for_errors(self) -> None:
        if self.errors:
            raise InputValidationError(self.errors)


def _relative(path: Path, data_dir: Path) -> str:
    try:
        return path.relative_to(data_dir).as_posix()
    except ValueError:
        return str(path)


# ----- checking a source
# Sources already read in this process, keyed on the folder, the source, `check` and the sha256
# of every file: the build validates the inputs and then computes the measures from the same
# files, and a warm kernel loads them for notebook after notebook, so each is parsed once.
_READ: dict[tuple[object, ...], SourceRead] = {}
_READ_MAX = 40


def _copy(read: SourceRead) -> SourceRead:
    # A shallow copy of the frame (pandas copy-on-write): a caller that changes its frame does
    # not change the one the next caller gets.
    return SourceRead(
        source=read.source,
        frame=None if read.frame is None else read.frame.copy(deep=False),
        files=list(read.files),
        errors=list(read.errors),
        warnings=list(read.warnings),
        supplied=read.supplied,
    )


def _read_key(data_dir: Path, source: Source, check: bool, paths: list[Path]) -> tuple | None:
    try:
        contents = tuple((p.name, sha256_file(p)) for p in paths)
    except OSError:
        return None  # read_source reports it
    # Not the folder: the result holds paths relative to it, so the same files (a copy of a
    # folder, a test's broken copy) give the same result.
    return (source.name, id(source), check, contents)


def read_source(data_dir: Path, source: Source, *, check: bool = True) -> SourceRead:
    """Read every file of `source`; with `check`, apply its whole contract.

    Without `check`, only what is needed to build a table is enforced (readable files, the right
    columns, whole numbers where numbers are expected). The same files read again in this
    process (same content, by sha256) give the same result without being parsed again.
    """
    data_dir = Path(data_dir)
    paths = source_files(data_dir, source)
    key = _read_key(data_dir, source, check, paths)
    known = _READ.get(key) if key is not None else None
    if known is not None and known.source is source:
        return _copy(known)
    result = _read_source(data_dir, source, check, paths)
    if key is not None:
        _READ[key] = _copy(result)
        while len(_READ) > _READ_MAX:
            del _READ[next(iter(_READ))]
    return result


def _read_source(data_dir: Path, source: Source, check: bool, paths: list[Path]) -> SourceRead:
    result = SourceRead(source=source)
    if not paths:
        result.supplied = False
        if source.required:
            result.errors.append(
                InputProblem(
                    source.path,
                    f"required input '{source.name}' is missing ({source.description}; "
                    f"publisher: {source.publisher})",
                )
            )
        return result
    out = ProblemCollector()
    frames: list[pd.DataFrame] = []
    for path in paths:
        rel = _relative(path, data_dir)
        result.files.append(rel)
        quarter_end: pd.Period | None = None
        if source.is_folder:
            quarter_end = _local_file_quarter(path.name, rel, out)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            out.add(InputProblem(rel, f"cannot be read: {exc}"))
            continue
        frame, problems = read_csv_text(raw, rel, source.columns)
        for problem in problems:
            out.add(problem, warning="read as plain text" in problem.message)
        if frame is None:
            continue
        if check and quarter_end is not None and source.period_column == "period":
            _check_local_quarter(frame, source, quarter_end, rel, out)
        frames.append(_parse_numbers(frame, source, rel, out))
    if frames:
        frame = pd.concat(frames, ignore_index=True)
        if check:
            _check_schema(frame, source, out)
            check_source_rules(frame, source, out, result.files)
        result.frame = frame
    out.summarise()
    result.errors.extend(sorted(out.errors, key=_reading_order))
    result.warnings.extend(sorted(out.warnings, key=_reading_order))
    return result


def _reading_order(problem: InputProblem) -> tuple[str, int]:
    """File by file, the file's own problems first, then line by line (a stable sort)."""
    return (problem.file, problem.row or 0)


def _local_file_quarter(name: str, rel: str, out: ProblemCollector) -> pd.Period | None:
    match = LOCAL_FILE_PATTERN.match(name)
    if not match or not 1 <= int(match[2]) <= 12:
        out.add(
            InputProblem(
                rel,
                "file name must be the quarter's last month, YYYY-MM.csv (e.g. 2024-03.csv for "
                "January to March 2024)",
            )
        )
        return None
    if int(match[2]) not in QUARTER_END_MONTHS:
        out.add(
            InputProblem(
                rel,
                f"file name month {match[2]} is not a quarter end: name the file after the "
                "quarter's last month (03, 06, 09 or 12)",
            )
        )
        return None
    return pd.Period(year=int(match[1]), month=int(match[2]), freq="M")


def _parse_numbers(
    frame: pd.DataFrame, source: Source, rel: str, out: ProblemCollector
) -> pd.DataFrame:
    """Whole-number columns from text; rows with an unreadable value are reported and left out."""
    bad_rows = pd.Series(False, index=frame.index)
    for column in source.integer_columns:
        numbers, bad = parse_whole_numbers(frame[column])
        empty = frame[column] == ""
        if column in source.blank_allowed and empty.any():
            lines = frame.loc[empty, LINE_COLUMN]
            out.add(
                InputProblem(
                    rel,
                    f"{int(empty.sum())} empty value(s), read as not published (first at line "
                    f"{lines.iloc[0]})",
                    column=column,
                ),
                warning=True,
            )
            bad = bad & ~empty
        for idx in frame.index[bad]:
            value = frame.at[idx, column]
            message = (
                "is empty: a whole number is required" if value == "" else "is not a whole number"
            )
            out.add(
                InputProblem(
                    rel,
                    message,
                    row=int(frame.at[idx, LINE_COLUMN]),
                    column=column,
                    value=None if value == "" else value,
                )
            )
        bad_rows |= bad
        frame[column] = numbers
    frame = frame.loc[~bad_rows].copy()
    for column in source.integer_columns:
        if not frame[column].isna().any():
            frame[column] = frame[column].astype("int64")
        else:
            frame[column] = frame[column].astype("float64")
    return frame


def _check_local_quarter(
    frame: pd.DataFrame, source: Source, quarter_end: pd.Period, rel: str, out: ProblemCollector
) -> None:
    months = {str(quarter_end - 2), str(quarter_end - 1), str(quarter_end)}
    well_formed = frame["period"].str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
    outside = ~frame["period"].isin(months) & well_formed
    for idx in frame.index[outside]:
        value = frame.at[idx, "period"]
        out.add(
            InputProblem(
                rel,
                f"period is not a month of the quarter ending {quarter_end} that the file name "
                f"gives ({', '.join(sorted(months))})",
                row=int(frame.at[idx, LINE_COLUMN]),
                column="period",
                value=value,
            ),
            group="period outside the file's quarter",
        )
    registry = default_forces()
    names = frame[source.force_column]
    canonical = {n: (f.name if (f := registry.find(n)) else None) for n in names.unique()}
    # Rows with an unknown force or category are reported on their own line, not here.
    usable = well_formed & names.map(canonical).notna()
    for column, allowed in source.categories.items():
        usable &= frame[column].isin(allowed)
    inside = frame.loc[usable & ~outside].assign(**{source.force_column: names.map(canonical)})
    groups = [source.force_column, *source.categories]
    counts = inside.groupby(groups, sort=True)["period"].nunique()
    incomplete = counts[counts < len(months)].index
    if len(incomplete) == 0:
        return
    for key, rows in inside.set_index(groups).loc[incomplete].groupby(level=groups):
        absent = sorted(months - set(rows["period"]))
        if absent:
            label = ", ".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
            out.add(
                InputProblem(
                    rel,
                    f"{label}: no row for {', '.join(absent)} (each quarter file needs all three "
                    "months; write 0 where there was nothing to count)",
                    column="period",
                )
            )


def _suggest_category(value: object, allowed: Sequence[str]) -> str:
    lowered = {a.lower(): a for a in allowed}
    text = str(value).strip().lower()
    if text in lowered:
        return f": did you mean '{lowered[text]}'?"
    close = difflib.get_close_matches(text, list(lowered), n=1, cutoff=0.6)
    return f": did you mean '{lowered[close[0]]}'?" if close else ""


def _check_schema(frame: pd.DataFrame, source: Source, out: ProblemCollector) -> None:
    try:
        source.schema.validate(frame[source.columns], lazy=True)
    except pa_errors.SchemaErrors as exc:
        _translate(exc.failure_cases, frame, source, out)


def _translate(
    cases: pd.DataFrame, frame: pd.DataFrame, source: Source, out: ProblemCollector
) -> None:
    """Pandera's failure cases, worded for a person and located by file and line."""
    registry = default_forces()
    names = {str(c.error): c.name for col in source.schema.columns.values() for c in col.checks}
    frame_checks = {str(c.error): c.name for c in source.schema.checks}
    done: set[tuple[str, int]] = set()
    first_of_key: pd.Series | None = None
    for case in cases.itertuples(index=False):
        check = str(case.check)
        index = case.index
        if index is None or (isinstance(index, float) and np.isnan(index)):
            out.add(InputProblem(source.path, f"{check}", column=case.column))
            continue
        index = int(index)
        file = str(frame.at[index, FILE_COLUMN])
        line = int(frame.at[index, LINE_COLUMN])
        row = line if line > 0 else None
        if case.schema_context == "Column":
            message = check
            name = names.get(check)
            column = str(case.column)
            if name == "known_force":
                message = (
                    f"unknown force '{case.failure_case}'{registry.suggestion(case.failure_case)}"
                )
            elif column in source.categories:
                message = (
                    f"{check}{_suggest_category(case.failure_case, source.categories[column])}"
                )
            elif name == "known_area_code":
                message = f"{check}{_suggest_area(case.failure_case)}"
            out.add(
                InputProblem(file, message, row=row, column=column, value=case.failure_case),
                group=check,
            )
            continue
        if (check, index) in done:
            continue
        done.add((check, index))
        if check == "multiple_fields_uniqueness":
            if first_of_key is None:
                first_of_key = first_row_of(frame, list(source.key))
            first = int(first_of_key.loc[index])
            key = ", ".join(str(frame.at[index, k]) for k in source.key)
            out.add(
                InputProblem(
                    file,
                    duplicate_message(frame, index, first, source.columns, source.key),
                    row=row,
                    value=key,
                ),
                group="duplicate row",
            )
        elif frame_checks.get(check, "").count("<=") == 1:
            part, whole = frame_checks[check].split("<=")
            out.add(
                InputProblem(
                    file,
                    f"'{part}' ({frame.at[index, part]}) is more than '{whole}' "
                    f"({frame.at[index, whole]}): a part cannot exceed its whole",
                    row=row,
                    column=part,
                ),
                group=check,
            )
        elif frame_checks.get(check) == "area_name_matches_code":
            code = str(frame.at[index, "area_code"])
            out.add(
                InputProblem(
                    file,
                    f"area_name does not match area_code {code}, which is "
                    f"'{area_codes().get(code, '?')}'",
                    row=row,
                    column="area_name",
                    value=frame.at[index, "area_name"],
                ),
                group=check,
            )
        else:
            out.add(InputProblem(file, check, row=row, column=str(case.column)), group=check)


def _suggest_area(code: object) -> str:
    close = difflib.get_close_matches(
        str(code).strip().upper(), list(area_codes()), n=1, cutoff=0.7
    )
    return f": did you mean '{close[0]}' ({area_codes()[close[0]]})?" if close else ""


# ----- the whole data folder
def check_inputs(data_dir: Path, sources: Iterable[str] | None = None) -> ValidationReport:
    """Every problem of every source in `data_dir` (nothing is raised)."""
    data_dir = Path(data_dir)
    report = ValidationReport(data_dir=data_dir)
    if not data_dir.is_dir():
        report.errors.append(InputProblem(str(data_dir), "data folder does not exist"))
        return report
    for name in sources or SOURCES:
        result = read_source(data_dir, SOURCES[name])
        report.errors.extend(result.errors)
        report.warnings.extend(result.warnings)
        report.files.extend(result.files)
        if not result.supplied and not SOURCES[name].required:
            report.missing.add(name)
    return report


def validate_inputs(data_dir: Path, sources: Iterable[str] | None = None) -> list[InputProblem]:
    """Check every input file of `data_dir` (or of the named sources); return the warnings.

    Raises `InputValidationError` whose `.problems` lists every error of every file.
    """
    report = check_inputs(data_dir, sources)
    report.raise_for_errors()
    return report.warnings


# ----- command line
def _default_data_dir() -> Path:
    from helpers.core.config import load_settings
    from helpers.core.paths import resolve

    return resolve(load_settings().data_dir)


def main(argv: list[str] | None = None) -> int:
    """`python -m helpers validate [--data-dir DIR]`: print every problem; exit 1 on errors."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers validate",
        description="Check every input file of a data folder against its contract (docs/DATA.md).",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="data folder (default: data_dir of params/report.yaml)",
    )
    args = parser.parse_args(argv)
    data_dir = args.data_dir or _default_data_dir()
    report = check_inputs(data_dir)
    for problem in report.warnings:
        print(f"warning: {problem}")
    for problem in report.errors:
        print(f"error: {problem}", file=sys.stderr)
    missing = ", ".join(sorted(report.missing)) or "none"
    print(
        f"{data_dir}: {len(report.files)} file(s) checked, {len(report.errors)} error(s), "
        f"{len(report.warnings)} warning(s); optional inputs not supplied: {missing}"
    )
    return 1 if report.errors else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
