"""Reading an input CSV file exactly as a person sees it: where a source's files are, the bytes
decoded, the header against the contract, every record located by its line, whole numbers read
from text. Shared by validation, loading and the published-format readers, so a file is parsed
by one set of rules whichever way it came in.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import io
import re
import warnings
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core.exceptions import InputProblem
from helpers.inputs.schemas import SOURCES, Source

FILE_COLUMN = "_file"
LINE_COLUMN = "_line"
_GZIP_MAGIC = b"\x1f\x8b"


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
    frame[LINE_COLUMN] = lines
    frame[FILE_COLUMN] = rel
    blank = (frame[list(expected)] == "").all(axis=1)
    if cut_line is not None:
        blank |= frame[LINE_COLUMN] == cut_line  # reported above, not field by field
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
