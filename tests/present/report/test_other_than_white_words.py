"""The other-than-White comparison in words and in report.ods."""

from __future__ import annotations

from helpers.core.quarters import FinancialQuarter
from helpers.measures.other_than_white import GroupRates, OtherThanWhite
from helpers.present.report.other_than_white import (
    other_than_white_block,
    other_than_white_sentence,
)

Q = FinancialQuarter.parse("2025-03")
FORCE = GroupRates(count=600, residents=150_000, white_count=2_000, white_residents=1_500_000)
NATIONAL = GroupRates(count=300_000, residents=10e6, white_count=200_000, white_residents=45e6)


def test_the_sentence_gives_the_force_its_interval_and_england_and_wales():
    found = OtherThanWhite("stop_search", "Kent", Q, FORCE, NATIONAL, 2.61, 3.28, "below")
    assert other_than_white_sentence(found) == (
        "In the year ending March 2025 people other than White (Asian, Black, Mixed and Other "
        "together) were searched 3.0 times as often as White people, per 1,000 residents of "
        "each, in Kent (95% interval 2.6 to 3.3), below the England and Wales ratio of 6.8."
    )
    missing = OtherThanWhite(
        "use_of_force", "Kent", Q, None, NATIONAL, reason="Kent: no complete 12 months"
    )
    assert other_than_white_sentence(missing) == (
        "The ratio for people other than White in Kent is not available for the year ending "
        "March 2025 (Kent: no complete 12 months). England and Wales: 6.8."
    )


def test_the_table_holds_both_areas_with_z_for_the_references_interval():
    found = OtherThanWhite("use_of_force", "Kent", Q, FORCE, NATIONAL, 2.61, 3.28, "below")
    (table,) = other_than_white_block(found).tables
    assert table.rows[0] == ["Kent", 600, 150_000, 2_000, 1_500_000, 3.0, 2.61, 3.28]
    assert table.rows[1][0] == "England and Wales" and table.rows[1][-2:] == ["[z]", "[z]"]
    assert table.rows[1][5] == (300_000 / 10e6) / (200_000 / 45e6)
    assert "Use of force" in table.title and "Use of force" in table.notes[0]
