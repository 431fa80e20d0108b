"""Benchmarks: where a force stands against its most similar group (MSG), all forces or a reference.

What a comparison finds is a `Benchmark` (the comparator's kind, the rank of the group's size, the
tested relation, a population share); `helpers.present.wording.benchmark_words` words it
(``3rd/8 MSG (below MSG average rates)``). Nothing here is worded.

Position 1st is the best: the lowest value where lower is better, the highest where higher is
better. The MSG average shown is the group's own rate (the sum of the members' counts over the
sum of their denominators, the force included), not a mean of the forces' rates, so a small
force does not count as much as a large one.

"Above", "below" and "similar to" are decided by testing the force against the *rest* of its
group (the other members pooled), never against an average that contains the force itself: a
force with 45% of its group's population pulls such an average towards itself and would be
called "similar" when it is not. Rates: the exact conditional interval of the rate ratio
force / rest (`intervals.rate_ratio_interval`); "similar to" when it contains 1. Percentages:
Newcombe's hybrid score interval for the difference force - rest (statsmodels,
`confint_proportions_2indep(method="newcomb")`); "similar to" when it contains 0. England and
Wales comparisons are made the same way, against England and Wales without the force.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from helpers.core.config import BenchmarkSettings

RELATIONS = ("above", "below", "similar to")
RATE_UNITS = ("rate_per_1000", "rate_per_1000_households")
RANKED_POLARITIES = ("lower_is_better", "higher_is_better")

Relation = Literal["above", "below", "similar to"]


@dataclass(frozen=True)
class Benchmark:
    """What a measure's comparison found, before it is worded (`helpers.present.wording`).

    `comparator` is the measure's kind (``msg``, ``all_forces``, ``national``,
    ``population_share``, ``not_applicable``) or ``none`` when there is nothing to compare.
    `rank` of `size` (1 = best), the tested `relation`, the area's population `share` (percent)
    are None where they were not found; `group` is ``MSG``, or ``group`` for a researcher's own.
    `value` is the force's figure and `reference` the figure it is compared with (the group's
    average, England and Wales), both in the measure's unit, so that the words can say how big
    the difference is (`difference`), not only its direction.
    """

    comparator: str = "none"
    polarity: str = "lower_is_better"
    unit: str = "rate_per_1000"
    rank: int | None = None
    size: int | None = None
    relation: Relation | None = None
    share: float | None = None
    group: str = "MSG"
    value: float | None = None
    reference: float | None = None

    @property
    def difference(self) -> float | None:
        """How far the force is from its reference: in percentage points for a percentage,
        else relative, in percent of the reference (+2.0: 2% above it). None when either
        figure is missing or the reference is 0 (no relative difference from nothing)."""
        value, reference = self.value, self.reference
        if value is None or reference is None or math.isnan(value) or math.isnan(reference):
            return None
        if self.unit == "percent":
            return float(value - reference)
        if reference == 0:
            return None
        return float(100 * (value / reference - 1))


# ----- averages and positions -------------------------------------------------------------------
def weighted_average(
    counts: Iterable[float], denominators: Iterable[float], per: float = 1000.0
) -> float:
    """The group's own rate: sum of counts over sum of denominators, times `per`.

    This is not the mean of the members' rates: the mean would give a force of 500,000 people
    the same weight as one of 3 million. Members with a missing or negative count or a missing
    or non-positive denominator are left out of both sums together. NaN when none is left.
    """
    c = np.asarray(list(counts), dtype=np.float64)
    d = np.asarray(list(denominators), dtype=np.float64)
    if c.shape != d.shape:
        raise ValueError(f"counts ({c.size}) and denominators ({d.size}) differ in length")
    usable = ~np.isnan(c) & ~np.isnan(d) & (d > 0) & (c >= 0)
    if not usable.any():
        return math.nan
    return float(c[usable].sum() / d[usable].sum() * per)


def msg_rank(values: Mapping[str, float], force: str, polarity: str) -> tuple[int, int]:
    """(position of `force`, number of forces ranked); 1 is the best.

    Lowest value first for ``lower_is_better``, highest first for ``higher_is_better``. Tied
    forces share the better position (1st, 1st, 3rd). Forces with no value (NaN) are not
    ranked and do not count in the group size. Raises ValueError for a ``neutral`` polarity
    (nothing is better), or when `force` has no value.
    """
    _check_ranked_polarity(polarity)
    own = values.get(force, math.nan)
    if own is None or math.isnan(own):
        raise ValueError(f"{force} has no value to rank")
    ranked = np.array([v for v in values.values() if v is not None and not math.isnan(v)])
    better = ranked < own if polarity == "lower_is_better" else ranked > own
    return int(better.sum()) + 1, int(ranked.size)


def _check_ranked_polarity(polarity: str) -> None:
    if polarity == "neutral":
        raise ValueError("a measure with neutral polarity has no better or worse: it is not ranked")
    if polarity not in RANKED_POLARITIES:
        raise ValueError(
            f"polarity must be one of {', '.join(RANKED_POLARITIES)} or neutral, got '{polarity}'"
        )


def relation_to_average(value: float, ci_low: float, ci_high: float, average: float) -> Relation:
    """ "similar to" when `average` lies inside [ci_low, ci_high], else "above" or "below".

    For a fixed reference that is not estimated from the force's own data (an area's Census
    population share). A group or national average that includes the force is compared with
    `relation_to_rest` instead.
    """
    for name, x in (
        ("value", value),
        ("ci_low", ci_low),
        ("ci_high", ci_high),
        ("average", average),
    ):
        if x is None or math.isnan(x):
            raise ValueError(f"relation_to_average: {name} is missing")
    if ci_low > ci_high:
        raise ValueError(f"relation_to_average: ci_low {ci_low} is above ci_high {ci_high}")
    if ci_low <= average <= ci_high:
        return "similar to"
    return "above" if value > average else "below"


@dataclass(frozen=True)
class RestComparison:
    """The force against the rest of its group: the interval that decides the relation.

    Rates: `low`/`high` bound the rate ratio force / rest (1 = no difference). Percentages: they
    bound the difference force - rest in percentage points (0 = no difference).
    """

    relation: Relation
    statistic: float
    low: float
    high: float
    measure: Literal["rate ratio", "difference"]


def relation_to_rest(
    count: float,
    denominator: float,
    rest_count: float,
    rest_denominator: float,
    *,
    unit: str,
    confidence: float = 0.95,
) -> RestComparison | None:
    """Is the force above, below or similar to the rest of its group (or of England and Wales)?

    `count`/`denominator` are the force's 12-month figures; `rest_*` the pooled figures of the
    other members. Rates: exact conditional interval of the rate ratio; percentages: Newcombe's
    hybrid score interval of the difference in proportions. "similar to" when the interval
    contains no difference. None when either side has no usable data (a missing, negative or
    zero denominator, a negative count), so that nothing is said that was not tested.
    """
    # Imported here, not above: a page that only words a finding (`Benchmark`) must not pay for
    # scipy and statsmodels (about 0.8 s), as a rebuild after a narrative edit does.
    from statsmodels.stats.proportion import confint_proportions_2indep

    from helpers.stats.intervals import rate_ratio_interval

    values = (count, denominator, rest_count, rest_denominator)
    if any(v is None or math.isnan(float(v)) for v in values):
        return None
    if min(count, rest_count) < 0 or min(denominator, rest_denominator) <= 0:
        return None
    if unit in RATE_UNITS:
        if count + rest_count == 0:
            return RestComparison("similar to", math.nan, 0.0, math.inf, "rate ratio")
        low, high = rate_ratio_interval(
            count, denominator, rest_count, rest_denominator, confidence=confidence
        )
        ratio = (count / denominator) / (rest_count / rest_denominator) if rest_count else math.inf
        relation: Relation = "above" if low > 1 else "below" if high < 1 else "similar to"
        return RestComparison(relation, ratio, low, high, "rate ratio")
    if unit == "percent":
        if count > denominator or rest_count > rest_denominator:
            return None
        low, high = confint_proportions_2indep(
            count,
            denominator,
            rest_count,
            rest_denominator,
            method="newcomb",
            compare="diff",
            alpha=1 - confidence,
        )
        difference = 100 * (count / denominator - rest_count / rest_denominator)
        relation = "above" if low > 0 else "below" if high < 0 else "similar to"
        return RestComparison(relation, difference, 100 * low, 100 * high, "difference")
    raise ValueError(f"relation_to_rest compares rates or percentages, not unit '{unit}'")


# ----- a force in its group ---------------------------------------------------------------------
@dataclass(frozen=True)
class GroupComparison:
    """A force against its comparison group at one period: what the MSG benchmark is built from.

    `value`, `average`, `ci_low` and `ci_high` are in the measure's unit (per 1,000 or percent).
    `rank` is None when the force is not ranked (neutral polarity, no value, fewer than two
    members with data); `relation` is None when it cannot be judged.
    """

    force: str
    value: float
    ci_low: float
    ci_high: float
    average: float
    rank: int | None
    size: int
    relation: Relation | None
    rest: RestComparison | None = None


def compare_groups(
    group: pd.DataFrame,
    force: str,
    *,
    polarity: str,
    unit: str,
    settings: BenchmarkSettings | None = None,
) -> GroupComparison:
    """Rank `force` in its group and test it against the rest of the group.

    `group` has one row per member (the force itself included) with columns force, count and
    denominator (12-month sums; for rates the population or households). The force's own
    interval (shown beside its figure) is `rate_interval` (Byar from `settings.byar_min_count`
    events, exact below) per 1,000 for rates and Wilson times 100 for percentages; the relation
    comes from `relation_to_rest` (the force against the other members pooled). `average` is
    the group's own rate, the force included. Members without a usable count (missing or
    negative) or denominator are left out of the ranking, the average and the rest. With fewer
    than two members that have data, or no data for the force, it has no rank and no relation.
    """
    settings = settings or BenchmarkSettings()
    if unit not in (*RATE_UNITS, "percent"):
        raise ValueError(f"compare_groups compares rates or percentages, not unit '{unit}'")
    missing = [c for c in ("force", "count", "denominator") if c not in group.columns]
    if missing:
        raise KeyError(f"compare_groups: the group table has no column(s) {missing}")
    if group["force"].duplicated().any():
        twice = sorted(group.loc[group["force"].duplicated(), "force"].astype(str).unique())
        raise ValueError(f"compare_groups: force(s) listed twice in the group: {twice}")

    per = 1000.0 if unit in RATE_UNITS else 100.0
    counts = group["count"].to_numpy(dtype=np.float64, na_value=np.nan)
    denominators = group["denominator"].to_numpy(dtype=np.float64, na_value=np.nan)
    # A negative 12-month count (Home Office adjustments to a rare offence) is no rate at all.
    usable = ~np.isnan(counts) & ~np.isnan(denominators) & (denominators > 0) & (counts >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(usable, counts / np.where(usable, denominators, 1.0) * per, np.nan)
    by_force = dict(zip(group["force"].astype(str), values, strict=True))
    average = weighted_average(counts[usable], denominators[usable], per=per)
    size = int(usable.sum())

    own = by_force.get(force, math.nan)
    if math.isnan(own) or size < 2:
        return GroupComparison(force, own, math.nan, math.nan, average, None, size, None, None)

    from helpers.stats.intervals import rate_interval, wilson_interval  # see relation_to_rest

    row = int(np.flatnonzero(group["force"].astype(str).to_numpy() == force)[0])
    if unit in RATE_UNITS:
        low, high = rate_interval(
            counts[row],
            denominators[row],
            confidence=settings.confidence,
            per=per,
            byar_min_count=settings.byar_min_count,
        )
    else:
        low, high = (
            x * per for x in wilson_interval(counts[row], denominators[row], settings.confidence)
        )
    others = usable & (np.arange(len(counts)) != row)
    rest = relation_to_rest(
        counts[row],
        denominators[row],
        counts[others].sum(),
        denominators[others].sum(),
        unit=unit,
        confidence=settings.confidence,
    )
    relation = rest.relation if rest is not None else None
    rank: int | None = None
    if polarity != "neutral":
        rank, size = msg_rank(by_force, force, polarity)
    return GroupComparison(force, own, low, high, average, rank, size, relation, rest)
