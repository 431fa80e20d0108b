"""The 'Changes since the last report' page and report.ods's Changes sheet, from a `Changes`.

The page is for a Commissioner: first what moved since the last report (the measures whose
trend word, benchmark or rank changed, old and new), then the revised figures, one row per
chart or table with the largest change and its likely cause in plain words. It names no file,
checksum, timestamp or command (the PDF is printed from it): those stay in manifest.json, the
methods page and the spreadsheet. The Changes sheet holds both parts, every revised figure
with its old and new value, and is never an empty header: when there is nothing to compare,
or nothing changed, a row says so.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import pandas as pd

from helpers.pipeline.change_tables import is_number
from helpers.pipeline.changes import PAGE_ID, PAGE_TITLE, Change, Changes

MOVED_PART = "What moved since the last report"
REVISED_PART = "Revised figures"
NOTHING_MOVED = "No measure's trend, benchmark or rank changed since the last report."
NOTHING_REVISED = "No figure that both reports show changed."
SUMMARY = "Measures summary"
NOT_KEPT = (
    "The last report did not keep its charts' figures in a form this report can read (it was "
    "built before they were kept), so only the figures of its measures summary were compared, "
    "not every point of its charts and tables."
)
_SHEET_COLUMNS = (
    "Part",
    "Measure, chart or table",
    "Figure",
    "12 months ending, or row",
    "Previous report",
    "This report",
    "Difference: this report minus previous",
    "Change (%)",
    "Above threshold",
    "Likely cause",
)


def _text(value: Any, unit: str) -> str:
    from helpers.present.formatting import format_value

    if value is None:
        return "Not available"
    if not is_number(value):
        return str(value)
    if unit in ("year", "rank"):
        return str(int(value))
    if unit == "p":
        return f"{float(value):.3g}"
    number = float(value)
    if unit == "table":  # a figure of a chart or table: as many digits as tell it apart
        return f"{number:,.0f}" if number.is_integer() else f"{number:,.4g}"
    try:
        return format_value(number, unit)
    except ValueError:
        return f"{number:.6g}"


def _period_text(code: str) -> str:
    from helpers.core.quarters import FinancialQuarter

    try:
        return FinancialQuarter.parse(code).end_month_name
    except Exception:
        return code


def _short_quarter(code: str) -> str:
    """'Dec 2024' for 2024-12 (a column header)."""
    try:
        return pd.Period(code, freq="M").strftime("%b %Y")
    except (ValueError, TypeError):
        return code


def moved_frame(changes: Changes, quarter: str) -> pd.DataFrame:
    """What moved: Measure, What changed, the last report's word, this report's."""
    old = f"Last report ({_short_quarter(changes.previous.quarter if changes.previous else '')})"
    new = f"This report ({_short_quarter(quarter)})"
    rows = [[m.title, m.what, m.old, m.new] for m in changes.moved]
    return pd.DataFrame(rows, columns=["Measure", "What changed", old, new])


def _groups(changes: Sequence[Change]) -> dict[tuple[str, str], list[Change]]:
    out: dict[tuple[str, str], list[Change]] = {}
    for c in changes:
        out.setdefault((c.title, c.where), []).append(c)
    return out


def _largest(group: Sequence[Change]) -> Change:
    sized = [c for c in group if c.percent is not None]
    if sized:
        return max(sized, key=lambda c: abs(c.percent or 0.0))
    return group[0]


def revised_frame(changes: Changes) -> pd.DataFrame:
    """The revised figures, one row per measure (and chart or table): how many, which
    periods, the largest change (old to new) and the likely cause."""
    rows = []
    for (title, where), group in _groups(changes.changes).items():
        big = _largest(group)
        periods = list(dict.fromkeys(_period_text(c.period) for c in group))
        shown = ", ".join(periods[:4]) + (
            f" and {len(periods) - 4} more" if len(periods) > 4 else ""
        )
        change = f"{big.figure}, {_period_text(big.period)}: {_text(big.old, big.unit)} to "
        change += _text(big.new, big.unit)
        if big.percent is not None:  # a small revision is not shown as none (+0.0%)
            change += (
                f" ({big.percent:+.1f}%)" if abs(big.percent) >= 0.1 else f" ({big.percent:+.2g}%)"
            )
        rows.append([title, where or SUMMARY, str(len(group)), shown, change, big.causes])
    columns = ["Measure", "Shown in", "Figures revised", "Periods", "Largest change"]
    return pd.DataFrame(rows, columns=[*columns, "Likely cause"])


def page_html(changes: Changes, *, force: str, quarter_title: str, quarter: str = "") -> str:
    """The 'Changes since the last report' page (an HTML fragment; the build places it before
    the methods page)."""
    from helpers.present.tables import data_table

    parts = [
        f'<h2 id="{PAGE_ID}-page">{PAGE_TITLE}</h2>',
        f'<p class="section-meta">{html.escape(force)} · {html.escape(quarter_title)}</p>',
    ]
    if changes.previous is None:
        parts.append(f"<p>{html.escape(changes.missing)} Nothing is compared.</p>")
        return "\n".join(parts)
    p = changes.previous
    last = p.quarter_title
    parts.append(
        f"<p>This page compares this report with the last one, for the "
        f"{html.escape(last[:1].lower() + last[1:])}: first what moved since then, then the "
        "figures both reports show that were revised.</p>"
    )
    parts.append(f"<h3>{MOVED_PART}</h3>")
    if changes.moved:
        parts.append(
            data_table(
                moved_frame(changes, quarter or p.quarter),
                caption="Measures whose trend, benchmark or rank changed",
            )
        )
    else:
        parts.append(f"<p>{NOTHING_MOVED}</p>")
    parts.append(f"<h3>{REVISED_PART}</h3>")
    if not changes.tables_kept:
        parts.append(f"<p>{NOT_KEPT}</p>")
    if not changes.changes:
        parts.append(f"<p>{NOTHING_REVISED}</p>")
    else:
        flagged = sum(c.flagged for c in changes.changes)
        parts.append(
            f"<p>{len(changes.changes)} figure(s) changed, {flagged} of them by "
            f"{changes.threshold_percent:g}% or more of the previous figure (or a changed "
            "word). Every one, with its previous and new value, is in "
            '<a href="report.ods">report.ods</a> (sheet Changes).</p>'
        )
        parts.append(
            data_table(revised_frame(changes), caption="Figures revised since the last report")
        )
    if changes.build_causes:
        items = "".join(f"<li>{html.escape(c)}</li>" for c in changes.build_causes)
        parts.append(f"<h3>What changed between the two reports</h3>\n<ul>{items}</ul>")
    return "\n".join(parts)


def _filled(row: list[Any], width: int) -> list[Any]:
    from helpers.present.spreadsheet import NOT_APPLICABLE

    return row + [NOT_APPLICABLE] * (width - len(row))


def sheet_table(changes: Changes) -> Any:
    """report.ods's Changes sheet: what moved, then every revised figure (numbers as numbers);
    a row says so when there is nothing to compare or nothing changed."""
    from helpers.present.spreadsheet import NOT_APPLICABLE, NOT_AVAILABLE, SheetTable

    width = len(_SHEET_COLUMNS)
    rows: list[list[Any]] = []
    if changes.previous is None:
        rows.append(_filled(["Nothing compared", changes.missing], width))
        notes: tuple[str, ...] = (changes.missing,)
        title = f"{PAGE_TITLE}: nothing to compare"
    else:
        for m in changes.moved:
            z = NOT_APPLICABLE
            rows.append([MOVED_PART, m.title, m.what, z, m.old, m.new, z, z, "Yes", z])
        if not changes.moved:
            rows.append(_filled([MOVED_PART, NOTHING_MOVED], width))
        for c in changes.changes:
            numeric = c.difference is not None
            rows.append(
                [
                    REVISED_PART,
                    f"{c.title}: {c.where or SUMMARY}" if c.where != c.title else c.title,
                    c.figure if not c.force or c.where else f"{c.figure} ({c.force})",
                    c.period,
                    NOT_AVAILABLE if c.old is None else c.old,
                    NOT_AVAILABLE if c.new is None else c.new,
                    c.difference if numeric else NOT_APPLICABLE,
                    c.percent if numeric and c.percent is not None else NOT_APPLICABLE,
                    "Yes" if c.flagged else "No",
                    c.causes,
                ]
            )
        if not changes.changes:
            nothing = NOTHING_REVISED if changes.tables_kept else f"{NOTHING_REVISED} {NOT_KEPT}"
            rows.append(_filled([REVISED_PART, nothing], width))
        files = ", ".join(changes.files_changed) or "none"
        notes = (
            f"Compared with the report for {changes.previous.quarter_title}: {changes.compared}.",
            f"Above threshold: a change of {changes.threshold_percent:g}% or more of the "
            "previous figure, or a changed word.",
            f"Input files whose content (SHA-256) differs from the previous report's: {files}. "
            "manifest.json beside each report lists every file with its checksum.",
        )
        title = f"{PAGE_TITLE} ({changes.previous.quarter})"
    return SheetTable(
        title=title,
        columns=list(_SHEET_COLUMNS),
        rows=rows,
        notes=notes,
        sheet="Changes",
        description="Changes since the last report: what moved, then every revised figure",
        kind="changes",
    )


__all__ = [
    "MOVED_PART",
    "NOTHING_MOVED",
    "NOTHING_REVISED",
    "NOT_KEPT",
    "REVISED_PART",
    "moved_frame",
    "page_html",
    "revised_frame",
    "sheet_table",
]
