from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from helpers.core.config import UNITS, default_catalogue
from helpers.core.quarters import FinancialQuarter
from helpers.present.wording.sentences import (
    MEASURE_WORDING,
    UNIT_WORDING,
    chart_alt_text,
    interval_fact,
    measure_facts,
    render_facts,
)

Q = FinancialQuarter.parse("2024-03")
FORCE = "Avon and Somerset"


@dataclass
class StandIn:
    """The fields of helpers.measures.result.MeasureResult that sentences read (duck-typed)."""

    measure: Any
    force: str = FORCE
    quarter: FinancialQuarter = Q
    available: bool = True
    unavailable_reason: str = ""
    count: float | None = None
    denominator: float | None = None
    denominator_year: int | None = None
    denominator_year_wanted: int | None = None
    value: float | None = None
    previous_value: float | None = None
    comparator_value: float | None = None
    comparator_label: str | None = None
    national_value: float | None = None
    rank: int | None = None
    rank_of: int | None = None
    relation: str | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    notes: list[str] = field(default_factory=list)


def result(measure_id: str, **fields: Any) -> StandIn:
    return StandIn(default_catalogue().measure(measure_id), **fields)


HOMICIDE = result(
    "homicide",
    count=21,
    denominator=1_750_000,
    value=0.012,
    previous_value=0.010,
    comparator_value=0.011,
    comparator_label="MSG average",
    national_value=0.010,
    rank=3,
    rank_of=8,
    denominator_year=2023,
    denominator_year_wanted=2023,
)

CASES = {
    "rate_full": HOMICIDE,
    "rate_zero_count_nan_comparator": replace(
        HOMICIDE, count=0, value=0.0, comparator_value=float("nan"), rank=None, national_value=None
    ),
    "rate_one_event": replace(HOMICIDE, count=1, value=0.00057, previous_value=None),
    "rate_population_fallback": replace(
        HOMICIDE,
        denominator_year=2022,
        denominator_year_wanted=2023,
        notes=["Rates use the mid-2022 population estimate: mid-2023 is not yet published."],
    ),
    "households_fallback": result(
        "residential_burglary",
        count=6_123,
        value=3.451,
        previous_value=3.9,
        comparator_value=3.2,
        comparator_label="MSG average",
        rank=5,
        rank_of=8,
        denominator_year=2022,
        denominator_year_wanted=2023,
    ),
    "rate_no_msg_ranked_among_all_forces": replace(
        HOMICIDE, comparator_value=None, comparator_label=None, rank=12, rank_of=43
    ),
    "percent_rape_charge_rate": result(
        "rape_charge_rate",
        count=192,
        denominator=2_462,
        value=7.798537774167344,
        previous_value=6.9,
        comparator_value=7.0,
        comparator_label="MSG average",
        rank=2,
        rank_of=8,
    ),
    "percent_no_comparator": result(
        "satisfaction_overall", count=612, denominator=800, value=76.5, previous_value=74.0
    ),
    "percent_snapshot_population_share": result(
        "workforce_asian",
        count=150,
        denominator=6_000,
        value=2.5,
        previous_value=2.2,
        comparator_value=3.1,
        comparator_label="area population (Census 2021)",
        national_value=4.0,
    ),
    "percent_all_forces": result(
        "csew_confidence",
        count=500,
        denominator=700,
        value=71.43,
        rank=27,
        rank_of=42,
        national_value=69.0,
    ),
    "count_zero": result("rape_charges", count=0, value=0, previous_value=4),
    "count_not_applicable": result("rape_charges", count=192, value=192, previous_value=180),
    "ratio_national": result(
        "stop_search_disproportionality_black",
        value=2.14,
        previous_value=2.4,
        comparator_value=3.6,
        comparator_label="England and Wales",
        national_value=3.6,
    ),
    "unavailable": result(
        "drugs_disruptions",
        available=False,
        unavailable_reason="Local data not supplied (drugs_disruptions).",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_measure_facts_snapshot(case, snapshot):
    assert measure_facts(CASES[case]) == snapshot


def test_rate_fact_wording():
    facts = measure_facts(HOMICIDE)
    assert facts == [
        "In the year ending March 2024 there were 21 recorded homicides, 0.012 per 1,000 "
        "residents (12 months earlier: 0.010).",
        "Avon and Somerset ranked 3rd of 8 in its most similar group (1st is the lowest); "
        "the MSG average was 0.011.",
        "The England and Wales rate was 0.010.",
    ]


def test_percent_fact_wording():
    facts = measure_facts(CASES["percent_rape_charge_rate"])
    assert facts[0] == (
        "In the year ending March 2024 there were 192 charges/summonses for rape, 7.8% of 2,462 "
        "finalised outcomes (12 months earlier: 6.9%)."
    )
    assert "(1st is the highest)" in facts[1]


def test_recorded_only_for_police_recorded_crime():
    assert "recorded homicides" in measure_facts(HOMICIDE)[0]
    assert "recorded" not in measure_facts(CASES["count_not_applicable"])[0]
    assert "recorded" not in measure_facts(CASES["percent_no_comparator"])[0]


def test_zero_and_one():
    assert (
        "there were no recorded homicides"
        in measure_facts(CASES["rate_zero_count_nan_comparator"])[0]
    )
    assert "there was 1 recorded homicide," in measure_facts(CASES["rate_one_event"])[0]
    assert "there were no charges/summonses for rape" in measure_facts(CASES["count_zero"])[0]


def test_nan_comparator_is_said_to_be_unavailable():
    facts = measure_facts(CASES["rate_zero_count_nan_comparator"])
    assert "No MSG average is available." in facts
    assert not any("ranked" in f for f in facts)


def test_population_fallback_is_stated_once():
    facts = measure_facts(CASES["rate_population_fallback"])
    fallback = [f for f in facts if f.startswith("Rates use")]
    assert fallback == ["Rates use the mid-2022 population estimate; mid-2023 was not supplied."]
    assert not any(f.startswith("Rates use") for f in measure_facts(HOMICIDE))
    households = measure_facts(CASES["households_fallback"])
    assert "Rates use the mid-2022 household estimate; mid-2023 was not supplied." in households


def test_other_notes_are_kept():
    facts = measure_facts(replace(HOMICIDE, notes=["one force's data is provisional"]))
    assert facts[-1] == "One force's data is provisional."


def test_no_comparison_sentence_where_comparison_makes_no_sense():
    facts = measure_facts(CASES["count_not_applicable"])
    assert facts == [
        "In the year ending March 2024 there were 192 charges/summonses for rape "
        "(12 months earlier: 180)."
    ]


def test_all_forces_ranking_and_snapshot_measure():
    facts = measure_facts(CASES["percent_all_forces"])
    assert facts[1] == "Avon and Somerset ranked 27th of 42 forces with data (1st is the highest)."
    workforce = measure_facts(CASES["percent_snapshot_population_share"])
    assert workforce[0].startswith("At the end of March 2024 there were 150 members")
    assert "12 months earlier" not in workforce[0]
    assert "The share of the area's population (Census 2021) was 3.1%." in workforce


def test_unavailable_gives_one_sentence_with_the_reason():
    facts = measure_facts(CASES["unavailable"])
    assert facts == [
        "Drugs disruptions: no figure for the year ending March 2024; local data not supplied "
        "(drugs_disruptions)."
    ]


def test_ratio_uses_no_x_in_sentences():
    facts = measure_facts(CASES["ratio_national"])
    assert facts[0] == (
        "In the year ending March 2024 the Black to White stop and search rate ratio was 2.1 "
        "(12 months earlier: 2.4)."
    )
    # England and Wales is the comparator: said once, not twice.
    assert sum("England and Wales" in f for f in facts) == 1


def test_every_catalogue_measure_and_unit_has_wording():
    catalogue = default_catalogue()
    assert sorted(set(UNIT_WORDING)) == sorted(UNITS)
    missing = [m.id for m in catalogue.measures if m.id not in MEASURE_WORDING]
    assert missing == [], f"add wording for {missing} to MEASURE_WORDING"


def test_facts_from_a_real_measure_result():
    measures = pytest.importorskip("helpers.measures.result")
    real = measures.MeasureResult(
        measure=default_catalogue().measure("homicide"),
        force=FORCE,
        quarter=Q,
        count=21,
        value=0.012,
        previous_value=0.010,
    )
    assert measure_facts(real)[0] == (
        "In the year ending March 2024 there were 21 recorded homicides, 0.012 per 1,000 "
        "residents (12 months earlier: 0.010)."
    )


def test_render_facts_escapes():
    assert render_facts(["A < B & C"]) == '<ul class="facts"><li>A &lt; B &amp; C</li></ul>'
    assert render_facts([]) == ""


# ----- chart alt text --------------------------------------------------------------------------
def series(force, comparator=None, national=None, start="2023-03"):
    periods = [pd.Period(start, freq="M") + 3 * i for i in range(len(force))]
    frame = pd.DataFrame({"period": periods, "force_value": force})
    if comparator is not None:
        frame["comparator_value"] = comparator
    if national is not None:
        frame["national_value"] = national
    return frame


def alt(frame, unit="rate_per_1000", **kwargs):
    return chart_alt_text(frame, unit=unit, force_name=FORCE, **kwargs)


def test_alt_text_rising_above_comparator():
    frame = series([0.012, 0.013, 0.014, 0.015, 0.016], [0.011] * 5, [0.010] * 5)
    assert alt(frame, relation="above") == (
        "Avon and Somerset's 12-month rolling rate rose from 0.012 to 0.016 per 1,000 residents "
        "over the 12 months to March 2024, above the MSG average of 0.011. "
        "England and Wales: 0.010."
    )


def test_alt_text_falling_below_comparator():
    frame = series([9.0, 8.5, 8.0, 7.5, 7.1], [7.6] * 5)
    assert alt(frame, unit="percent", relation="below") == (
        "Avon and Somerset's 12-month rolling percentage fell from 9.0% to 7.1% over the 12 "
        "months to March 2024, below the MSG average of 7.6%."
    )


def test_alt_text_uses_the_tested_relation_not_the_raw_numbers():
    # 0.016 is above 0.011 on the page, but the test found no significant difference: the alt
    # text says what the benchmark beside the chart says.
    frame = series([0.012, 0.013, 0.014, 0.015, 0.016], [0.011] * 5)
    assert "similar to the MSG average of 0.011" in alt(frame, relation="similar to")
    untested = alt(frame)
    assert "above" not in untested and "below" not in untested
    assert untested.endswith("over the 12 months to March 2024. The MSG average was 0.011.")


def test_alt_text_unchanged_when_equal_at_printed_precision():
    frame = series([0.0161, 0.02, 0.03, 0.02, 0.0159], [0.0161] * 5)
    assert alt(frame, relation="similar to").startswith(
        "Avon and Somerset's 12-month rolling rate was unchanged at 0.016 per 1,000 residents "
        "over the 12 months to March 2024, similar to the MSG average of 0.016."
    )


def test_alt_text_missing_comparator():
    frame = series([1.0, 2.0, 3.0, 4.0, 5.0], [np.nan] * 5)
    assert alt(frame, unit="ratio", comparator_label="MSG average").endswith(
        "rose from 1.0 to 5.0 over the 12 months to March 2024. The MSG average is not available."
    )
    assert "MSG" not in alt(series([1.0, 2.0]), comparator_label=None)


def test_alt_text_short_series_names_both_months():
    frame = series([0.014, 0.015, 0.016], start="2023-09")
    assert alt(frame, comparator_label=None) == (
        "Avon and Somerset's 12-month rolling rate rose from 0.014 in September 2023 to 0.016 "
        "per 1,000 residents in March 2024."
    )


def test_alt_text_single_point_and_no_data():
    assert alt(series([0.016], start="2024-03"), comparator_label=None) == (
        "Avon and Somerset's 12-month rolling rate was 0.016 per 1,000 residents in March 2024."
    )
    assert alt(series([np.nan, np.nan])) == (
        "Avon and Somerset's 12-month rolling rate: no figures are available to chart."
    )


def test_alt_text_reads_the_latest_force_value_not_a_trailing_gap():
    frame = series([100.0, 110.0, 120.0, 130.0, 140.0, np.nan], national=[90.0] * 6)
    text = alt(frame, unit="count", comparator_label=None)
    assert "rose from 100 to 140 over the 12 months to March 2024" in text
    assert text.endswith("England and Wales: 90.")


def test_alt_text_national_can_be_left_out_and_phrase_overridden():
    frame = series([2.0, 2.5], national=[4.0, 4.0], start="2023-09")
    text = alt(
        frame,
        unit="percent",
        comparator_label=None,
        show_national=False,
        measure_phrase="share of the workforce",
    )
    assert text.startswith("Avon and Somerset's share of the workforce rose from 2.0%")
    assert "England and Wales" not in text


def test_a_measure_without_wording_still_reads_correctly():
    catalogue = default_catalogue()
    knife = replace(catalogue.measure("homicide"), id="knife_crime", title="Knife crime (rate)")
    facts = measure_facts(result("homicide", count=40, value=0.023))
    assert "recorded homicides" in facts[0]
    other = measure_facts(StandIn(knife, count=40, value=0.023))
    assert other[0] == (
        "In the year ending March 2024 there were 40 recorded offences of knife crime, "
        "0.023 per 1,000 residents."
    )
    seizures = replace(
        catalogue.measure("cyber_investigated"), id="seizures", title="Drug seizures (%)"
    )
    text = measure_facts(StandIn(seizures, count=5, denominator=20, value=25.0))[0]
    assert text == (
        "In the year ending March 2024 there were 5 records counted in drug seizures, 25.0% of 20."
    )


def test_the_comparison_sentence_states_the_tested_relation_and_the_size_of_the_difference():
    similar = measure_facts(replace(HOMICIDE, relation="similar to"))
    # 0.012 against 0.011: 9% above, not shown to be more than chance.
    assert (
        "Avon and Somerset ranked 3rd of 8 in its most similar group (1st is the lowest); the MSG "
        "average was 0.011, and Avon and Somerset's rate was similar to it: 9% above, a "
        "difference chance alone could give (tested against the rest of the group)."
    ) in similar
    # A real difference can be a small one: a large force 2% above its group says so.
    above = measure_facts(
        replace(HOMICIDE, relation="above", value=0.01122, comparator_value=0.011)
    )
    assert any(
        "the MSG average was 0.011, and Avon and Somerset's rate was 2% above it (tested "
        "against the rest of the group)." in f
        for f in above
    ), above
    charged = measure_facts(replace(CASES["percent_rape_charge_rate"], relation="above"))
    assert any("was 0.8 points above it (tested against the rest" in f for f in charged), charged
    national = measure_facts(replace(CASES["ratio_national"], relation="below"))
    assert any("was 41% below it (tested against England and Wales without it)" in f
               for f in national), national  # fmt: skip
    # Without a tested relation no comparison word is printed.
    assert not any(
        w in f for f in measure_facts(HOMICIDE) for w in ("similar to", "above", "below")
    )


def test_the_interval_is_stated_beside_the_figure_in_its_unit():
    from helpers.stats.intervals import byar_interval, wilson_interval

    # Independent values: 21 homicides among 1,750,000 residents, and 192 of 2,462 outcomes.
    low, high = byar_interval(21, 1_750_000, per=1000.0)
    rate = replace(HOMICIDE, ci_low=low, ci_high=high)
    assert interval_fact(rate, 0.95) == (
        f"95% confidence interval: {low:.4f} to {high:.3f} per 1,000 residents."
    )
    p_low, p_high = wilson_interval(192, 2462)
    share = replace(CASES["percent_rape_charge_rate"], ci_low=100 * p_low, ci_high=100 * p_high)
    assert interval_fact(share, 0.9) == (
        f"90% confidence interval: {100 * p_low:.1f}% to {100 * p_high:.1f}%."
    )
    # A count has no interval, and a missing interval is not stated.
    assert interval_fact(replace(CASES["count_not_applicable"], ci_low=1, ci_high=2), 0.95) == ""
    assert interval_fact(HOMICIDE, 0.95) == ""
