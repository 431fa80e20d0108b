"""The blocks beside a measure's chart: offences counted, trend test, comparison group."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.core.quarters import FinancialQuarter
from helpers.present.report.fragment import Html

if TYPE_CHECKING:
    # helpers.measures.compute (scipy, statsmodels: about 0.8 s to import) is imported where a
    # measure is computed: a rebuild that only re-renders the narrative computes none.
    from helpers.measures.result import MeasureResult


def offences_table(
    rows: pd.DataFrame | None, measure: Any, force: str, quarter: FinancialQuarter
) -> Html:
    """The offences a police recorded crime measure counts (`measures.select_rows`), each with
    the force's offences recorded in the 12 months to the quarter; nothing for other sources."""
    from helpers.present.spreadsheet import SheetTable
    from helpers.present.tables import data_table

    if rows is None or measure.source != "prc" or rows.empty:
        return Html("")
    first, last = quarter.window(12)
    offences = rows[["offence_code", "offence_description"]].drop_duplicates("offence_code")
    mine = rows[(rows["force"] == force) & rows["period"].between(first, last)]
    counts = mine.groupby("offence_code", observed=True)["count"].sum()
    offences = offences.sort_values("offence_code").assign(
        count=lambda f: f["offence_code"].map(counts).fillna(0)
    )
    column = f"Offences recorded, {quarter.year_ending}"
    # A code such as 1 or 4.1 is a name, not a number: written after the offence, as text.
    named = [
        f"{name} ({code})"
        for code, name in zip(
            offences["offence_code"].astype(str), offences["offence_description"], strict=True
        )
    ]
    offence = "Offence (Home Office offence code)"
    frame = pd.DataFrame({offence: named, column: offences["count"].to_numpy()})
    caption = f"{measure.title}: the offences counted, {force}"
    sheet = SheetTable(
        title=f"{caption}, {quarter.year_ending}",
        columns=[offence, f"{column}: number"],
        rows=[list(r) for r in frame.itertuples(index=False)],
        kind="offences",
    )
    # Closed on screen (a serious violence list is long); printed open (`render.printable`).
    summary = f"The offences counted ({len(frame)} offence codes of police recorded crime)"
    return Html(
        f'<details class="offences analyst"><summary>{html.escape(summary)}</summary>\n'
        '<p class="method-note">The offences of the Home Office police recorded crime data '
        f"that the figure counts, and how many of each {html.escape(force)} recorded in the "
        "12 months:</p>\n"
        + data_table(frame, caption=caption, unit={column: "count"})
        + "\n</details>",
        tables=(sheet,),
    )


def comparison_table(result: MeasureResult) -> Html:
    """The comparison group at the quarter, ranked: every force's count, denominator and value."""
    from helpers.present.formatting import format_column, format_value
    from helpers.present.tables import data_table

    if result.group_values is None or result.group_values.empty:
        return Html("")
    m = result.measure
    g = result.group_values
    denominator_name = "Households" if m.unit == "rate_per_1000_households" else "Residents"
    if m.is_percent:
        denominator_name = "Denominator (12 months)"
    frame = pd.DataFrame(
        {
            "Rank": g["rank"].astype(int).to_numpy(),
            "Force": g["force"].to_numpy(),
            "Count (12 months)": [format_value(v, "count") for v in g["count"]],
            denominator_name: [format_value(v, "count") for v in g["denominator"]],
            # Ranks are computed on unrounded values: print enough digits to tell them apart.
            "Value": format_column(list(g["value"]), m.unit),
        }
    )
    group = {"MSG average": "most similar group", None: "all forces"}.get(
        result.comparator_label, "comparison group"
    )
    caption = (
        f"{m.title}: {group}, {result.quarter.year_ending} (1 = best; "
        f"{'higher' if m.polarity == 'higher_is_better' else 'lower'} is better)"
    )
    from helpers.present.formatting import axis_label
    from helpers.present.spreadsheet import SheetTable

    sheet = SheetTable(
        title=caption,
        columns=[
            "Rank (1 = best)",
            "Force",
            "Count (12 months): number",
            f"{denominator_name}: number",
            f"Value: {axis_label(m.unit).lower()}",
        ],
        rows=[
            [int(r), f, c, d, v]
            for r, f, c, d, v in zip(
                g["rank"], g["force"], g["count"], g["denominator"], g["value"], strict=True
            )
        ],
        notes=(m.definition,) if m.definition else (),
        kind="comparison",
    )
    # Every force's ranked figures are for analysts: in report.html and report.ods, not in the
    # PDF (`render.printable` says where they are).
    return Html(
        f'<div class="analyst comparison">\n{data_table(frame, caption=caption)}\n</div>',
        tables=(sheet,),
    )
