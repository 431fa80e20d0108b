"""Accessible HTML tables: the data behind charts, the measures summary, comparison tables.

Every table has a caption, column headers (``th scope="col"``) and row headers (``th
scope="row"``), so a screen reader announces each cell with its row and column; every piece of
text is escaped. Numeric cells carry ``class="num"`` so that page CSS can align them right.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from numbers import Integral, Real
from typing import Any

import pandas as pd

from helpers.present.formatting import NOT_AVAILABLE_VALUE, format_value, is_missing, period_label

SUMMARY_HEADERS = ("Local measure", "Trend / Outlook", "Benchmark")
SUMMARY_MISSING = "Not available"
NO_ROWS = "No data"


# A table this short prints whole on one page (CSS `table.short`); a longer one may break
# between rows, its header row repeated.
SHORT_TABLE_ROWS = 15


def scroll_box(table: str, label: str) -> str:
    """`table` in its own box that scrolls sideways on a narrow screen (as GOV.UK's tables do),
    so that no cell breaks a number or a word to fit a phone. The box takes keyboard focus and
    is a named region, so that a keyboard user can scroll it too (WCAG 2.1.1)."""
    return (
        f'<div class="table-scroll" role="region" tabindex="0" '
        f'aria-label="{html.escape(label, quote=True)}">\n{table}\n</div>'
    )


# ----- cells -----------------------------------------------------------------------------------
def _whole_numbers(values: pd.Series) -> bool:
    """True when every number in a column is whole: counts that became float around NaN, or
    around the "<5" text of disclosure control. Such numbers print without decimals."""
    numbers = [
        float(v)
        for v in values
        if isinstance(v, Real) and not isinstance(v, bool) and not is_missing(v)
    ]
    return bool(numbers) and all(n.is_integer() for n in numbers)


def _cell_text(value: Any, unit: str | None, whole: bool) -> tuple[str, bool]:
    """(text, is_numeric) of one cell."""
    if is_missing(value):
        return NOT_AVAILABLE_VALUE, False
    if isinstance(value, bool):
        return ("Yes" if value else "No"), False
    if isinstance(value, pd.Period):
        return period_label(value), False
    if isinstance(value, Real):
        if unit is not None:
            return format_value(value, unit), True
        if isinstance(value, Integral) or whole:
            # Whole numbers without a unit print as they are (years, ranks); pass a unit for
            # thousands separators on counts.
            return str(int(value)), True
        return format_value(value, "rate_per_1000"), True
    return str(value), False


def _unit_of(column: Any, unit: str | Mapping[Any, str] | None) -> str | None:
    if unit is None or isinstance(unit, str):
        return unit
    return unit.get(column)


def _td(text: str, numeric: bool) -> str:
    cls = ' class="num"' if numeric else ""
    return f"<td{cls}>{html.escape(text)}</td>"


# ----- data tables -----------------------------------------------------------------------------
def data_table(
    frame: pd.DataFrame,
    *,
    caption: str,
    index_header: str | None = None,
    unit: str | Mapping[Any, str] | None = None,
) -> str:
    """An accessible ``<table class="data-table">`` of a DataFrame.

    Row headers: with `index_header`, the frame's index is shown as the first column under that
    header; without it, the index is dropped and the first column is the row header. `unit` (one
    unit for every value column, or a mapping of column to unit) formats numbers with
    `helpers.present.formatting.format_value`;
    without it whole numbers print as they are and other numbers to two significant figures.
    Missing values print "n/a". An empty frame gives a table with one "No data" row.
    """
    if index_header is not None:
        body = frame.reset_index(drop=True)
        row_headers: Sequence[Any] = list(frame.index)
        headers = [index_header, *map(str, frame.columns)]
    else:
        if frame.shape[1] == 0:
            raise ValueError(f"table '{caption}' has no columns")
        body = frame.iloc[:, 1:].reset_index(drop=True)
        row_headers = list(frame.iloc[:, 0])
        headers = [str(c) for c in frame.columns]
    whole = [_whole_numbers(body.iloc[:, j]) for j in range(body.shape[1])]
    units = [_unit_of(column, unit) for column in body.columns]
    index_whole = _whole_numbers(pd.Series(row_headers, dtype=object))

    short = " short" if len(frame) <= SHORT_TABLE_ROWS else ""
    lines = [
        f'<table class="data-table{short}">',
        f"<caption>{html.escape(caption)}</caption>",
        "<thead><tr>"
        + "".join(f'<th scope="col">{html.escape(h)}</th>' for h in headers)
        + "</tr></thead>",
        "<tbody>",
    ]
    if len(frame) == 0:
        lines.append(f'<tr><td colspan="{len(headers)}">{NO_ROWS}</td></tr>')
    # One unit for the table formats its values, not its row headers (periods, names, ranks).
    first_unit = (
        _unit_of(frame.columns[0], unit)
        if index_header is None and isinstance(unit, Mapping)
        else None
    )
    for i, header in enumerate(row_headers):
        header_text, _ = _cell_text(header, first_unit, index_whole)
        cells = [f'<th scope="row">{html.escape(header_text)}</th>']
        for j in range(body.shape[1]):
            cells.append(_td(*_cell_text(body.iat[i, j], units[j], whole[j])))
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines += ["</tbody>", "</table>"]
    return scroll_box("\n".join(lines), caption)


# ----- the measures summary --------------------------------------------------------------------
def _summary_text(value: Any) -> str:
    """A summary cell: a trend result shows its word; missing shows "Not available"."""
    value = getattr(value, "word", value)
    if is_missing(value) or str(value).strip() == "":
        return SUMMARY_MISSING
    return str(value)


def measures_summary_table(rows: pd.DataFrame, *, caption: str) -> str:
    """The "Local measure | Trend / Outlook | Benchmark" table, ``class="measures-summary"``.

    `rows` has columns ``measure`` (title), ``trend`` (word, or a TrendResult), ``benchmark``,
    and optionally ``section``: then the rows are grouped, one ``<tbody>`` per section in order of
    first appearance, each opened by a ``th scope="rowgroup"`` header row.
    """
    missing = [c for c in ("measure", "trend", "benchmark") if c not in rows.columns]
    if missing:
        raise ValueError(
            f"measures summary table '{caption}': missing column(s) {', '.join(missing)} "
            f"(columns: {', '.join(map(str, rows.columns)) or 'none'})"
        )
    head = (
        '<table class="measures-summary">\n'
        f"<caption>{html.escape(caption)}</caption>\n<thead><tr>"
        + "".join(f'<th scope="col">{h}</th>' for h in SUMMARY_HEADERS)
        + "</tr></thead>"
    )
    parts = [head]
    if "section" in rows.columns:
        groups: dict[str, list[int]] = {}
        for position, section in enumerate(rows["section"]):
            groups.setdefault(_summary_text(section), []).append(position)
        for section, positions in groups.items():
            parts.append("<tbody>")
            parts.append(
                f'<tr><th scope="rowgroup" colspan="{len(SUMMARY_HEADERS)}">'
                f"{html.escape(section)}</th></tr>"
            )
            parts.extend(_summary_rows(rows.iloc[positions]))
            parts.append("</tbody>")
    else:
        parts += ["<tbody>", *_summary_rows(rows), "</tbody>"]
    if rows.empty:
        parts[-1:-1] = [f'<tr><td colspan="{len(SUMMARY_HEADERS)}">{NO_ROWS}</td></tr>']
    parts.append("</table>")
    return scroll_box("\n".join(parts), caption)


def _summary_rows(rows: pd.DataFrame) -> Iterable[str]:
    for measure, trend, benchmark in zip(
        rows["measure"], rows["trend"], rows["benchmark"], strict=True
    ):
        yield (
            f'<tr><th scope="row">{html.escape(_summary_text(measure))}</th>'
            f"<td>{html.escape(_summary_text(trend))}</td>"
            f"<td>{html.escape(_summary_text(benchmark))}</td></tr>"
        )


# ----- statistical disclosure control ----------------------------------------------------------
def disclosure_suppress(
    frame: pd.DataFrame, columns: Sequence[str], min_count: int, *, marker: str | None = None
) -> pd.DataFrame:
    """A copy of `frame` with counts from 1 to `min_count` - 1 in `columns` replaced by "<5".

    For tables BELOW FORCE LEVEL only (a district, a month of a rare offence): the report's
    disclosure rule (params/report.yaml `disclosure.min_count`). The caller must NOT apply it to
    a force's 12-month totals, which are published at force level already and always shown.
    Zero and missing values are left as they are. This is primary suppression only: a table whose
    total and other cells let a reader work a suppressed cell out needs secondary suppression,
    which this function does not do.
    """
    if min_count < 1:
        raise ValueError(f"disclosure min_count must be 1 or more, got {min_count}")
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise ValueError(
            f"disclosure_suppress: no column(s) {', '.join(map(repr, absent))} "
            f"(columns: {', '.join(map(str, frame.columns))})"
        )
    text = marker if marker is not None else f"<{min_count}"
    out = frame.copy()
    for column in columns:
        values = out[column]
        numbers = pd.to_numeric(values, errors="coerce")
        small = numbers.gt(0) & numbers.lt(min_count)
        if small.any():
            out[column] = values.astype(object).where(~small, text)
    return out
