"""Every figure a report shows, kept machine-readable, and compared with the last report's.

A built report keeps its tables twice: in report.ods for readers, and in tables.json (the same
`SheetTable`s, `SheetTable.as_dict()`) for the next build. The changes page compares the two
reports' tables.json rather than reading report.ods back: the JSON holds the values exactly as
the build made them (no spreadsheet number formats, dates or shorthand to undo), so a figure
compares with itself whatever the spreadsheet's layout becomes. A report built before
tables.json was kept is read from its report.ods, in the layout this project wrote then.

Tables are matched by title; a table's rows by its label column (the first text column whose
values are all different: the period of a chart's data, the force of a ranked table, the
ethnic group, the offence); its figures by column header. A table at one quarter names the
quarter in its title ("..., year ending December 2024"), so two reports of different quarters
share only the tables that are the same figures: every point of every chart's series, for the
periods both charts show. The measures summary, the changes and the sources list are compared
elsewhere (measures.csv) or are not figures.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TABLES_NAME = "tables.json"
NOT_COMPARED = frozenset({"measures", "changes", "sources"})
_CHART_SUFFIX = " (chart data)"


@dataclass(frozen=True)
class TableRevision:
    """One figure of a table both reports show that differs."""

    table: str  # the table's title, without " (chart data)"
    kind: str  # "chart", "comparison", "offences", ...
    row: str  # the row's label: a period ("Dec 2024"), a force, a group
    column: str  # the column's header
    old: Any
    new: Any


def write_tables(path: Path, tables: Sequence[Any]) -> None:
    """tables.json: `tables` (`SheetTable`s) as JSON, in report order."""
    data = [t.as_dict() for t in tables]
    path.write_text(json.dumps(data, ensure_ascii=False, allow_nan=False), encoding="utf-8")


def read_tables(folder: Path) -> list[dict[str, Any]] | None:
    """The tables a published report keeps (None: none kept, or not readable): its
    tables.json, or for a report built before tables.json was kept, its report.ods."""
    path = Path(folder) / TABLES_NAME
    if not path.is_file():
        return _read_spreadsheet(Path(folder) / "report.ods")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return [t for t in data if isinstance(t, dict)] if isinstance(data, list) else None


# The sheets of a report.ods that are not a table of figures, or are compared elsewhere.
_SHEET_KINDS = {"Measures": "measures", "Changes": "changes", "Sources": "sources"}
_FRONT_SHEETS = frozenset({"Cover_sheet", "Contents", "Notes"})


def _read_spreadsheet(path: Path) -> list[dict[str, Any]] | None:
    """The tables of a report.ods as this project wrote it before tables.json (title in A1
    with its "[note n]" citations, the header in row 2, the rows below), or None."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        tables = []
        for name in book.sheet_names:
            if name in _FRONT_SHEETS:
                continue
            rows = book.get_sheet_by_name(name).to_python()
            if len(rows) < 2 or not rows[0] or not str(rows[0][0]).strip():
                continue
            title = re.sub(r"( \[note \d+\])+$", "", str(rows[0][0]).strip())
            kind = _SHEET_KINDS.get(name, "chart" if title.endswith(_CHART_SUFFIX) else "table")
            columns = [str(c) for c in rows[1]]
            data = [
                [_as_shown(v) for v in r[: len(columns)]]
                for r in rows[2:]
                if any(v != "" for v in r)
            ]
            tables.append({"title": title, "columns": columns, "rows": data, "kind": kind})
    except Exception:  # not a spreadsheet this project wrote: nothing to compare
        return None
    return tables


def _as_shown(value: Any) -> Any:
    """A spreadsheet cell as the report's table holds it: a month stored as a date (the chart
    tables' periods, since report.ods keeps dates as dates) is its label again, "Mar 2025"."""
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.strftime("%b %Y") if isinstance(value, dt.date) else value


def is_number(value: Any) -> bool:
    """A figure that is a number (not text, a flag or NaN)."""
    if value is None or isinstance(value, bool | str):
        return False
    try:
        return not math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def as_written(value: Any) -> Any:
    """A figure as measures.csv writes it (10 significant figures; a number written as text is
    that number), other text stripped, or None."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        if math.isnan(float(value)):
            return None
        return float(f"{float(value):.10g}")
    if value is None:
        return None
    if not isinstance(value, str) and hasattr(value, "item"):  # a numpy scalar
        return as_written(value.item())
    text = str(value).strip()
    try:
        # A number held as text (a history column of object dtype) is still that number.
        return as_written(float(text)) if text and not text.startswith("[") else text or None
    except ValueError:
        return text or None


def table_name(title: str) -> str:
    """A table's title as the page names it."""
    return title[: -len(_CHART_SUFFIX)] if title.endswith(_CHART_SUFFIX) else title


def _label_column(table: Mapping[str, Any]) -> int | None:
    """The index of the column that names each row, or None."""
    rows = table.get("rows") or []
    for i in range(len(table.get("columns") or [])):
        cells = [r[i] if i < len(r) else None for r in rows]
        text = [c for c in cells if isinstance(c, str) and c.strip() and not c.startswith("[")]
        if rows and len(text) == len(rows) and len(set(text)) == len(text):
            return i
    return None


def _keyed(table: Mapping[str, Any]) -> tuple[list[str], dict[str, list[Any]]] | None:
    at = _label_column(table)
    if at is None:
        return None
    columns = [str(c) for c in table.get("columns") or []]
    return columns, {str(row[at]): list(row) for row in table.get("rows") or []}


def compare_tables(
    old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]
) -> tuple[list[TableRevision], list[str]]:
    """Every figure of the tables both reports show that differs, in this report's order, and
    the titles of the tables compared."""
    before = {str(t.get("title")): t for t in old if t.get("kind") not in NOT_COMPARED}
    out: list[TableRevision] = []
    compared: list[str] = []
    for table in new:
        title = str(table.get("title"))
        if table.get("kind") in NOT_COMPARED or title not in before:
            continue
        a, b = _keyed(before[title]), _keyed(table)
        if a is None or b is None:
            continue
        compared.append(title)
        (old_columns, old_rows), (columns, rows) = a, b
        shared = [c for c in columns if c in old_columns]
        for label, row in rows.items():
            if label not in old_rows:
                continue
            was = old_rows[label]
            for column in shared:
                i, j = columns.index(column), old_columns.index(column)
                x = was[j] if j < len(was) else None
                y = row[i] if i < len(row) else None
                if as_written(x) != as_written(y):
                    kind = str(table.get("kind") or "table")
                    out.append(TableRevision(table_name(title), kind, label, column, x, y))
    return out, compared


__all__ = [
    "NOT_COMPARED",
    "TABLES_NAME",
    "TableRevision",
    "as_written",
    "compare_tables",
    "read_tables",
    "table_name",
    "write_tables",
]
