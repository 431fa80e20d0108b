"""12-month counts by ethnic group, under the disclosure rule."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from helpers.core.quarters import FinancialQuarter
from helpers.inputs.schemas import not_supplied
from helpers.present.report.fragment import Html

# What each ethnicity source counts: (column, what a row is, the people it is about).
GROUP_COUNT_SOURCES = {
    "stop_search": ("searches", "Stop and searches", "searched"),
    "use_of_force": ("incidents", "Use-of-force incidents", "subjects"),
}
SUPPRESSED = "Suppressed"
NOT_PUBLISHED = "Not published"


def ethnic_group_table(
    inputs: Any, source: str, force: str, quarter: FinancialQuarter, min_count: int
) -> Html:
    """The force's 12-month counts by ethnic group beside the Census population, with the rate
    per 1,000 and the ratio to White.

    A breakdown of a force's figure is below force level, so the disclosure rule applies
    (`tables.disclosure_suppress`): a count from 1 to `min_count` - 1 is shown as "<min_count",
    and the rate and ratio of that row are suppressed too (they would give the count back).
    No total row: with it, one suppressed cell could be worked out by subtraction.
    """
    from helpers.measures.series import census_for, census_populations
    from helpers.present.formatting import format_value
    from helpers.present.tables import data_table, disclosure_suppress

    column, what, _ = GROUP_COUNT_SOURCES[source]
    frame = inputs.get(source) if hasattr(inputs, "get") else getattr(inputs, source, None)
    if frame is None:
        return Html(f'<p class="flag" role="note">{not_supplied(source)} ({source}).</p>')
    first, last = quarter.window(12)
    rows = frame[(frame["force"] == force) & frame["period"].between(first, last)]
    # A group whose figure the publisher left out is not published (None), never 0.
    counts = rows.groupby("ethnic_group", sort=False)[column].sum(min_count=1)
    censuses = census_populations(inputs)
    census = census_for(quarter.period, censuses)
    residents = censuses[census].loc[force] if force in censuses[census].index else pd.Series()
    groups = ["White", "Black", "Asian", "Mixed", "Other", "Not recorded"]
    count = [None if pd.isna(n := counts.get(g, 0)) else int(n) for g in groups]
    people = [residents.get(g) for g in groups]
    rate = [
        n * 1000 / p if n is not None and p is not None and not pd.isna(p) and p > 0 else None
        for n, p in zip(count, people, strict=True)
    ]
    white = rate[0]
    ratio = [r / white if r is not None and white else None for r in rate]
    table = pd.DataFrame(
        {
            "Ethnic group": groups,
            f"{what} (12 months)": [NOT_PUBLISHED if n is None else n for n in count],
            f"Residents (Census {census})": [
                format_value(p, "count") if p is not None else "Not applicable" for p in people
            ],
            "Rate per 1,000 residents": [
                format_value(r, "rate_per_1000") if r is not None else "Not applicable"
                for r in rate
            ],
            "Compared with White": [
                format_value(r, "ratio") if r is not None else "Not applicable" for r in ratio
            ],
        }
    )
    count_column = f"{what} (12 months)"
    suppressed = disclosure_suppress(table, [count_column], min_count)
    hidden = suppressed[count_column].astype(str).str.startswith("<")
    for derived in ("Rate per 1,000 residents", "Compared with White"):
        suppressed[derived] = suppressed[derived].where(~hidden, SUPPRESSED)
    if white is None or hidden.iloc[0]:
        suppressed["Compared with White"] = SUPPRESSED if hidden.iloc[0] else "Not applicable"
    caption = (
        f"{what} by ethnic group, {force}, {quarter.year_ending} (counts from 1 to "
        f"{min_count - 1} are shown as <{min_count}, with their rate and ratio suppressed)"
    )
    title = (
        f"{what} by ethnic group, {force}, {quarter.year_ending} (counts from 1 to "
        f"{min_count - 1}, with their rate and ratio, are suppressed: [c])"
    )
    sheet = _ethnic_group_sheet(
        title, what, groups, count, people, rate, ratio, hidden, white, census
    )
    # The table's own definition on the notes sheet, not a measure's.
    sheet = replace(sheet, notes=(_ethnic_group_note(source, what),))
    return Html(
        data_table(suppressed, caption=caption, unit={count_column: "count"}), tables=(sheet,)
    )


def _ethnic_group_note(source: str, what: str) -> str:
    searched = source == "stop_search"
    recorded = "officer-defined" if searched else "officer-perceived"
    people = "people searched" if searched else "people force was used on"
    return (
        f"{what} in 12 months by the {recorded} ethnic group of the {people}, beside the "
        "area's usual residents of each group (Census 2021): the rate per 1,000 residents and "
        "its ratio to the rate for White residents. Records whose ethnicity was not recorded "
        "have no residents to compare with."
    )


def _ethnic_group_sheet(
    title: str,
    what: str,
    groups: list[str],
    count: list[int | None],
    people: list[Any],
    rate: list[float | None],
    ratio: list[float | None],
    hidden: pd.Series,
    white: float | None,
    census: int,
) -> Any:
    """The ethnic group table for report.ods: the same suppression, as the guidance's [c]."""
    from helpers.present.spreadsheet import NOT_APPLICABLE, SUPPRESSED, SheetTable

    rows = []
    for i, group in enumerate(groups):
        if hidden.iloc[i]:
            rows.append([group, SUPPRESSED, people[i], SUPPRESSED, SUPPRESSED])
            continue
        compared = ratio[i]
        if hidden.iloc[0] or white is None:
            compared = SUPPRESSED if hidden.iloc[0] else None
        rows.append(
            [
                group,
                count[i],
                NOT_APPLICABLE if people[i] is None or pd.isna(people[i]) else people[i],
                NOT_APPLICABLE if rate[i] is None else rate[i],
                NOT_APPLICABLE if compared is None else compared,
            ]
        )
    return SheetTable(
        title=title,
        columns=[
            "Ethnic group",
            f"{what} (12 months): number",
            f"Residents (Census {census}): number",
            "Rate per 1,000 residents",
            "Compared with White: rate ratio",
        ],
        rows=rows,
        kind="comparison",
    )
