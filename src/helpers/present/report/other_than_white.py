"""The other-than-White comparison in words and as a table: the force's rate ratio beside
England and Wales's (`helpers.measures.other_than_white`), as the Commissioner's report states it
in its comments."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from helpers.present.report.fragment import Html

if TYPE_CHECKING:
    from helpers.measures.other_than_white import OtherThanWhite

# (what a record is, the verb phrase for people it was used on)
_POWER = {
    "stop_search": ("Stop and search", "were searched", "Searches"),
    "use_of_force": ("Use of force", "had force used on them", "Use-of-force incidents"),
}


def other_than_white_sentence(found: OtherThanWhite) -> str:
    """ "In the year ending March 2025 people other than White (Asian, Black, Mixed and Other
    together) were searched 2.3 times as often as White people, per 1,000 residents of each, in
    Avon and Somerset (95% interval 2.1 to 2.5), below the England and Wales ratio of 3.1." """
    from helpers.present.formatting import format_number

    _, verb, _ = _POWER[found.source]
    when = found.quarter.year_ending
    national = found.national_ratio
    national_text = (
        f"the England and Wales ratio of {format_number(national, 'ratio')}"
        if national is not None
        else "England and Wales (not available)"
    )
    if found.ratio is None:
        why = f" ({found.reason})" if found.reason else ""
        national_only = (
            f" England and Wales: {format_number(national, 'ratio')}."
            if national is not None
            else ""
        )
        return (
            f"The ratio for people other than White in {found.force} is not available for the "
            f"{when}{why}.{national_only}"
        )
    level = f"{found.confidence:.0%}"
    interval = (
        f" ({level} interval {format_number(found.ci_low, 'ratio')} to "
        f"{format_number(found.ci_high, 'ratio')})"
        if found.ci_low is not None and found.ci_high is not None
        else ""
    )
    compared = f", {found.relation} {national_text}" if found.relation else f"; {national_text}"
    return (
        f"In the {when} people other than White (Asian, Black, Mixed and Other together) {verb} "
        f"{format_number(found.ratio, 'ratio')} times as often as White people, per 1,000 "
        f"residents of each, in {found.force}{interval}{compared}."
    )


def other_than_white_block(found: OtherThanWhite) -> Html:
    """The sentence, and the numbers behind it: a table on the page and in report.ods."""
    import pandas as pd

    from helpers.present.formatting import format_value
    from helpers.present.spreadsheet import NOT_APPLICABLE, NOT_AVAILABLE
    from helpers.present.tables import data_table

    sheet = _sheet(found)
    shown = {NOT_APPLICABLE: "Not applicable", NOT_AVAILABLE: "n/a"}
    units = ["count"] * 4 + ["ratio"] * 3
    rows = [
        [row[0], *(shown.get(v) or format_value(v, u) for v, u in zip(row[1:], units, strict=True))]
        for row in sheet.rows
    ]
    frame = pd.DataFrame(rows, columns=list(sheet.columns))
    return Html(
        f'<p class="fact other-than-white">{html.escape(other_than_white_sentence(found))}</p>\n'
        + data_table(frame, caption=sheet.title),
        tables=(sheet,),
    )


def _sheet(found: OtherThanWhite) -> Any:
    from helpers.core.forces import ENGLAND_AND_WALES
    from helpers.present.spreadsheet import NOT_APPLICABLE, NOT_AVAILABLE, SheetTable

    title, _, counted = _POWER[found.source]
    level = f"{found.confidence:.0%}"
    rows = []
    for area, rates, interval in (
        (found.force, found.force_rates, (found.ci_low, found.ci_high)),
        # England and Wales is the reference the force is compared with: no interval of its own.
        (ENGLAND_AND_WALES, found.national_rates, (NOT_APPLICABLE, NOT_APPLICABLE)),
    ):
        if rates is None:
            rows.append([area, *[NOT_AVAILABLE] * 5, *interval])
            continue
        ratio = rates.ratio
        rows.append(
            [
                area,
                rates.count,
                rates.residents,
                rates.white_count,
                rates.white_residents,
                NOT_AVAILABLE if ratio is None else ratio,
                *(NOT_AVAILABLE if v is None else v for v in interval),
            ]
        )
    return SheetTable(
        title=(
            f"{title}, people other than White to White rate ratio, {found.force} and England "
            f"and Wales, {found.quarter.year_ending}"
        ),
        columns=[
            "Area",
            f"{counted}, people other than White (12 months): number",
            "Residents other than White (Census 2021): number",
            f"{counted}, White people (12 months): number",
            "White residents (Census 2021): number",
            "Rate ratio, other than White to White",
            f"Lower {level} confidence limit: rate ratio",
            f"Upper {level} confidence limit: rate ratio",
        ],
        rows=rows,
        notes=(
            f"{title}: the rate per 1,000 residents of people other than White (Asian, Black, "
            "Mixed and Other together) divided by the rate for White people (Census 2021 "
            "residents). Records whose ethnicity was not recorded count in neither rate. "
            "England and Wales is every force with a complete 12 months; the force is compared "
            "with England and Wales without it.",
        ),
        kind="comparison",
    )


__all__ = ["other_than_white_block", "other_than_white_sentence"]
