"""Step 5 of a measure: the force compared with its most similar group, all forces, England and
Wales without it, or its area's Census population share, as the catalogue declares."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from helpers.core.config import Measure, Settings
from helpers.core.forces import ENGLAND_AND_WALES, ForceRegistry, default_forces
from helpers.measures.result import MeasureError, MeasureResult, none_if_nan
from helpers.stats import benchmark as bm

# The comparator of a group chosen in place of the most similar group (`compare_with_group`).
CHOSEN_GROUP_AVERAGE = "comparison group average"


@dataclass
class Comparison:
    """Step 5: the force against its comparator at the quarter (`compare_with_group`).

    `group` is the ranked comparison group (force, count, denominator, value, rank) where the
    measure is ranked; `history` the comparator's value at every period, for the chart."""

    benchmark: bm.Benchmark = field(default_factory=bm.Benchmark)
    label: str | None = None
    value: float | None = None
    relation: bm.Relation | None = None
    rank: int | None = None
    rank_of: int | None = None
    group: pd.DataFrame | None = None
    history: pd.Series | None = None
    notes: list[str] = field(default_factory=list)


def compare_with_group(
    figure: MeasureResult,
    series: pd.DataFrame | None,
    settings: Settings,
    inputs: Any = None,
    forces: ForceRegistry | None = None,
    group: Sequence[str] | None = None,
) -> Comparison:
    """Step 5, the benchmark: the force ranked in its most similar group (all forces where it
    has none) and tested against the rest of the group, or against England and Wales without
    it, or the area's Census population share, as the measure's `comparator` declares.
    `group`: other forces to compare with instead of the most similar group (a ranked
    measure only; the force is added to them); its benchmark says "group" where the most
    similar group's says "MSG" (``1st/3 group (similar to group average rates)``)."""
    if not figure.available or series is None:
        return Comparison(benchmark=figure.benchmark)
    forces = forces or default_forces()
    # The comparison fills a scratch copy of the figure, so that the figure is left as it is.
    scratch = replace(figure, notes=[])
    members = None if group is None else sorted({*group, figure.force})
    national = series[series["force"] == ENGLAND_AND_WALES].set_index("period")["value"]
    history = _compare(
        scratch, figure.measure, inputs, series, figure.quarter.period, settings, forces,
        national, members,
    )  # fmt: skip
    return Comparison(
        benchmark=scratch.benchmark,
        label=scratch.comparator_label,
        value=scratch.comparator_value,
        relation=scratch.relation,
        rank=scratch.rank,
        rank_of=scratch.rank_of,
        group=scratch.group_values,
        history=history,
        notes=list(scratch.notes),
    )


def _compare(
    result: MeasureResult,
    measure: Measure,
    inputs: Any,
    data: pd.DataFrame,
    period: pd.Period,
    settings: Settings,
    forces: ForceRegistry,
    national: pd.Series,
    members: Sequence[str] | None = None,
) -> pd.Series | None:
    """Fill the comparator, rank and benchmark of `result`; return the comparator's history.
    `members`: a group chosen instead of the most similar group (ranked measures)."""
    comparator, force = measure.comparator, result.force
    if comparator == "none":
        result.benchmark = bm.Benchmark()
        return None
    if comparator == "not_applicable" or measure.polarity == "neutral":
        result.benchmark = bm.Benchmark("not_applicable")
        return None
    if comparator in ("msg", "all_forces"):
        return _compare_with_group(result, measure, data, period, settings, forces, members)
    if comparator == "national":
        nat_value = none_if_nan(national.get(period))
        if nat_value is None or result.value is None:
            result.benchmark = bm.Benchmark()
            return None
        result.comparator_value = nat_value
        result.comparator_label = ENGLAND_AND_WALES
        result.relation = _relation_to_rest_of_england_and_wales(
            result, measure, data, period, settings
        )
        result.benchmark = bm.Benchmark(
            "national", measure.polarity, measure.unit, relation=result.relation,
            value=result.value, reference=nat_value,
        )  # fmt: skip
        return None  # England and Wales is drawn as the national line already
    if comparator == "population_share":
        share = population_share(measure, inputs, force)
        if share is None or result.value is None:
            result.benchmark = bm.Benchmark()
            return None
        result.comparator_value = share
        result.comparator_label = "area population (Census 2021)"
        # A Census share is a fixed reference, not estimated from the force's records.
        result.relation = _relation(result, share)
        result.benchmark = bm.Benchmark(
            "population_share", measure.polarity, measure.unit, relation=result.relation,
            share=share,
        )  # fmt: skip
        return pd.Series(share, index=pd.Index(data["period"].unique()))
    raise MeasureError(f"measure '{measure.id}': comparator '{comparator}' is not handled")


def _compare_with_group(
    result: MeasureResult,
    measure: Measure,
    data: pd.DataFrame,
    period: pd.Period,
    settings: Settings,
    forces: ForceRegistry,
    chosen: Sequence[str] | None = None,
) -> pd.Series | None:
    """Rank among the MSG (all forces where no MSG is configured), or among the `chosen`
    forces; compare with the group's average."""
    force = result.force
    has_msg = chosen is not None or (measure.comparator == "msg" and forces.get(force).has_msg)
    if chosen is not None:
        members = list(chosen)
    else:
        members = forces.comparison_group(force) if has_msg else forces.names
    at_quarter = data[(data["period"] == period) & data["force"].isin(members)]
    group = at_quarter[["force", "count", "denominator", "value"]].dropna(subset=["value"])
    # A negative 12-month total has no rate: such a member is left out like a missing one.
    group = group[group["count"].isna() | (group["count"] >= 0)]
    left_out = sorted(set(members) - set(group["force"]) - {force})
    if left_out:
        negative = set(at_quarter.loc[at_quarter["count"] < 0, "force"])
        why = {True: "a negative 12-month total", False: "a period with no data"}
        reasons = [f"{name} ({why[name in negative]})" for name in left_out]
        one = len(left_out) == 1
        result.notes.append(
            f"{_names(reasons)} {'has' if one else 'have'} no figure for the "
            f"{result.quarter.year_ending} and {'is' if one else 'are'} left out of the "
            f"{'most similar group' if has_msg else 'all-forces'} average and ranking."
        )
    if len(group) < 2 or force not in set(group["force"]):
        result.benchmark = bm.Benchmark()
        return None
    values = dict(zip(group["force"], group["value"], strict=True))
    ranks = {f: bm.msg_rank(values, f, measure.polarity)[0] for f in values}
    result.rank, result.rank_of = bm.msg_rank(values, force, measure.polarity)
    result.group_values = (
        group.assign(rank=group["force"].map(ranks))
        .sort_values(["rank", "force"])
        .reset_index(drop=True)
    )
    if not has_msg:
        # Ranked among all forces, and tested against England and Wales without the force:
        # "27th/42 (above national average)", as the Commissioner's report words it.
        result.relation = _relation_to_rest_of_england_and_wales(
            result, measure, data, period, settings
        )
        result.benchmark = bm.Benchmark(
            "all_forces", measure.polarity, measure.unit, result.rank, result.rank_of,
            result.relation,
        )  # fmt: skip
        return None
    if measure.is_rate or measure.is_percent:
        comparison = bm.compare_groups(
            group[["force", "count", "denominator"]],
            force,
            polarity=measure.polarity,
            unit=measure.unit,
            settings=settings.benchmark,
        )
        average, result.relation = none_if_nan(comparison.average), comparison.relation
        result.benchmark = bm.Benchmark(
            "msg", measure.polarity, measure.unit, comparison.rank, comparison.size, result.relation
        )
    else:
        average = _group_average(measure, group)
        result.relation = _relation(result, average)
        result.benchmark = bm.Benchmark(
            "msg", measure.polarity, measure.unit, result.rank, result.rank_of, result.relation
        )
    result.comparator_value = average
    result.benchmark = replace(result.benchmark, value=result.value, reference=average)
    result.comparator_label = "MSG average" if chosen is None else CHOSEN_GROUP_AVERAGE
    if chosen is not None:  # a researcher's group is not the most similar group: not called so
        result.benchmark = replace(result.benchmark, group="group")
    in_group = data[data["force"].isin(members)]
    return pd.Series(
        {p: _group_average(measure, g) for p, g in in_group.groupby("period", observed=True)}
    )


def _names(forces: Sequence[str]) -> str:
    return forces[0] if len(forces) == 1 else ", ".join(forces[:-1]) + " and " + forces[-1]


def _relation_to_rest_of_england_and_wales(
    result: MeasureResult,
    measure: Measure,
    data: pd.DataFrame,
    period: pd.Period,
    settings: Settings,
) -> bm.Relation | None:
    """The force against England and Wales without the force (the Metropolitan Police alone is
    15% of England and Wales: a total that holds the force is pulled towards it)."""
    nat = data[(data["force"] == ENGLAND_AND_WALES) & (data["period"] == period)]
    mine = data[(data["force"] == result.force) & (data["period"] == period)]
    if nat.empty or mine.empty:
        return None
    n, m = nat.iloc[0], mine.iloc[0]

    def rest(column: str) -> float | None:
        total, own = none_if_nan(n.get(column)), none_if_nan(m.get(column))
        return None if total is None or own is None else float(total) - float(own)

    if measure.is_rate or measure.is_percent:
        if result.count is None or result.denominator is None:
            return None
        rest_count, rest_den = rest("count"), rest("denominator")
        if rest_count is None or rest_den is None:
            return None
        comparison = bm.relation_to_rest(
            result.count,
            result.denominator,
            rest_count,
            rest_den,
            unit=measure.unit,
            confidence=settings.benchmark.confidence,
        )
        return comparison.relation if comparison is not None else None
    if measure.unit == "ratio":
        parts = [rest(c) for c in ("count", "denominator", "ref_count", "ref_denominator")]
        if any(p is None or p <= 0 for p in parts[1:]) or parts[0] is None:
            return None
        count, den, ref_count, ref_den = parts
        # The rest of England and Wales has many times the force's events: its ratio is taken
        # as the reference, and the force's exact interval decides.
        return _relation(result, (count / den) / (ref_count / ref_den))
    return _relation(result, none_if_nan(n.get("value")))


def population_share(measure: Measure, inputs: Any, force: str) -> float | None:
    """Percentage of the force area's residents in the measure's ethnic group (Census 2021)."""
    group = (measure.numerator.get("filter") or {}).get("ethnic_group")
    pop = inputs.population_ethnicity
    mine = pop[pop["force"] == force]
    total = mine["population"].sum()
    if group is None or total <= 0:
        return None
    return float(100 * mine.loc[mine["ethnic_group"] == group, "population"].sum() / total)


def _relation(result: MeasureResult, average: float | None) -> str | None:
    """above / below / similar to, or None when the figure or its interval is unknown."""
    values = (result.value, result.ci_low, result.ci_high, average)
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values):
        return None
    return bm.relation_to_average(result.value, result.ci_low, result.ci_high, average)


def _group_average(measure: Measure, group: pd.DataFrame) -> float | None:
    if measure.is_rate:
        return none_if_nan(bm.weighted_average(group["count"], group["denominator"], per=1000.0))
    if measure.is_percent:
        return none_if_nan(bm.weighted_average(group["count"], group["denominator"], per=100.0))
    return none_if_nan(group["value"].mean())
