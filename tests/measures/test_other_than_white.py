"""The other-than-White rate ratio (helpers.measures.other_than_white), recomputed here with plain
pandas from the sample files as published, and its interval with scipy's exact binomial interval
(the conditional method: a / (a + b) is binomial given a + b)."""

from __future__ import annotations

import pandas as pd
import pytest
from sample_figures import AS, SAMPLE, Q
from scipy.stats import binomtest

from helpers.measures.other_than_white import other_than_white

OTHERS = ["Asian", "Black", "Mixed", "Other"]


def _by_hand(file: str, column: str, periods: list[str]):
    raw = pd.read_csv(SAMPLE / "national" / file)
    window = raw[raw["period"].isin(periods)]
    residents = pd.read_csv(SAMPLE / "national" / "population_ethnicity_pfa.csv")
    residents = residents.rename(columns={"police force area": "force", "ethnic group": "group"})
    # The Census file spells one force as its publisher does.
    residents["force"] = residents["force"].replace({"Devon & Cornwall": "Devon and Cornwall"})

    def area(forces):
        rows = window[window["force"].isin(forces)]
        people = residents[residents["force"].isin(forces)]
        a = rows.loc[rows["ethnic_group"].isin(OTHERS), column].sum()
        b = rows.loc[rows["ethnic_group"] == "White", column].sum()
        pa = people.loc[people["group"].isin(OTHERS), "population"].sum()
        pb = people.loc[people["group"] == "White", "population"].sum()
        return a, pa, b, pb

    forces = sorted(window["force"].unique())
    return area([AS]), area(forces), area([f for f in forces if f != AS]), len(forces)


@pytest.mark.parametrize(
    ("source", "file", "column", "periods"),
    [
        ("stop_search", "stop_search.csv", "searches",
         [str(p) for p in pd.period_range("2024-04", "2025-03", freq="M")]),
        ("use_of_force", "use_of_force.csv", "incidents",
         ["2024-06", "2024-09", "2024-12", "2025-03"]),
    ],
)  # fmt: skip
def test_the_force_and_england_and_wales_ratio_for_people_other_than_white(
    inputs, source, file, column, periods
):
    (a, pa, b, pb), national, rest, n_forces = _by_hand(file, column, periods)
    found = other_than_white(inputs, source, AS, Q)
    assert found.ratio == pytest.approx((a / pa) / (b / pb), rel=1e-12)
    na, npa, nb, npb = national
    assert found.national_ratio == pytest.approx((na / npa) / (nb / npb), rel=1e-12)
    assert found.forces_in_national == n_forces == 43
    p = binomtest(int(a), int(a + b)).proportion_ci(0.95, method="exact")
    low, high = (x / (1 - x) * pb / pa for x in (p.low, p.high))
    assert (found.ci_low, found.ci_high) == (pytest.approx(low), pytest.approx(high))
    ra, rpa, rb, rpb = rest
    reference = (ra / rpa) / (rb / rpb)
    expected = (
        "similar to"
        if low <= reference <= high
        else ("above" if found.ratio > reference else "below")
    )
    assert found.relation == expected


def test_a_force_without_a_complete_12_months_has_no_ratio_and_says_why(inputs):
    import dataclasses

    stop = inputs.stop_search
    gap = stop[~((stop["force"] == AS) & (stop["period"] == pd.Period("2024-11", freq="M")))]
    holed = dataclasses.make_dataclass(
        "I", [("stop_search", object), ("population_ethnicity", object)]
    )
    found = other_than_white(holed(gap, inputs.population_ethnicity), "stop_search", AS, Q)
    assert found.ratio is None and found.reason == f"{AS}: no complete 12 months"
    assert found.national_ratio is not None and found.forces_in_national == 42
    with pytest.raises(ValueError, match="source must be one of"):
        other_than_white(inputs, "workforce", AS, Q)


def test_a_source_not_supplied_gives_no_ratio_and_says_so(inputs):
    from helpers.core.exceptions import InputNotSupplied

    class WithoutStopSearch:
        population_ethnicity = inputs.population_ethnicity

        @property
        def stop_search(self):
            raise InputNotSupplied("stop_search", "national/stop_search.csv", "Stop and search")

    found = other_than_white(WithoutStopSearch(), "stop_search", AS, Q)
    assert found.ratio is None and found.national_ratio is None
    assert found.reason == "stop_search not supplied"
