"""Reading and checking the input files against their contracts (`helpers.inputs.schemas`).

Every file of every source is checked and every problem collected (nothing stops at the first), each
located as a person finds it: the file, the line as a text editor or spreadsheet numbers it (the
header is line 1), the column and the value found. `validate_inputs` returns the warnings and raises
`InputValidationError` carrying every error; `python -m helpers validate --data-dir DIR` prints
them.

The reader here is shared with `helpers.inputs.datasets`, so a file is parsed once whether it is
being validated or loaded.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import gzip
import hashlib
import io
import re
import sys
import warnings
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.errors as pa_errors

from helpers.core.exceptions import InputProblem, InputValidationError
from helpers.core.forces import default_forces
from helpers.inputs.schemas import (
    LOCAL_FILE_PATTERN,
    PRC_KEY,
    PRC_SUBGROUPS,
    QUARTER_END_MONTHS,
    SOURCES,
    Source,
    area_codes,
    is_other_ons_area,
)

# How many rows with the same problem in one file are listed before they are summarised.
MAX_LISTED = 10
_STEP_MONTHS = {"monthly": 1, "quarterly": 3, "year_ending": 3, "semiannual": 6}
_FILE_COLUMN = "_file"
_LINE_COLUMN = "_line"
_GZIP_MAGIC = b"\x1f\x8b"


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


# ----- where the files are
def source_files(data_dir: Path, source: Source) -> list[Path]:
    """The files of `source` present in `data_dir` (a local source: every CSV of its folder)."""
    base = Path(data_dir) / source.path
    if source.is_folder:
        if not base.is_dir():
            return []
        return sorted(
            p for p in base.iterdir() if p.is_file() and p.name.endswith((".csv", ".csv.gz"))
        )
    if base.is_file():
        return [base]
    # The published file compressed or not: both are accepted.
    other = base.with_suffix("") if base.suffix == ".gz" else base.with_name(base.name + ".gz")
    return [other] if other.is_file() else []


def _relative(path: Path, data_dir: Path) -> str:
    try:
        return path.relative_to(data_dir).as_posix()
    except ValueError:
        return str(path)


# ----- reading one file
def _decode(raw: bytes, rel: str, problems: list[InputProblem]) -> str | None:
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            problems.append(
                InputProblem(
                    rel, f"cannot be decompressed: the gzip file is truncated or damaged ({exc})"
                )
            )
            return None
    elif rel.endswith(".gz"):
        problems.append(
            InputProblem(rel, "is named .gz but is not gzip-compressed; read as plain text")
        )
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:200]:
        problems.append(
            InputProblem(
                rel,
                "is UTF-16 text (Excel's 'Unicode Text'), not UTF-8: save it as 'CSV UTF-8'",
                row=1,
            )
        )
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            InputProblem(
                rel,
                f"is not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be read; save it as "
                "'CSV UTF-8' (a byte-order mark is fine)",
                row=line,
            )
        )
        return None


def _header(text: str) -> list[str]:
    first = text.split("\n", 1)[0].rstrip("\r")
    try:
        return next(csv.reader([first]))
    except StopIteration:
        return []


def _normalise(name: str) -> str:
    return re.sub(r"[\s_]+", " ", name.strip().lower())


def compare_columns(found: Sequence[str], expected: Sequence[str], rel: str) -> list[InputProblem]:
    """Missing, unexpected and (probably) renamed columns, with the close name suggested."""
    problems: list[InputProblem] = []
    seen: set[str] = set()
    for name in found:
        if name in seen:
            problems.append(
                InputProblem(rel, "column appears twice in the header", row=1, column=name)
            )
        seen.add(name)
    missing = [c for c in expected if c not in found]
    unexpected = [c for c in dict.fromkeys(found) if c not in expected]
    for name in unexpected:
        candidates = {_normalise(m): m for m in missing}
        close = difflib.get_close_matches(_normalise(name), list(candidates), n=1, cutoff=0.6)
        if close:
            wanted = candidates[close[0]]
            missing.remove(wanted)
            problems.append(
                InputProblem(
                    rel,
                    f"column '{name}' should be named '{wanted}' (names must match exactly)",
                    row=1,
                    column=name,
                )
            )
        else:
            problems.append(
                InputProblem(
                    rel,
                    f"unexpected column '{name}'; the columns are: {', '.join(expected)}",
                    row=1,
                    column=name,
                )
            )
    for name in missing:
        problems.append(InputProblem(rel, f"missing column '{name}'", row=1, column=name))
    return problems


def _cut_short(text: str, fields: int) -> int | None:
    """The line of a last row that stops part-way (fewer fields, no line end), else None."""
    if not text or text.endswith(("\n", "\r")):
        return None
    last = text.rsplit("\n", 1)[-1]
    if '"' in last:
        return None  # a quoted value may span lines: left to the field count
    if 0 < len(last.split(",")) < fields:
        return _physical_lines(text)
    return None


def _source_with_columns(header: Sequence[str]) -> Source | None:
    """The input whose header is exactly `header` (names compared as a person reads them)."""
    wanted = [_normalise(c) for c in header]
    for source in SOURCES.values():
        if [_normalise(c) for c in source.columns] == wanted:
            return source
    return None


def _physical_lines(text: str) -> int:
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def _record_starts(text: str) -> list[tuple[int, int]]:
    """(line on which it starts, number of fields) of every record, the header included."""
    records: list[tuple[int, int]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    previous = 0
    for record in reader:
        records.append((previous + 1, len(record)))
        previous = reader.line_num
    return records


def read_csv_text(
    raw: bytes, rel: str, expected: Sequence[str]
) -> tuple[pd.DataFrame | None, list[InputProblem]]:
    """Text of one CSV file as a frame of stripped strings, with the line of each row in `_line`.

    Returns None (and the problems) when the file cannot be read or its header is wrong.
    """
    problems: list[InputProblem] = []
    if not raw.strip():
        return None, [InputProblem(rel, "file is empty")]
    text = _decode(raw, rel, problems)
    if text is None:
        return None, problems
    if not text.strip():
        return None, [*problems, InputProblem(rel, "file is empty")]
    header = _header(text)
    column_problems = compare_columns(header, expected, rel)
    if column_problems:
        other = _source_with_columns(header)
        if other is not None:
            mine = _source_with_columns(expected)
            wanted = f"{mine.description} ({mine.path})" if mine else ", ".join(expected)
            column_problems = [
                InputProblem(
                    rel,
                    f"is the wrong file: it has the columns of {other.description} "
                    f"({other.path}); this place needs {wanted}",
                    row=1,
                )
            ]
        return None, [*problems, *column_problems]
    cut_line = _cut_short(text, len(header))
    if cut_line is not None:
        problems.append(
            InputProblem(
                rel,
                f"ends in the middle of a row (fewer fields than the header's {len(header)}, "
                "and no line end): the file looks cut short; copy or download it again",
                row=cut_line,
            )
        )
    skipped: list[InputProblem] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = pd.read_csv(
                io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                on_bad_lines="warn",
                engine="c",
            )
        except (pd.errors.ParserError, ValueError) as exc:
            return None, [*problems, InputProblem(rel, f"cannot be read as CSV: {exc}")]
    # pandas numbers the rows it skips by record (a quoted value over two lines is one record),
    # a person by line: the records are re-read to tell the line each one starts on.
    skipped_records = [
        (int(m[1]), int(m[2]), int(m[3]))
        for warning in caught
        for m in re.finditer(
            r"Skipping line (\d+): expected (\d+) fields, saw (\d+)", str(warning.message)
        )
    ]
    n = len(frame)
    if not skipped_records and _physical_lines(text) == n + 1:
        lines = np.arange(2, n + 2, dtype=np.int64)
        starts = None
    else:
        records = _record_starts(text)
        starts = [line for line, _ in records]
        dropped = {number - 1 for number, _, _ in skipped_records}
        kept = [line for i, line in enumerate(starts[1:], start=1) if i not in dropped]
        lines = np.asarray(kept if len(kept) == n else [-1] * n, dtype=np.int64)
    for number, expected_fields, found in skipped_records:
        line = starts[number - 1] if starts and number - 1 < len(starts) else number
        skipped.append(
            InputProblem(
                rel,
                f"has {found} fields where the header has {expected_fields} (a stray comma, or "
                "a value with a comma that is not quoted)",
                row=line,
            )
        )
    frame = frame.apply(lambda column: column.str.strip())
    frame[_LINE_COLUMN] = lines
    frame[_FILE_COLUMN] = rel
    blank = (frame[list(expected)] == "").all(axis=1)
    if cut_line is not None:
        blank |= frame[_LINE_COLUMN] == cut_line  # reported above, not field by field
    frame = frame.loc[~blank].reset_index(drop=True)
    problems.extend(skipped)
    if frame.empty:
        problems.append(InputProblem(rel, "has a header but no data rows"))
        return None, problems
    return frame, problems


def parse_whole_numbers(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Text to whole numbers: ' 1755 ', '1,755', '1755.0' and the published '-00' (zero) are read.

    Returns the numbers (float, NaN where unreadable) and a mask of the unreadable values.
    """
    s = text.astype(str).str.strip()
    plain = s.str.fullmatch(r"\d+")
    if plain.all():  # the usual case, read without the slower forms below
        return pd.to_numeric(s), ~plain
    thousands = s.str.fullmatch(r"[+-]?\d{1,3}(,\d{3})+")
    s = s.where(~thousands, s.str.replace(",", "", regex=False))
    integral = s.str.fullmatch(r"[+-]?\d+\.0*")
    s = s.where(~integral, s.str.replace(r"\.0*$", "", regex=True))
    ok = s.str.fullmatch(r"[+-]?\d+")
    numbers = pd.to_numeric(s.where(ok, None), errors="coerce")
    return numbers, ~ok


# ----- problem bookkeeping
class _Collector:
    """Problems of one source; rows of a file with the same problem are listed up to MAX_LISTED."""

    def __init__(self) -> None:
        self.errors: list[InputProblem] = []
        self.warnings: list[InputProblem] = []
        self._counts: dict[tuple[bool, str, str | None, str], int] = {}

    def add(
        self, problem: InputProblem, *, warning: bool = False, group: str | None = None
    ) -> None:
        target = self.warnings if warning else self.errors
        if problem.row is None:
            target.append(problem)
            return
        key = (warning, problem.file, problem.column, group or problem.message)
        count = self._counts.get(key, 0) + 1
        self._counts[key] = count
        if count <= MAX_LISTED:
            target.append(problem)

    def extend(self, problems: Iterable[InputProblem], *, warning: bool = False) -> None:
        for problem in problems:
            self.add(problem, warning=warning)

    def summarise(self) -> None:
        for (warning, file, column, message), count in self._counts.items():
            if count > MAX_LISTED:
                target = self.warnings if warning else self.errors
                target.append(
                    InputProblem(
                        file,
                        f"... and {count - MAX_LISTED} more rows with the same problem ({message})",
                        column=column,
                    )
                )


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
        contents = tuple((p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in paths)
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
    out = _Collector()
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
            _check_source_rules(frame, source, out, result.files)
        result.frame = frame
    out.summarise()
    result.errors.extend(sorted(out.errors, key=_reading_order))
    result.warnings.extend(sorted(out.warnings, key=_reading_order))
    return result


def _reading_order(problem: InputProblem) -> tuple[str, int]:
    """File by file, the file's own problems first, then line by line (a stable sort)."""
    return (problem.file, problem.row or 0)


def _local_file_quarter(name: str, rel: str, out: _Collector) -> pd.Period | None:
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


def _parse_numbers(frame: pd.DataFrame, source: Source, rel: str, out: _Collector) -> pd.DataFrame:
    """Whole-number columns from text; rows with an unreadable value are reported and left out."""
    bad_rows = pd.Series(False, index=frame.index)
    for column in source.integer_columns:
        numbers, bad = parse_whole_numbers(frame[column])
        empty = frame[column] == ""
        if column in source.blank_allowed and empty.any():
            lines = frame.loc[empty, _LINE_COLUMN]
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
                    row=int(frame.at[idx, _LINE_COLUMN]),
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
    frame: pd.DataFrame, source: Source, quarter_end: pd.Period, rel: str, out: _Collector
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
                row=int(frame.at[idx, _LINE_COLUMN]),
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


def _check_schema(frame: pd.DataFrame, source: Source, out: _Collector) -> None:
    try:
        source.schema.validate(frame[source.columns], lazy=True)
    except pa_errors.SchemaErrors as exc:
        _translate(exc.failure_cases, frame, source, out)


def _translate(cases: pd.DataFrame, frame: pd.DataFrame, source: Source, out: _Collector) -> None:
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
        file = str(frame.at[index, _FILE_COLUMN])
        line = int(frame.at[index, _LINE_COLUMN])
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
                first_of_key = _first_of(frame, list(source.key))
            first = int(first_of_key.loc[index])
            key = ", ".join(str(frame.at[index, k]) for k in source.key)
            out.add(
                InputProblem(
                    file,
                    _duplicate_message(frame, index, first, source.columns, source.key),
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


def _first_of(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """For each row, the index of the first row with the same values in `columns`."""
    group = frame.groupby(list(columns), sort=False, dropna=False).ngroup()
    first = pd.Series(frame.index, index=frame.index).groupby(group.values).transform("min")
    return first


def _line_of(frame: pd.DataFrame, index: int, file: str) -> str:
    """ "line 5", or "local/x/2025-03.csv line 5" when the row is in another file than `file`."""
    where = f"line {frame.at[index, _LINE_COLUMN]}"
    other = str(frame.at[index, _FILE_COLUMN])
    return where if other == file else f"{other} {where}"


def _duplicate_message(
    frame: pd.DataFrame, index: int, first: int, columns: Sequence[str], key: Sequence[str]
) -> str:
    """Row `index` repeats the key of row `first`: an exact copy (a row pasted twice, which
    would be counted twice), or the same key with other values (which of the two is right?)."""
    where = _line_of(frame, first, str(frame.at[index, _FILE_COLUMN]))
    same = all(_same_value(frame.at[index, c], frame.at[first, c]) for c in columns)
    if same:
        return (
            f"duplicate row: an exact copy of {where} (every column the same); it would be "
            "counted twice"
        )
    return f"duplicate row: the same {', '.join(key)} as {where}, with other values"


def _same_value(a: object, b: object) -> bool:
    return bool(a == b) or (pd.isna(a) and pd.isna(b))  # type: ignore[call-overload]


# ----- source-specific rules
def _check_source_rules(
    frame: pd.DataFrame, source: Source, out: _Collector, files: list[str]
) -> None:
    if source.name == "prc":
        _check_prc(frame, out)
    elif source.name == "population":
        _check_population_coverage(frame, out)
    if source.period_column is not None:
        _check_gaps(frame, source, out, files)


def _check_prc(frame: pd.DataFrame, out: _Collector) -> None:
    negative = frame["Number of Offences"] < 0
    if negative.any():
        first = frame.loc[negative].iloc[0]
        out.add(
            InputProblem(
                str(first[_FILE_COLUMN]),
                f"{int(negative.sum())} rows have negative counts, accepted as Home Office "
                f"adjustments (first: {first['Force Name']}, offence {first['Offence Code']}, "
                f"{first['Financial Year']} Q{first['Financial Quarter']}, "
                f"line {first[_LINE_COLUMN]})",
                column="Number of Offences",
            ),
            warning=True,
        )
    _check_prc_repeats(frame, out)
    unknown = sorted(set(frame["Offence Subgroup"].unique()) - PRC_SUBGROUPS)
    if unknown:
        out.add(
            InputProblem(
                str(frame[_FILE_COLUMN].iloc[0]),
                "offence subgroups not seen in earlier releases (check the measure catalogue still "
                f"selects the right offences): {', '.join(map(str, unknown))}",
                column="Offence Subgroup",
            ),
            warning=True,
        )
    territorial = {f.name for f in default_forces().forces}
    registry = default_forces()
    present = {registry.find(n).name for n in frame["Force Name"].unique() if registry.find(n)}
    absent = sorted(territorial - present)
    if absent:
        out.add(
            InputProblem(
                str(frame[_FILE_COLUMN].iloc[0]),
                f"no rows for {len(absent)} force(s): {', '.join(absent)}",
                column="Force Name",
            ),
            warning=True,
        )
    # Quarters: every force should have every quarter between the first and the last.
    start = frame["Financial Year"].str.slice(0, 4).astype("int64")
    quarter_index = start * 4 + frame["Financial Quarter"] - 1
    all_quarters = set(range(int(quarter_index.min()), int(quarter_index.max()) + 1))
    quarter_label = lambda q: f"{q // 4}/{(q // 4 + 1) % 100:02d} Q{q % 4 + 1}"  # noqa: E731
    nowhere = sorted(all_quarters - set(quarter_index.unique()))
    if nowhere:
        out.add(
            InputProblem(
                str(frame[_FILE_COLUMN].iloc[0]),
                f"no rows at all for {_short_list(map(quarter_label, nowhere))}, inside the "
                f"series ({quarter_label(min(all_quarters))} to "
                f"{quarter_label(max(all_quarters))}): a whole quarter is missing",
                column="Financial Quarter",
            )
        )
        return
    by_force = pd.DataFrame({"force": frame["Force Name"], "q": quarter_index}).drop_duplicates()
    # Only the territorial forces: national fraud bodies come and go (FFA UK became UK Finance).
    by_force = by_force[by_force["force"].map(lambda n: registry.find(n) is not None)]
    for force, rows in by_force.groupby("force", sort=True):
        gaps = sorted(all_quarters - set(rows["q"]))
        if gaps:
            labels = [f"{q // 4}/{(q // 4 + 1) % 100:02d} Q{q % 4 + 1}" for q in gaps]
            out.add(
                InputProblem(
                    str(frame[_FILE_COLUMN].iloc[0]),
                    f"{force} has no rows for {len(gaps)} quarter(s): {_short_list(labels)}",
                    column="Force Name",
                ),
                warning=True,
            )


def _check_prc_repeats(frame: pd.DataFrame, out: _Collector) -> None:
    """Rows sharing a financial year, quarter, force and offence code.

    Added together: rows with different offence descriptions under one code, and up to n rows
    under a combined code that lists n offences (the published 2017/18 sheet has four rows,
    each "Homicide", under 1/4.1/4.10/4.2: murder, manslaughter, corporate manslaughter and
    infanticide, so two of them may be identical). Errors: any other exact copy of a row (it
    would be counted twice), the same offence (code and description) with another count, and
    more rows under a combined code than it lists offences."""
    key = list(PRC_KEY)
    repeated = frame.duplicated(key, keep=False)
    if not repeated.any():
        return
    rows = frame.loc[repeated]
    codes = rows["Offence Code"].astype(str)
    combined = codes.str.contains("/", regex=False)
    summed = pd.Series(False, index=rows.index)

    if combined.any():
        grouped = rows.loc[combined]
        position = grouped.groupby(key, sort=False).cumcount()
        limit = grouped["Offence Code"].str.count("/") + 1
        summed |= (position < limit).reindex(rows.index, fill_value=False)
        first = _first_of(grouped, key)
        for index in grouped.index[position >= limit]:
            file = str(frame.at[index, _FILE_COLUMN])
            out.add(
                InputProblem(
                    file,
                    f"duplicate row: code {frame.at[index, 'Offence Code']} lists "
                    f"{int(limit.loc[index])} offences, and this is row "
                    f"{int(position.loc[index]) + 1} for {frame.at[index, 'Force Name']}, "
                    f"{frame.at[index, 'Financial Year']} Q{frame.at[index, 'Financial Quarter']} "
                    f"(the first is {_line_of(frame, int(first.loc[index]), file)}); it would be "
                    "counted twice",
                    row=int(frame.at[index, _LINE_COLUMN]),
                    column="Offence Code",
                ),
                group="duplicate row",
            )

    simple = rows.loc[~combined]
    if len(simple):
        columns = [c for c in frame.columns if c not in (_FILE_COLUMN, _LINE_COLUMN)]
        same_offence = [*key, "Offence Description"]
        first = _first_of(simple, same_offence)
        conflicting = first.index[first.to_numpy() != first.index.to_numpy()]
        for index in conflicting:
            out.add(
                InputProblem(
                    str(frame.at[index, _FILE_COLUMN]),
                    _duplicate_message(frame, index, int(first.loc[index]), columns, same_offence),
                    row=int(frame.at[index, _LINE_COLUMN]),
                    value=f"{frame.at[index, 'Force Name']}, {frame.at[index, 'Financial Year']}"
                    f" Q{frame.at[index, 'Financial Quarter']}, code "
                    f"{frame.at[index, 'Offence Code']}",
                ),
                group="duplicate row",
            )
        # Different descriptions under one code: separate offences, added together.
        kept = simple.drop(index=conflicting)
        summed |= kept.duplicated(key, keep=False).reindex(rows.index, fill_value=False)

    if summed.any():
        shown = rows.loc[summed].iloc[0]
        out.add(
            InputProblem(
                str(shown[_FILE_COLUMN]),
                f"{int(summed.sum())} rows share their financial year, quarter, force and "
                f"offence code with another row (first: code {shown['Offence Code']}, "
                f"{shown['Force Name']}, line {shown[_LINE_COLUMN]}); their counts are added "
                "together (different offences published under one code: the 2017/18 sheet "
                "lists the four homicide offences under 1/4.1/4.10/4.2)",
                column="Offence Code",
            ),
            warning=True,
        )


def _check_population_coverage(frame: pd.DataFrame, out: _Collector) -> None:
    codes = area_codes()
    present = set(frame["area_code"])
    absent = sorted(
        name
        for code, name in codes.items()
        if code not in present and code.startswith(("E23", "W15"))
    )
    if absent:
        out.add(
            InputProblem(
                str(frame[_FILE_COLUMN].iloc[0]),
                f"no population for {len(absent)} force(s), so their rates cannot be computed: "
                f"{', '.join(absent)}",
                column="area_code",
            )
        )
    years = frame.loc[~frame["area_code"].map(is_other_ons_area), ["area_code", "mid_year"]]
    span = set(range(int(years["mid_year"].min()), int(years["mid_year"].max()) + 1))
    nowhere = sorted(span - set(years["mid_year"]))
    if nowhere:
        out.add(
            InputProblem(
                str(frame[_FILE_COLUMN].iloc[0]),
                f"no estimates at all for mid-{_short_list(map(str, nowhere))}, inside the "
                f"series (mid-{min(span)} to mid-{max(span)}): a whole year is missing",
                column="mid_year",
            )
        )
        return
    for code, rows in years.groupby("area_code", sort=True):
        gaps = sorted(span - set(rows["mid_year"]))
        if gaps:
            out.add(
                InputProblem(
                    str(frame[_FILE_COLUMN].iloc[0]),
                    f"{codes.get(code, code)} has no estimate for mid-year "
                    f"{_short_list(map(str, gaps))}",
                    column="mid_year",
                ),
                warning=True,
            )


def _short_list(items: Iterable[str], limit: int = 8) -> str:
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _check_gaps(frame: pd.DataFrame, source: Source, out: _Collector, files: list[str]) -> None:
    """A period missing inside a series. Local extracts: missing quarter files are errors (the
    12-month figures need every month); national files: a warning naming the force."""
    column = source.period_column
    assert column is not None
    text = frame[column].str.slice(0, 7)
    valid = text.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")  # others are reported by the schema
    if not valid.any():
        return
    step = _STEP_MONTHS[source.frequency]
    # Each distinct month parsed once (parsing period strings is slow).
    codes, distinct = pd.factorize(text[valid])
    ordinals = np.asarray(pd.PeriodIndex(distinct, freq="M").asi8)
    ordinal = pd.Series(ordinals[codes], index=text.index[valid])
    if source.is_folder:
        _check_quarter_files(source, out, files)
        return
    expected = set(range(int(ordinal.min()), int(ordinal.max()) + 1, step))
    label = lambda o: str(pd.Period(ordinal=o, freq="M"))  # noqa: E731
    file = str(frame[_FILE_COLUMN].iloc[0])
    present = np.sort(ordinal.unique())
    annual = (
        source.frequency == "quarterly"
        and len(present) > 1
        and bool((np.diff(present) == 12).all())
    )
    # A quarterly input published as an annual table (the use-of-force statistics: one row per
    # financial year) has no quarters between its years: they are not missing (the per-force
    # warning still says so). A semiannual or monthly input a year apart has lost periods.
    nowhere = [] if annual else sorted(expected - set(present))
    if nowhere:
        # A whole period missing inside the series: a file cut or stacked wrongly; every
        # 12-month figure across it would be missing or wrong, for every force.
        out.add(
            InputProblem(
                file,
                f"no rows at all for {_short_list(map(label, nowhere))}, inside the series "
                f"({label(min(expected))} to {label(max(expected))}): a whole period is missing",
                column=column,
            )
        )
        return
    by_force = pd.DataFrame({"force": frame.loc[valid, source.force_column], "p": ordinal})
    by_force = by_force.drop_duplicates()
    sizes = by_force.groupby("force", sort=True)["p"].size()
    for force in sizes.index[sizes < len(expected)]:
        gaps = sorted(expected - set(by_force.loc[by_force["force"] == force, "p"]))
        if gaps:
            labels = [str(pd.Period(ordinal=g, freq="M")) for g in gaps]
            out.add(
                InputProblem(
                    str(frame[_FILE_COLUMN].iloc[0]),
                    f"{force} has no rows for {len(gaps)} period(s): {_short_list(labels)}",
                    column=column,
                ),
                warning=True,
            )


def _check_quarter_files(source: Source, out: _Collector, files: list[str]) -> None:
    quarters = set()
    for f in files:
        match = LOCAL_FILE_PATTERN.match(Path(f).name)
        if match and int(match[2]) in QUARTER_END_MONTHS:
            quarters.add(pd.Period(year=int(match[1]), month=int(match[2]), freq="M"))
    if not quarters:
        return
    first, last = min(quarters), max(quarters)
    wanted = {first + 3 * i for i in range((last.ordinal - first.ordinal) // 3 + 1)}
    missing = sorted(wanted - quarters)
    if missing:
        # One file per quarter: an absent one is a quarter not yet supplied, not a broken file.
        # The build goes on; 12-month windows across it are "Not available", with the reason.
        out.add(
            InputProblem(
                source.path,
                f"no file for the quarter(s) ending {_short_list(str(m) for m in missing)} "
                f"between {first} and {last}: 12-month figures that include them are not "
                "available",
            ),
            warning=True,
        )


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
