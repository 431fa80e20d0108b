"""What a section page shows that the Commissioner's own report prints: the plan's priority under
a section's heading, and drugs disruptions with county lines disrupted on one chart."""

from __future__ import annotations

import glob

import pandas as pd
import pytest
from sample_figures import AS, SAMPLE

from helpers.present.print_form import printable
from helpers.present.report import SectionReport
from helpers.present.report.section import trend_note

PRIORITY_4 = (
    "Avon and Somerset Police and Crime Plan 2021-2025: Priority 4 – Increasing the legitimacy "
    "of, and public confidence in, the police and criminal justice system"
)


def _section(section_id: str, force: str = AS) -> SectionReport:
    return SectionReport.load(section_id, quarter="2025-03", force=force, data_dir=str(SAMPLE))


def test_a_plan_section_is_headed_with_the_plans_priority_and_a_national_one_is_not():
    assert (
        f'<p class="plan-priority">{PRIORITY_4}</p>' in _section("public_confidence").heading().text
    )
    assert "plan-priority" not in _section("homicide").heading().text
    assert "plan-priority" not in _section("public_confidence", "Kent").heading().text


@pytest.fixture(scope="module")
def drugs() -> SectionReport:
    return _section("drugs")


def test_drugs_disruptions_and_county_lines_are_drawn_on_one_chart(drugs):
    """Both 12-month rolling counts in one chart's data, recomputed here from the raw monthly
    extracts; each measure's own block then has no chart of its own."""
    shown = drugs.counts_together(
        "drugs_disruptions", "county_lines_disrupted", title="Drugs and county lines"
    )
    assert shown.text.count("<svg") + shown.text.count("data:image/svg") == 1
    # Its own heading, kept with the chart in print as every measure's is.
    assert shown.text.startswith(
        '<div class="measure-lead"><h3 id="chart-drugs_disruptions-county_lines_disrupted">'
        "Drugs disruptions and county lines disrupted</h3>"
    )
    (table,) = shown.tables
    assert table.columns[1:] == ["Drugs disruptions: number", "County lines disrupted: number"]
    raw = pd.concat(
        pd.read_csv(f) for f in glob.glob(str(SAMPLE / "local/drugs_disruptions/*.csv"))
    )
    mine = raw[raw["force"] == AS].sort_values("period").set_index("period")
    rolled = mine[["disruptions", "county_lines_disrupted"]].rolling(12).sum()
    by_period = {row[0]: row[1:] for row in table.rows}
    assert table.rows[-1][0] == "Mar 2025"
    for month, label in (("2025-03", "Mar 2025"), ("2024-03", "Mar 2024"), ("2023-07", "Jul 2023")):
        assert by_period[label] == list(rolled.loc[month]), month
    # Each measure's definition is cited, not another's.
    counts = ("drugs_disruptions", "county_lines_disrupted")
    definitions = [drugs.declaration(m).definition for m in counts]
    assert list(table.notes) == definitions
    assert "12-month rolling count of drugs disruptions" in shown.text
    assert "12-month rolling count of county lines disrupted" in shown.text
    block = drugs.measure("county_lines_disrupted", chart=False)
    assert "<figure" not in block.text and not block.tables
    assert "Trend / Outlook:" in block.text


def test_the_test_detail_is_a_disclosure_left_out_of_print_and_a_missing_trend_keeps_its_reason():
    tested = trend_note("Increasing", "Test: regression, 12 points, p = 0.01.")
    assert tested.startswith('<p class="trend-word">Trend / Outlook: <strong>Increasing')
    assert '<details class="analyst test-detail">' in tested and "p = 0.01" in tested
    section = f'<section class="report-section" id="a">{tested}</section>'
    printed = printable(section)
    assert "p = 0.01" not in printed and "Increasing" in printed
    assert "how each trend was tested is in report.html" in printed.lower()
    # No test made: the reason is what a reader needs, beside the word, in print too.
    missing = trend_note("Not available", "Fewer than 6 quarters of data.")
    assert "<details" not in missing
    assert "Fewer than 6 quarters" in printable(
        f'<section class="report-section">{missing}</section>'
    )
