"""report.ods's measures summary and cover as the build makes them (helpers.pipeline.publication):
labels, not the catalogue's codes; [z] where a cell cannot apply, [x] where it is missing; the
contact from params/, with a warning while it is the placeholder; the next update."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from helpers.core.config import default_catalogue
from helpers.core.quarters import FinancialQuarter
from helpers.pipeline import publication as pub


def _measures() -> pd.DataFrame:
    nan = math.nan
    base = {"force": "Kent", "is_report_force": True, "period_end": "2025-03", "note": nan}
    rows = [
        # a rate with every figure; a count (no interval, no denominator, no rank); a rate whose
        # value is missing; a measure with no comparator data.
        dict(base, measure="homicide", section="homicide", title="Homicide", unit="rate_per_1000",
             count_12m=24, denominator=1.8e6, denominator_year=2023, value=0.0132780303,
             ci_low=0.0085, ci_high=0.0198, previous_value=0.0105, comparator="msg",
             comparator_value=0.0118, national_value=0.0098, msg_rank=4, rank_of=8,
             benchmark="4th/8 MSG (similar to MSG average rates)", trend="Stable",
             trend_p_value=0.1107),
        dict(base, measure="drugs_disruptions", section="drugs", title="Drugs disruptions",
             unit="count", count_12m=928, denominator=nan, denominator_year=nan, value=928,
             ci_low=nan, ci_high=nan, previous_value=824, comparator="none",
             comparator_value=nan, national_value=nan, msg_rank=nan, rank_of=nan,
             benchmark="Not available", trend="Increasing", trend_p_value=0.0114),
        dict(base, measure="vehicle_offences", section="neighbourhood_crime", title="Vehicles",
             unit="rate_per_1000", count_12m=nan, denominator=1.8e6, denominator_year=2023,
             value=nan, ci_low=nan, ci_high=nan, previous_value=nan, comparator="msg",
             comparator_value=nan, national_value=nan, msg_rank=nan, rank_of=nan,
             benchmark="Not available", trend="Not available", trend_p_value=nan),
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_the_measures_sheet_uses_labels_and_tells_not_applicable_from_missing():
    table = pub.measures_sheet(_measures())
    column = {h: i for i, h in enumerate(table.columns)}
    assert "Measure id" not in column
    rate, count, missing = table.rows
    sections = {s.id: s.title for s in default_catalogue().sections}
    assert rate[column["Section"]] == sections["homicide"]
    assert count[column["Section"]] == "Drugs supply and county lines"
    assert rate[column["Unit of the value columns"]] == "Rate per 1,000 residents"
    assert count[column["Unit of the value columns"]] == "Number"
    assert rate[column["Comparator"]] == "Most similar group average"
    assert count[column["Comparator"]] == "None: no comparator data"
    # an interval, a denominator or a rank of a count cannot apply: [z]
    for header in ("Lower 95% confidence limit: in the unit", "Denominator (12 months): number",
                   "Rank (1 = best)", "Population year used (mid-year)"):  # fmt: skip
        assert count[column[header]] == "[z]", header
    # a rate's missing figures are missing: [x]
    for header in ("Value: in the unit", "Lower 95% confidence limit: in the unit",
                   "Rank (1 = best)", "Value a year earlier: in the unit"):  # fmt: skip
        assert missing[column[header]] == "[x]", header
    codes = {"rate_per_1000", "count", "msg", "none", "homicide", "drugs", "neighbourhood_crime"}
    assert not codes & {str(v) for row in table.rows for v in row}
    # each value column takes its row's unit; the quarter is a month; the year has no comma
    formats = dict(zip(table.columns, table.formats, strict=True))
    assert formats["Value: in the unit"] == ["rate_per_1000", "count", "rate_per_1000"]
    assert formats["12 months ending"] == "month"
    assert formats["Population year used (mid-year)"] == "year"


def test_the_contact_comes_from_params_and_the_placeholder_is_warned_about(tmp_path):
    shipped = pub.contact_warning()
    assert shipped is not None and "params/report.yaml: publication.contact" in shipped
    own = tmp_path / "report.yaml"
    own.write_text("publication:\n  contact: [performance@example.police.uk, 01234 567890]\n")
    assert pub.contact_warning(own) is None
    assert pub.publication_settings(own)["contact"][0] == "performance@example.police.uk"
    empty = tmp_path / "empty.yaml"
    empty.write_text("force: Kent\n")
    assert pub.contact_warning(empty) is not None


def test_the_next_update_is_months_after_publication_with_the_next_quarter():
    text = pub.next_update(dt.date(2025, 11, 20), FinancialQuarter.parse("2025-09"), 3)
    assert text == (
        "February 2026 (provisional), with the figures for the quarter ending December 2025 "
        "(Q3 2025/26)"
    )
