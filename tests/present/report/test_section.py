from helpers.present.print_form import printable
from helpers.present.report.section import trend_note


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
