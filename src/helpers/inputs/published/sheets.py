"""Reading a published file as text: every sheet of a spreadsheet, or a CSV, the header found
below any title rows, each row's number kept; and the publishers' force names made canonical.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core.exceptions import InputProblem, InputValidationError, ReportError
from helpers.core.forces import default_forces

SPREADSHEET_SUFFIXES = (".ods", ".xlsx", ".xlsm", ".xls")


class PublishedFileError(ReportError):
    """A published file that cannot be read as the publication it should be."""


def is_spreadsheet(path: Path) -> bool:
    """Whether `path` is a spreadsheet (ODS, XLSX, XLSM, XLS), by its suffix."""
    return Path(path).suffix.lower() in SPREADSHEET_SUFFIXES


def read_sheets(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of an ODS/XLSX as text cells, no header (python-calamine)."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, engine="calamine", dtype=object)
    except Exception as exc:  # calamine raises its own types for damaged files
        raise PublishedFileError(f"{path}: cannot be read as a spreadsheet: {exc}") from exc
    return {name: frame.map(_cell_text) for name, frame in sheets.items()}


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def header_row(frame: pd.DataFrame, wanted: str, limit: int = 30) -> int | None:
    """The row (0-based) whose cells include `wanted`: title rows above the header are skipped."""
    for i in range(min(limit, len(frame))):
        if any(str(v).strip() == wanted for v in frame.iloc[i]):
            return i
    return None


def clean_name(name: object) -> str:
    """A column name with case and punctuation ignored, as `janitor::clean_names()` writes it:
    `Reason for search / arrest` -> `reason_for_search_arrest`."""
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def cleaned_header_row(
    frame: pd.DataFrame, is_header: Callable[[set[str]], bool], limit: int = 30
) -> int | None:
    """The first row (0-based) within `limit` whose cells, as `clean_name` writes them, make
    `is_header` true: title rows above a publisher's header are skipped."""
    for i in range(min(limit, len(frame))):
        if is_header({clean_name(v) for v in frame.iloc[i]}):
            return i
    return None


def with_header(frame: pd.DataFrame, row: int) -> pd.DataFrame:
    """The rows below `row`, named by it; `.attrs["rows"]`: each row's number in the sheet (as a
    spreadsheet numbers it, from 1)."""
    header = [str(v).strip() for v in frame.iloc[row]]
    body = frame.iloc[row + 1 :].copy()
    body.columns = header
    body = body.loc[:, [h != "" for h in header]]
    body = body[(body != "").any(axis=1)]
    rows = [int(i) + 1 for i in body.index]
    body = body.reset_index(drop=True)
    body.attrs["rows"] = rows
    return body


def read_text_table(path: Path) -> pd.DataFrame:
    """A published CSV (gzipped or not) as text cells, named by its first row."""
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return pd.read_csv(
        io.StringIO(raw.decode("utf-8-sig")), dtype=str, keep_default_na=False, na_filter=False
    )


def canonical_force_names(
    names: Iterable[str], file: str, *, drop: Iterable[str] = ()
) -> dict[str, str]:
    """{published name: canonical force}; names in `drop` (lower case) map to ''."""
    registry = default_forces()
    dropped = {d.lower() for d in drop}
    mapping: dict[str, str] = {}
    problems = []
    for name in dict.fromkeys(names):
        text = str(name).strip()
        force = registry.find(text) or registry.find(text.replace("-", " "))
        if force is not None:
            mapping[name] = force.name
        elif text.lower() in dropped or text.lower().startswith("total"):
            mapping[name] = ""
        else:
            problems.append(
                InputProblem(file, f"unknown force '{text}'{registry.suggestion(text)}")
            )
    if problems:
        raise InputValidationError(problems)
    return mapping
