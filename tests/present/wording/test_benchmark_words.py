"""The benchmark column's words (helpers.present.wording.benchmark_words): every form the module
can make is in its vocabulary, and nothing outside it passes."""

from __future__ import annotations

import math

import pytest

from helpers.present.wording.benchmark_words import (
    BENCHMARK_FORMS,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    benchmark_text,
    difference_text,
    is_valid_benchmark,
    ordinal,
    ranked_text,
    without_size,
)
from helpers.stats.benchmark import Benchmark


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
        (13, "13th"), (21, "21st"), (22, "22nd"), (23, "23rd"), (42, "42nd"), (43, "43rd"),
        (101, "101st"), (111, "111th"), (112, "112th"), (113, "113th"), (0, "0th"),
    ],
)  # fmt: skip
def test_ordinal(n, text):
    assert ordinal(n) == text


def test_ordinal_refuses_non_integers():
    for bad in (-1, 2.0, True):
        with pytest.raises(ValueError):
            ordinal(bad)


def test_ranked_text_forms():
    assert ranked_text(3, 8, "below") == "3rd/8 MSG (below MSG average rates)"
    assert ranked_text(2, 8, "above", unit="percent") == "2nd/8 MSG (above MSG average)"
    assert ranked_text(1, 8, "similar to", unit="rate_per_1000_households") == (
        "1st/8 MSG (similar to MSG average rates)"
    )
    assert ranked_text(27, 42, group="all_forces") == "27th/42"
    # Among all forces, tested against England and Wales: the Commissioner's report's own form.
    assert ranked_text(27, 42, "above", group="all_forces") == "27th/42 (above national average)"
    assert ranked_text(1, 43, "similar to", group="all_forces", unit="percent") == (
        "1st/43 (similar to national average)"
    )
    # A researcher's own comparison group is not the most similar group: not called so.
    assert ranked_text(2, 3, "below", group="group") == "2nd/3 group (below group average rates)"


def test_ranked_text_refuses_impossible_positions():
    with pytest.raises(ValueError):
        ranked_text(9, 8, "below")
    with pytest.raises(ValueError, match="relation"):
        ranked_text(3, 8, None)
    with pytest.raises(ValueError, match="group"):
        ranked_text(3, 8, "below", group="region")


@pytest.mark.parametrize(
    ("found", "text"),
    [
        (Benchmark("none"), NOT_AVAILABLE),
        (Benchmark("not_applicable"), NOT_APPLICABLE),
        (Benchmark("msg", "neutral", rank=1, size=8, relation="above"), NOT_APPLICABLE),
        (Benchmark("msg", rank=None, size=8, relation="above"), NOT_AVAILABLE),
        (Benchmark("msg", rank=3, size=8, relation="below"),
         "3rd/8 MSG (below MSG average rates)"),
        (Benchmark("msg", "higher_is_better", "percent", 2, 8, "above"),
         "2nd/8 MSG (above MSG average)"),
        (Benchmark("msg", rank=2, size=3, relation="above", group="group"),
         "2nd/3 group (above group average rates)"),
        (Benchmark("all_forces", rank=27, size=42), "27th/42"),
        (Benchmark("all_forces", "higher_is_better", "percent", 27, 42, "above"),
         "27th/42 (above national average)"),
        (Benchmark("all_forces", rank=3, size=42, relation="below"),
         "3rd/42 (below national average)"),
        (Benchmark("all_forces", "neutral", rank=27, size=42), NOT_APPLICABLE),
        (Benchmark("national", relation="above"), "Above England and Wales"),
        (Benchmark("national", relation="similar to"), "Similar to England and Wales"),
        (Benchmark("national"), NOT_AVAILABLE),
        (Benchmark("population_share", relation="below", share=4.1234),
         "Below area population (4.1%)"),
        (Benchmark("population_share", relation="similar to", share=12.0),
         "Similar to area population (12.0%)"),
        (Benchmark("population_share", relation="above", share=math.nan), NOT_AVAILABLE),
    ],
)  # fmt: skip
def test_benchmark_text(found, text):
    assert benchmark_text(found) == text
    assert is_valid_benchmark(text)


# ----- how big the difference is (issue 18, point 7) ---------------------------------------------
@pytest.mark.parametrize(
    ("found", "text"),
    [
        # 0.0153 against a group rate of 0.0150: 2% above (the case the review found beside a
        # funnel plot that showed the force well inside its limits).
        (Benchmark("msg", rank=6, size=8, relation="above", value=0.0153, reference=0.0150),
         "6th/8 MSG (2% above MSG average rates)"),
        (Benchmark("msg", rank=1, size=8, relation="below", value=3.4, reference=6.3),
         "1st/8 MSG (46% below MSG average rates)"),
        (Benchmark("msg", rank=3, size=8, relation="above", value=12.04, reference=12.0),
         "3rd/8 MSG (less than 1% above MSG average rates)"),
        (Benchmark("msg", rank=1, size=8, relation="above", value=31.0, reference=10.0),
         "1st/8 MSG (210% above MSG average rates)"),
        # Percentages: percentage points, not a relative change.
        (Benchmark("msg", "higher_is_better", "percent", 2, 8, "above", value=64.3,
                   reference=60.2), "2nd/8 MSG (4.1 points above MSG average)"),
        (Benchmark("msg", "higher_is_better", "percent", 2, 8, "below", value=60.17,
                   reference=60.2), "2nd/8 MSG (less than 0.1 points below MSG average)"),
        # "Similar to" carries no size: the difference is within what chance gives.
        (Benchmark("msg", rank=4, size=8, relation="similar to", value=0.016, reference=0.015),
         "4th/8 MSG (similar to MSG average rates)"),
        (Benchmark("national", relation="above", value=10.5, reference=10.0),
         "5% above England and Wales"),
        (Benchmark("national", relation="below", value=9.99, reference=10.0),
         "Less than 1% below England and Wales"),
        # No reference to measure against: the direction alone, as before.
        (Benchmark("msg", rank=2, size=8, relation="above", value=1.0, reference=0.0),
         "2nd/8 MSG (above MSG average rates)"),
    ],
)  # fmt: skip
def test_above_and_below_say_how_big_the_difference_is(found, text):
    assert benchmark_text(found) == text
    assert is_valid_benchmark(text)


def test_the_difference_is_relative_for_rates_and_in_points_for_percentages():
    assert Benchmark("msg", value=0.0153, reference=0.0150).difference == pytest.approx(2.0)
    assert Benchmark("msg", unit="percent", value=64.3, reference=60.2).difference == (
        pytest.approx(4.1)
    )
    assert Benchmark("msg", value=None, reference=1.0).difference is None
    assert Benchmark("msg", value=math.nan, reference=1.0).difference is None
    assert difference_text(-0.4, "rate_per_1000") == "less than 1%"
    assert difference_text(1.5, "count") == "2%"
    assert difference_text(1234.0, "rate_per_1000") == "1234%"  # no separator in a table cell
    assert difference_text(None, "percent") is None


def test_benchmark_text_unknown_comparator_or_polarity():
    with pytest.raises(ValueError, match="comparator"):
        benchmark_text(Benchmark("regional", rank=1, size=2, relation="above"))
    with pytest.raises(ValueError, match="polarity"):
        benchmark_text(Benchmark("msg", "lower", rank=1, size=2, relation="above"))


def test_every_text_the_module_can_make_is_an_allowed_form():
    made = set()
    for size in (1, 2, 8, 42, 43, 112):
        for rank in range(1, size + 1):
            made.add(benchmark_text(Benchmark("all_forces", rank=rank, size=size)))
            for relation in ("above", "below", "similar to"):
                made.add(benchmark_text(Benchmark("all_forces", rank=rank, size=size,
                                                  relation=relation)))  # fmt: skip
                for unit in ("rate_per_1000", "rate_per_1000_households", "percent", "ratio"):
                    for group in ("MSG", "group"):
                        found = Benchmark("msg", "lower_is_better", unit, rank, size, relation)
                        made.add(benchmark_text(Benchmark(**{**vars(found), "group": group})))
                        for value in (0.0, 0.001, 0.5, 0.994, 1.006, 2.0, 25.0):
                            sized = {"value": value, "reference": 1.0, "group": group}
                            made.add(benchmark_text(Benchmark(**{**vars(found), **sized})))
    for relation in ("above", "below", "similar to"):
        made.add(benchmark_text(Benchmark("national", relation=relation)))
        for value in (0.5, 0.999, 1.001, 1.02, 2.0):
            made.add(benchmark_text(Benchmark("national", relation=relation, value=value,
                                              reference=1.0)))  # fmt: skip
        for share in (0.04, 4.1, 4.15, 99.96):
            made.add(benchmark_text(Benchmark("population_share", relation=relation, share=share)))
    bad = sorted(t for t in made if not is_valid_benchmark(t))
    assert not bad


@pytest.mark.parametrize(
    "text",
    [
        "1th/8 MSG (below MSG average rates)",  # wrong suffix
        "11st/42",  # wrong suffix
        "9th/8",  # rank beyond group
        "0th/8",
        "3rd/8 MSG (lower than MSG average rates)",
        "3rd/8 MSG (below MSG average rate)",
        "3rd/8 (below MSG average)",
        "3rd/8 MSG (below group average)",  # one group named two ways
        "above England and Wales",  # must be capitalised
        "2% similar to England and Wales",  # "similar to" carries no size
        "3rd/8 MSG (2.0% above MSG average rates)",  # a relative size is a whole percent
        "3rd/8 MSG (02% above MSG average rates)",
        "3rd/8 MSG (4 points above MSG average)",  # points to one decimal place
        "less than 1% above England and Wales",  # must be capitalised
        "Higher than England and Wales",
        "Below area population (4.12%)",  # one decimal place
        "Below area population (4%)",
        "Not Available",
        "",
    ],
)
def test_texts_outside_the_forms_are_rejected(text):
    assert not is_valid_benchmark(text)


def test_forms_are_compiled_patterns():
    assert BENCHMARK_FORMS and all(hasattr(form, "match") for form in BENCHMARK_FORMS)


@pytest.mark.parametrize(
    ("text", "bare"),
    [
        ("5th/8 MSG (2% above MSG average rates)", "5th/8 MSG (above MSG average rates)"),
        ("2nd/8 MSG (less than 0.1 points below MSG average)", "2nd/8 MSG (below MSG average)"),
        ("4th/8 MSG (similar to MSG average rates)", "4th/8 MSG (similar to MSG average rates)"),
        ("Less than 1% above England and Wales", "Above England and Wales"),
        ("21.1 points above England and Wales", "Above England and Wales"),
        ("27th/42", "27th/42"),
        ("Below area population (4.1%)", "Below area population (4.1%)"),
    ],
)
def test_without_size_leaves_the_word_to_compare(text, bare):
    assert without_size(text) == bare
    assert is_valid_benchmark(bare)
