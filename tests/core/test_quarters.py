from datetime import date

import pandas as pd
import pytest

from helpers.core.exceptions import QuarterError
from helpers.core.quarters import FinancialQuarter, quarter_range


@pytest.mark.parametrize(
    ("text", "end_year", "end_month", "quarter_number", "financial_year"),
    [
        ("2024-03", 2024, 3, 4, "2023/24"),
        ("2023/24 Q4", 2024, 3, 4, "2023/24"),
        ("2023/2024 q4", 2024, 3, 4, "2023/24"),
        ("2023-06", 2023, 6, 1, "2023/24"),
        ("2023/24 Q1", 2023, 6, 1, "2023/24"),
        ("2023/24 Q3", 2023, 12, 3, "2023/24"),
        ("1999/00 Q2", 1999, 9, 2, "1999/00"),
        (" 2019-12 ", 2019, 12, 3, "2019/20"),
    ],
)
def test_parse_both_forms(text, end_year, end_month, quarter_number, financial_year):
    q = FinancialQuarter.parse(text)
    assert (q.end_year, q.end_month) == (end_year, end_month)
    assert q.quarter_number == quarter_number
    assert q.financial_year == financial_year


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2024-02", "not a quarter end"),
        ("2023Q5", "is not a quarter"),
        ("2023/24 Q5", "no quarter Q5"),
        ("2023/25 Q1", "second year must follow"),
        ("2024-13", "no month 13"),
        ("March 2024", "is not a quarter"),
        ("", "is not a quarter"),
    ],
)
def test_rejects_other_forms_with_a_message_saying_what_is_accepted(text, fragment):
    with pytest.raises(QuarterError) as err:
        FinancialQuarter.parse(text)
    assert fragment in str(err.value)
    assert "2024-03" in str(err.value) or "Q1 to Q4" in str(err.value)


def test_labels():
    q = FinancialQuarter.parse("2024-03")
    assert q.title == "Quarter ending March 2024 (Q4 2023/24)"
    assert q.short_label == "Q4 2023/24"
    assert q.code == "2024-03"
    assert q.year_ending == "year ending March 2024"
    assert q.window_label() == "April 2023 to March 2024"
    assert q.first_day == date(2024, 1, 1)
    assert q.last_day == date(2024, 3, 31)
    assert FinancialQuarter.parse("2024-06").last_day == date(2024, 6, 30)


def test_stepping_crosses_financial_and_calendar_years():
    q = FinancialQuarter.parse("2023/24 Q4")
    assert q.next() == FinancialQuarter.parse("2024/25 Q1")
    assert q.previous() == FinancialQuarter.parse("2023-12")
    assert q + 4 == FinancialQuarter.parse("2025-03")
    assert q - 5 == FinancialQuarter.parse("2022-12")
    assert q.shift(0) == q
    assert FinancialQuarter.parse("2024-12").next().code == "2025-03"


def test_ordering_and_range():
    a, b = FinancialQuarter.parse("2023-06"), FinancialQuarter.parse("2024-03")
    assert a < b and b > a and max(a, b) == b
    codes = [q.code for q in quarter_range(a, b)]
    assert codes == ["2023-06", "2023-09", "2023-12", "2024-03"]


def test_window_and_months():
    q = FinancialQuarter.parse("2024-03")
    first, last = q.window(12)
    assert (first, last) == (pd.Period("2023-04", "M"), pd.Period("2024-03", "M"))
    assert [str(m) for m in q.months] == ["2024-01", "2024-02", "2024-03"]
    assert q.period == pd.Period("2024-03", "M")


def test_containing_and_round_trip():
    assert FinancialQuarter.containing(date(2024, 2, 10)).code == "2024-03"
    assert FinancialQuarter.containing(pd.Period("2023-11", "M")).code == "2023-12"
    for code in ("2012-06", "2019-12", "2025-03"):
        q = FinancialQuarter.parse(code)
        assert (
            FinancialQuarter.parse(q.short_label.split(" ")[1] + " " + q.short_label.split(" ")[0])
            == q
        )


def test_direct_construction_checks_the_month():
    with pytest.raises(QuarterError):
        FinancialQuarter(2024, 2)


def test_resolve_quarter_rejects_quarters_outside_the_data():
    from helpers.core.quarters import resolve_quarter

    latest = FinancialQuarter.parse("2025-03")
    assert resolve_quarter("latest", latest) == latest
    assert resolve_quarter(None, latest) == latest
    assert resolve_quarter("2024/25 Q2", latest).code == "2024-09"
    with pytest.raises(QuarterError, match="data end with the quarter ending march 2025"):
        resolve_quarter("2025-06", latest)
    with pytest.raises(QuarterError, match="first reportable quarter is 2013-03"):
        resolve_quarter("2012-06", latest, earliest=FinancialQuarter.parse("2013-03"))
