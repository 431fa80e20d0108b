"""The measures table: every measure of the catalogue computed for one force and quarter.

Each measure is first computed for every force at every period (an "all-forces series"): the
12-month numerator (`count`), the 12-month denominator, the measure's `value`, and the period's own,
not-rolled `raw_value` that the seasonal trend test uses. England and Wales is added as one more
"force" by summing numerators and denominators. The force's row at the quarter then gives the
figure; its comparison group at the quarter gives the rank and benchmark; its own history gives the
trend. How each figure is made is written once, here, from the catalogue's declaration.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.core.config import Catalogue, Measure, Settings, default_catalogue, load_settings
from helpers.core.exceptions import ReportError
from helpers.core.forces import ENGLAND_AND_WALES, ForceRegistry, default_forces
from helpers.core.quarters import FinancialQuarter
from helpers.inputs.preflight import check_report
from helpers.inputs.published import is_year_ending
from helpers.inputs.schemas import SOURCES, not_supplied
from helpers.stats import benchmark as bm
from helpers.stats.intervals import rate_interval, rate_ratio_interval, wilson_interval
from helpers.stats.rates import attach_denominators, population_fallback_note, rate_per_1000
from helpers.stats.rolling import rolling_12_months
from helpers.stats.trends import TrendResult, trend_outlook

# Sources whose rows cover every force, so that an England and Wales figure can be summed from
# them. Local extracts come from one force's own systems: no national figure is made from them.
NATIONAL_SOURCES = frozenset(
    {"prc", "rape_outcomes", "stop_search", "use_of_force", "workforce", "csew_confidence"}
)
# Sources published as figures that are already 12-month (or point-in-time) values: not rolled.
UNROLLED_SOURCES = frozenset({"csew_confidence", "workforce"})
# Point-in-time counts (headcount at 31 March and 30 September): neither rolled nor overlapping.
SNAPSHOT_SOURCES = frozenset({"workforce"})
REFERENCE_GROUP = "White"
# The comparator of a group chosen in place of the most similar group (`compare_with_group`).
CHOSEN_GROUP_AVERAGE = "comparison group average"


@dataclass
class MeasureResult:
    """One measure for one force at one quarter, with everything the page and measures.csv show.

    `value` is in the measure's unit: a rate per 1,000 residents or households, a percentage
    (0-100), a count, or a ratio. `series` holds the history used by the chart and the trend test:
    columns period, force_value, comparator_value, national_value, count, denominator.
    `group_values` holds the comparison group at the quarter (force, count, denominator, value).
    """

    measure: Measure
    force: str
    quarter: FinancialQuarter
    available: bool = True
    unavailable_reason: str = ""
    count: float | None = None
    denominator: float | None = None
    denominator_year: int | None = None
    denominator_year_wanted: int | None = None
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    previous_value: float | None = None
    comparator_value: float | None = None
    comparator_label: str | None = None
    national_value: float | None = None
    rank: int | None = None
    rank_of: int | None = None
    benchmark: str = bm.NOT_AVAILABLE
    relation: bm.Relation | None = None
    trend: TrendResult | None = None
    series: pd.DataFrame = field(default_factory=pd.DataFrame)
    group_values: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    # Rates only: every force and England and Wales at the quarter (force, count, denominator,
    # value), for the funnel plot (helpers.stats.funnel).
    all_forces: pd.DataFrame | None = None

    @property
    def trend_word(self) -> str:
        return self.trend.word if self.trend is not None else "Not available"

    @property
    def uses_population_fallback(self) -> bool:
        return (
            self.denominator_year is not None
            and self.denominator_year_wanted is not None
            and self.denominator_year != self.denominator_year_wanted
        )


class MeasureError(ReportError):
    """A measure cannot be computed from the inputs as declared in the catalogue."""


# ----- selecting rows -------------------------------------------------------------------------
def _select(frame: pd.DataFrame, spec: dict[str, Any]) -> pd.DataFrame:
    """Rows matching a catalogue `filter` and not matching its `exclude`."""
    mask = pd.Series(True, index=frame.index)
    for column, wanted in (spec.get("filter") or {}).items():
        values = wanted if isinstance(wanted, list) else [wanted]
        mask &= frame[column].isin(values)
    for column, unwanted in (spec.get("exclude") or {}).items():
        values = unwanted if isinstance(unwanted, list) else [unwanted]
        mask &= ~frame[column].isin(values)
    return frame[mask]


def _sum_by_force_period(frame: pd.DataFrame, column: str, name: str) -> pd.DataFrame:
    return (
        frame.groupby(["force", "period"], observed=True)[column].sum().rename(name).reset_index()
    )


def full_period_range(periods: Sequence[pd.Period]) -> list[pd.Period]:
    """Every period from the first to the last at the data's own step: quarter ends when every
    period is a quarter end, otherwise every month. A period absent from the data is in it."""
    if len(periods) == 0:
        return []
    return list(pd.period_range(min(periods), max(periods), freq="M"))[:: _step_months(periods)]


def _step_months(periods: Iterable[pd.Period]) -> int:
    """A source's own step: 3 (quarterly) when every period is a quarter end, else 1 (monthly)."""
    return 3 if all(p.month % 3 == 0 for p in periods) else 1


def _complete_grid(
    frame: pd.DataFrame,
    forces: Sequence[str],
    periods: Sequence[pd.Period],
    columns: Sequence[str],
    reported: pd.DataFrame,
) -> pd.DataFrame:
    """Every force x period: zero where the force reported that period but had no matching row,
    missing (NaN) where it reported nothing at all for the period.

    The Home Office omits an offence with nothing recorded, so inside a quarter that a force
    reported, an absent offence is zero. A force with no rows at all for a quarter (or a local
    extract with no file for it) did not report it: its count is unknown, and every 12-month
    window that includes it is missing, never a total of the other quarters. `reported` holds
    the (force, period) pairs with any row in the source, whatever the measure selects.
    """
    grid = pd.MultiIndex.from_product([list(forces), list(periods)], names=["force", "period"])
    out = (
        frame.set_index(["force", "period"])[list(columns)]
        .reindex(grid, fill_value=0)
        .astype(np.float64)
    )
    has_rows = grid.isin(pd.MultiIndex.from_frame(reported[["force", "period"]].drop_duplicates()))
    out.loc[~has_rows, list(columns)] = np.nan
    return out.reset_index()


def _national_sum(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """England and Wales by period: the sum over forces, missing where any force is missing
    (a national total without one force's figure would be too low)."""
    cols = [c for c in columns if c in frame]
    grouped = frame.groupby("period", observed=True)[cols]
    sums = grouped.sum(min_count=1)
    incomplete = frame[cols].isna().groupby(frame["period"], observed=True).any()
    return sums.mask(incomplete).reset_index()


# ----- the steps, for every force: rows, complete series, 12-month rolling series --------------
def _source_frame(measure: Measure, inputs: Any) -> pd.DataFrame:
    try:
        return getattr(inputs, measure.source)
    except AttributeError as exc:
        raise MeasureError(f"measure '{measure.id}': unknown source '{measure.source}'") from exc


def is_supplied(measure: Measure, inputs: Any) -> bool:
    """Whether the measure's source is in the inputs (optional local extracts may be absent)."""
    return measure.source not in getattr(inputs, "missing", set())


def select_rows(measure: Measure, inputs: Any) -> pd.DataFrame | None:
    """Step 1, the input table: the rows of the measure's source that its numerator selects,
    for every force and period (police recorded crime: the offence codes and subgroups of
    params/measures.yaml; a disproportionality ratio: the ethnic group and the White group).
    None where the source was not supplied."""
    if not is_supplied(measure, inputs):
        return None
    num = measure.numerator
    if measure.source == "prc":
        prc = inputs.prc
        mask = pd.Series(False, index=prc.index)
        if "offence_subgroups" in num:
            mask |= prc["offence_subgroup"].isin(num["offence_subgroups"])
        if "offence_codes" in num:
            mask |= prc["offence_code"].isin([str(c) for c in num["offence_codes"]])
        return prc[mask]
    frame = _source_frame(measure, inputs)
    if measure.unit == "ratio":
        return frame[frame["ethnic_group"].isin([num["group"], REFERENCE_GROUP])]
    return _select(frame, num)


def period_counts(
    measure: Measure,
    inputs: Any,
    rows: pd.DataFrame | None = None,
    forces: ForceRegistry | None = None,
) -> pd.DataFrame | None:
    """Step 2, the complete series: each force's count (and denominator, for percentages) in
    every period from the source's first to its last, from `rows` (default `select_rows`):
    zero where the force reported the period but had no selected row, missing (NaN) where it
    reported nothing for the period. Sources published as 12-month figures are returned as
    they are (nothing to roll). None where the source was not supplied."""
    if not is_supplied(measure, inputs):
        return None
    rows = select_rows(measure, inputs) if rows is None else rows
    if measure.source == "prc":
        forces = forces or default_forces()
        prc = inputs.prc
        counts = _sum_by_force_period(rows, "count", "count")
        periods = full_period_range(sorted(prc["period"].unique()))
        counts = _complete_grid(counts, forces.names, periods, ["count"], reported=prc)
        counts["raw_count"] = counts["count"]
        return counts
    frame = _source_frame(measure, inputs)
    reported = frame[frame["force"] != ENGLAND_AND_WALES]
    if measure.unit == "ratio":
        column, group = measure.numerator["column"], measure.numerator["group"]
        counts = rows.pivot_table(
            index=["force", "period"],
            columns="ethnic_group",
            values=column,
            aggfunc="sum",
            fill_value=0,
            observed=True,
        )
        counts = counts.reindex(columns=[group, REFERENCE_GROUP], fill_value=0)
        counts.columns = ["count", "ref_count"]
        counts = counts.reset_index()
        # Annual publications (use of force) are already 12-month figures: not rolled again.
        if _whole_years(counts):
            return counts
        return _complete_grid(
            counts[counts["force"] != ENGLAND_AND_WALES],
            sorted(reported["force"].unique()),
            full_period_range(sorted(reported["period"].unique())),
            ["count", "ref_count"],
            reported=reported,
        )
    num_spec = measure.numerator
    data = _sum_by_force_period(rows, num_spec["column"], "count")
    den_spec = measure.denominator if isinstance(measure.denominator, dict) else None
    if den_spec is not None:
        den = _sum_by_force_period(_select(frame, den_spec), den_spec["column"], "denominator")
        data = data.merge(den, on=["force", "period"], how="outer").fillna(0)
    else:
        data = data.assign(denominator=np.nan)
    data = data[data["force"] != ENGLAND_AND_WALES]
    if _published_as_12_months(measure, data):
        return data
    value_columns = ["count"] if den_spec is None else ["count", "denominator"]
    forces_seen = sorted(reported["force"].unique())
    periods = full_period_range(sorted(reported["period"].unique()))
    return _complete_grid(data, forces_seen, periods, value_columns, reported=reported)


def _published_as_12_months(measure: Measure, counts: pd.DataFrame) -> bool:
    # A completed grid steps by 1 or 3 months: never mistaken for whole years.
    return measure.source in UNROLLED_SOURCES or _whole_years(counts)


def _whole_years(counts: pd.DataFrame) -> bool:
    """`published.is_year_ending`, answered at once for the usual monthly or quarterly table
    (whole years are all in one month of the year)."""
    if "period" in counts and counts["period"].dt.month.nunique() > 1:
        return False
    return is_year_ending(counts)


def rolling_series(
    measure: Measure, counts: pd.DataFrame | None, inputs: Any, settings: Settings
) -> pd.DataFrame | None:
    """Step 3, the 12-month rolling series of every force and England and Wales: `count` and
    `denominator` summed over the 12 months ending at each period (rates: the ONS estimate for
    the year the settings' population rule wants), the measure's `value`, and the period's own
    `raw_value` that the trend test uses. None where `counts` is None."""
    if counts is None:
        return None
    if measure.source == "prc":
        return _prc_rates(measure, counts, inputs, settings)
    if measure.unit == "ratio":
        return _ratios(measure, counts, inputs)
    return _extract_values(measure, counts, inputs)


def _prc_rates(
    measure: Measure, counts: pd.DataFrame, inputs: Any, settings: Settings
) -> pd.DataFrame:
    rolled = rolling_12_months(counts, ["count"])
    rolled = rolled.merge(counts[["force", "period", "raw_count"]], on=["force", "period"])
    kind = "households" if measure.denominator == "households" else "population"
    rolled = attach_denominators(
        rolled, inputs.population, kind, settings.population_rule, when_missing="nan"
    )
    national = _national_sum(rolled, ["count", "raw_count", "denominator"])
    national["force"] = ENGLAND_AND_WALES
    years = rolled.groupby("period", observed=True)[
        ["denominator_year", "denominator_year_wanted"]
    ].min()
    national = national.merge(years.reset_index(), on="period")
    out = pd.concat([rolled, national], ignore_index=True)
    out["value"] = rate_per_1000(out["count"], out["denominator"])
    # The period's own rate, scaled to a year so it sits on the same axis as the 12-month rate.
    out["raw_value"] = rate_per_1000(out["raw_count"] * 4, out["denominator"])
    return out


def _extract_values(measure: Measure, data: pd.DataFrame, inputs: Any) -> pd.DataFrame:
    """Counts and percentages from a template extract (local or national)."""
    frame = _source_frame(measure, inputs)
    num_spec = measure.numerator
    den_spec = measure.denominator if isinstance(measure.denominator, dict) else None
    value_columns = ["count"] if den_spec is None else ["count", "denominator"]
    if _published_as_12_months(measure, data):
        rolled = data.assign(raw_count=data["count"], raw_denominator=data["denominator"])
    else:
        rolled = rolling_12_months(data, value_columns)
        raw = data.rename(columns={"count": "raw_count", "denominator": "raw_denominator"})
        rolled = rolled.merge(raw, on=["force", "period"], how="left")
    if measure.source in NATIONAL_SOURCES:
        nat_rows = frame[frame["force"] == ENGLAND_AND_WALES]
        has_national_rows = not _select(nat_rows, num_spec).empty or (
            den_spec is not None and not _select(nat_rows, den_spec).empty
        )
        if has_national_rows:
            nat = _sum_by_force_period(_select(nat_rows, num_spec), num_spec["column"], "count")
            if den_spec is not None:
                nat_den = _sum_by_force_period(
                    _select(nat_rows, den_spec), den_spec["column"], "denominator"
                )
                nat = nat.merge(nat_den, on=["force", "period"])
            nat = nat.assign(raw_count=nat["count"], raw_denominator=nat.get("denominator"))
        else:
            cols = [
                c for c in ("count", "denominator", "raw_count", "raw_denominator") if c in rolled
            ]
            nat = _national_sum(rolled, cols)
            nat["force"] = ENGLAND_AND_WALES
        rolled = pd.concat([rolled, nat], ignore_index=True)
    if measure.unit == "percent":
        rolled["value"] = (
            100 * rolled["count"] / rolled["denominator"].where(rolled["denominator"] > 0)
        )
        rolled["raw_value"] = (
            100
            * rolled["raw_count"]
            / rolled["raw_denominator"].where(rolled["raw_denominator"] > 0)
        )
    else:
        rolled["value"] = rolled["count"].astype(float)
        rolled["raw_value"] = rolled["raw_count"].astype(float)
    return rolled


def _ratios(measure: Measure, counts: pd.DataFrame, inputs: Any) -> pd.DataFrame:
    """Disproportionality: the group's rate per 1,000 residents over the White rate."""
    group = measure.numerator["group"]
    # Annual publications (use of force) are already 12-month figures: not rolled again.
    twelve_months = _whole_years(counts)
    rolled = counts.copy() if twelve_months else rolling_12_months(counts, ["count", "ref_count"])
    pop = inputs.population_ethnicity.pivot_table(
        index="force", columns="ethnic_group", values="population", aggfunc="sum"
    )
    rolled["denominator"] = rolled["force"].map(pop[group])
    rolled["ref_denominator"] = rolled["force"].map(pop[REFERENCE_GROUP])
    nat = _national_sum(rolled, ["count", "ref_count", "denominator", "ref_denominator"])
    nat = nat.assign(force=ENGLAND_AND_WALES)
    out = pd.concat([rolled, nat], ignore_index=True)
    group_rate = out["count"] / out["denominator"]
    ref_rate = out["ref_count"] / out["ref_denominator"]
    out["value"] = group_rate / ref_rate.where(ref_rate > 0)
    out["raw_value"] = np.nan
    return out


def all_forces_series(
    measure: Measure, inputs: Any, settings: Settings, forces: ForceRegistry | None = None
) -> pd.DataFrame:
    """The measure for every force (and England and Wales) at every period: steps 1 to 3."""
    forces = forces or default_forces()
    rows = select_rows(measure, inputs)
    if rows is None:  # asked for explicitly: name the source that is missing
        _source_frame(measure, inputs)
    series = rolling_series(measure, period_counts(measure, inputs, rows, forces), inputs, settings)
    assert series is not None
    return series


# ----- one force at one quarter -----------------------------------------------------------------
def _interval(
    measure: Measure, row: pd.Series, settings: Settings
) -> tuple[float | None, float | None]:
    count, den = row.get("count"), row.get("denominator")
    conf = settings.benchmark.confidence
    if count is None or pd.isna(count):
        return None, None
    if measure.is_rate and den and not pd.isna(den) and den > 0:
        return rate_interval(
            count,
            den,
            confidence=conf,
            per=1000.0,
            byar_min_count=settings.benchmark.byar_min_count,
        )
    if measure.is_percent and den and not pd.isna(den) and den > 0:
        low, high = wilson_interval(count, den, confidence=conf)
        return 100 * low, 100 * high
    if measure.unit == "ratio" and row.get("ref_count", 0) > 0 and count >= 0:
        return rate_ratio_interval(
            count, row["denominator"], row["ref_count"], row["ref_denominator"], confidence=conf
        )
    return None, None


def _none_if_nan(x: Any) -> Any:
    if x is None:
        return None
    try:
        return None if math.isnan(float(x)) else (x.item() if hasattr(x, "item") else x)
    except (TypeError, ValueError):
        return x


@dataclass
class Comparison:
    """Step 5: the force against its comparator at the quarter (`compare_with_group`).

    `group` is the ranked comparison group (force, count, denominator, value, rank) where the
    measure is ranked; `history` the comparator's value at every period, for the chart."""

    benchmark: str = bm.NOT_AVAILABLE
    label: str | None = None
    value: float | None = None
    relation: bm.Relation | None = None
    rank: int | None = None
    rank_of: int | None = None
    group: pd.DataFrame | None = None
    history: pd.Series | None = None
    notes: list[str] = field(default_factory=list)


def _history(series: pd.DataFrame, force: str, period: pd.Period) -> pd.DataFrame:
    mine = series[series["force"] == force].sort_values("period")
    return mine[mine["period"] <= period]


def figure_at_quarter(
    measure: Measure,
    series: pd.DataFrame | None,
    quarter: FinancialQuarter,
    force: str,
    settings: Settings,
    inputs: Any = None,
) -> MeasureResult:
    """Step 4, the figure: the force's 12-month count, denominator and value at the quarter
    with its confidence interval (rates: Byar or exact Poisson; percentages: Wilson; ratios:
    exact conditional), the value a year before and England and Wales'. An unavailable
    result (`available` False) says why: source not supplied, a period with no data, ..."""
    result = MeasureResult(measure=measure, force=force, quarter=quarter)
    if series is None:
        result.available = False
        result.unavailable_reason = f"{not_supplied(measure.source)} ({measure.source})."
        result.benchmark = bm.NOT_AVAILABLE
        return result
    period = quarter.period
    mine = series[series["force"] == force].sort_values("period")
    if mine.empty or period not in set(mine["period"]):
        result.available = False
        last = mine["period"].max() if not mine.empty else None
        result.unavailable_reason = (
            f"No {measure.source} data for {force} for the {quarter.year_ending}"
            + (f" (latest: {last.strftime('%B %Y')})." if last is not None else ".")
        )
        return result
    mine = mine[mine["period"] <= period]
    row = mine[mine["period"] == period].iloc[0]
    if measure.is_rate:
        at_quarter = series.loc[
            series["period"] == period, ["force", "count", "denominator", "value"]
        ]
        result.all_forces = at_quarter.reset_index(drop=True)
    if "denominator_year_wanted" in row:
        result.denominator_year_wanted = int(row["denominator_year_wanted"])
        result.denominator_year = _none_if_nan(row["denominator_year"])
        if result.denominator_year is not None:
            result.denominator_year = int(result.denominator_year)
    reason = _unavailable_reason(measure, inputs, row, period, force)
    if reason:
        result.available = False
        result.unavailable_reason = reason
        result.benchmark = bm.NOT_AVAILABLE
        return result
    result.count = _none_if_nan(row.get("count"))
    result.denominator = _none_if_nan(row.get("denominator"))
    result.value = _none_if_nan(row.get("value"))
    result.ci_low, result.ci_high = (_none_if_nan(v) for v in _interval(measure, row, settings))
    previous = mine[mine["period"] == period - 12]
    if not previous.empty:
        result.previous_value = _none_if_nan(previous["value"].iloc[0])
    national = series[series["force"] == ENGLAND_AND_WALES].set_index("period")["value"]
    result.national_value = _none_if_nan(national.get(period))
    return result


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


def trend_input(figure: MeasureResult, series: pd.DataFrame) -> pd.DataFrame:
    """What the trend test reads: the force's series up to the quarter (period, value, count,
    denominator, and the periods' own raw_value, raw_count and raw_denominator where the
    source has them; missing figures NaN)."""
    measure = figure.measure
    history = _history(series, figure.force, figure.quarter.period).set_index("period")
    denominators = history["denominator"].to_numpy() if "denominator" in history else np.nan
    frequency = _frequency_months(history.index)
    # The periods' own counts (and populations or denominators) for the regression methods;
    # sources published as 12-month figures or snapshots have none.
    quarterly = measure.source not in UNROLLED_SOURCES and frequency in (1, 3)

    def raw(column: str) -> Any:
        return history[column].to_numpy() if quarterly and column in history else np.nan

    return pd.DataFrame(
        {
            "period": history.index,
            "value": history["value"].to_numpy(),
            "count": history["count"].to_numpy(),
            "denominator": denominators,
            "raw_value": history["raw_value"].to_numpy() if "raw_value" in history else np.nan,
            "raw_count": raw("raw_count"),
            # PRC rates: the quarter's population is the 12-month figure's (one mid-year estimate)
            "raw_denominator": raw("raw_denominator") if "raw_denominator" in history
            else raw("denominator"),
        }
    )  # fmt: skip


def trend_test(
    figure: MeasureResult, series: pd.DataFrame | None, settings: Settings
) -> TrendResult | None:
    """Step 6, the trend test of `settings.trend` (method, significance level, window) on the
    force's series up to the quarter (`trend_input`): its word, statistic and p-value."""
    if not figure.available or series is None:
        return None
    measure = figure.measure
    history = trend_input(figure, series)
    return trend_outlook(
        history,
        unit=measure.unit,
        settings=settings.trend,
        down_word=measure.trend_down,
        rolled=measure.source not in SNAPSHOT_SOURCES,
        frequency_months=_frequency_months(pd.Index(history["period"])),
    )


def assemble_result(
    figure: MeasureResult,
    comparison: Comparison,
    trend: TrendResult | None,
    series: pd.DataFrame | None,
) -> MeasureResult:
    """Step 7: the figure, its comparison and its trend as one `MeasureResult` (what the page,
    the measures summary and measures.csv show), with the history the chart draws."""
    if not figure.available or series is None:
        return figure
    result = replace(figure, notes=[*figure.notes, *comparison.notes])
    result.benchmark = comparison.benchmark
    result.comparator_label, result.comparator_value = comparison.label, comparison.value
    result.relation = comparison.relation
    result.rank, result.rank_of = comparison.rank, comparison.rank_of
    result.group_values = comparison.group
    result.trend = trend
    history = _history(series, figure.force, figure.quarter.period).set_index("period")
    national = series[series["force"] == ENGLAND_AND_WALES].set_index("period")["value"]
    result.series = pd.DataFrame(
        {
            "period": history.index,
            "force_value": history["value"].to_numpy(),
            "comparator_value": (
                history.index.map(comparison.history).to_numpy(dtype=float)
                if comparison.history is not None
                else np.nan
            ),
            "national_value": history.index.map(national).to_numpy(dtype=float),
            "count": history["count"].to_numpy(),
            "denominator": (
                history["denominator"].to_numpy() if "denominator" in history else np.nan
            ),
        }
    )
    measure = figure.measure
    if result.uses_population_fallback and measure.is_rate:
        kind = "household" if measure.denominator == "households" else "population"
        result.notes.append(
            population_fallback_note(
                result.denominator_year, result.denominator_year_wanted, result.quarter, kind
            )
        )
    return result


def compute_measure(
    measure: Measure,
    inputs: Any,
    quarter: FinancialQuarter,
    force: str,
    settings: Settings,
    forces: ForceRegistry | None = None,
    series: pd.DataFrame | None = None,
) -> MeasureResult:
    """One measure for `force` at `quarter`: the steps above in order (`series`, the
    all-forces series of steps 1-3, when it was made already)."""
    forces = forces or default_forces()
    if series is None and is_supplied(measure, inputs):
        rows = select_rows(measure, inputs)
        counts = period_counts(measure, inputs, rows, forces)
        series = rolling_series(measure, counts, inputs, settings)
    if not is_supplied(measure, inputs):
        series = None
    figure = figure_at_quarter(measure, series, quarter, force, settings, inputs)
    comparison = compare_with_group(figure, series, settings, inputs, forces)
    trend = trend_test(figure, series, settings)
    return assemble_result(figure, comparison, trend, series)


def _missing_periods(source: pd.DataFrame | None, force: str, period: pd.Period) -> list[pd.Period]:
    """The periods inside the 12 months ending at `period` for which the source has no row at all
    for the force, at the source's own step (quarter ends, or months)."""
    if source is None or "period" not in source or "force" not in source:
        return []
    present = set(source.loc[source["force"] == force, "period"])
    step = _step_months(source["period"].unique())
    window = [period - k for k in range(0, 12, step)][::-1]
    if not present or min(present) > window[0]:
        return []  # the data start inside the window: nothing is missing, the window is short
    return [p for p in window if p not in present]


def _unavailable_reason(
    measure: Measure, inputs: Any, row: pd.Series, period: pd.Period, force: str
) -> str:
    """Why the force has no figure at `period`, or "" when it has one.

    A window that includes a period with no data is missing, never the sum of the others; a
    negative 12-month total (Home Office adjustments exceeding the offences recorded) is no
    count and no rate; a rate needs a population estimate at or before the year it wants.
    """
    ending = f"the 12 months ending {period.strftime('%B %Y')}"
    count = _none_if_nan(row.get("count"))
    incomplete = count is None or _none_if_nan(row.get("value")) is None
    gaps = (
        _missing_periods(getattr(inputs, measure.source, None), force, period) if incomplete else []
    )
    if gaps:
        months = ", ".join(p.strftime("%B %Y") for p in gaps)
        kind = "quarter" if all(p.month % 3 == 0 for p in gaps) else "month"
        where = SOURCES[measure.source].path if measure.source in SOURCES else measure.source
        return (
            f"{where} has no data for {force} for the {kind} ending {months}: {ending} are "
            "incomplete, and a missing period is never counted as zero."
        )
    if count is not None and count < 0:
        return (
            f"The 12-month total for {ending} is negative ({count:,.0f}): published adjustments "
            "exceed the offences recorded, so there is no count or rate to show."
        )
    if measure.is_rate and _none_if_nan(row.get("denominator")) is None:
        wanted = row.get("denominator_year_wanted")
        year = f"mid-{int(wanted)} or earlier" if wanted is not None else "the window"
        return f"No population estimate for {year} was supplied for {force}."
    if measure.unit == "ratio" and not _none_if_nan(row.get("ref_count")):
        return (
            f"No records for the {REFERENCE_GROUP} group in {ending}: the ratio has no "
            "reference rate to divide by."
        )
    if incomplete:
        return f"No {measure.source} figure for {force} can be made for {ending}."
    return ""


def _frequency_months(periods: pd.Index) -> int:
    if len(periods) < 2:
        return 3
    steps = np.diff([p.ordinal for p in periods])
    return int(pd.Series(steps).mode().iloc[0])


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
        result.benchmark = bm.NOT_AVAILABLE
        return None
    if comparator == "not_applicable" or measure.polarity == "neutral":
        result.benchmark = bm.NOT_APPLICABLE
        return None
    if comparator in ("msg", "all_forces"):
        return _compare_with_group(result, measure, data, period, settings, forces, members)
    if comparator == "national":
        nat_value = _none_if_nan(national.get(period))
        if nat_value is None or result.value is None:
            result.benchmark = bm.NOT_AVAILABLE
            return None
        result.comparator_value = nat_value
        result.comparator_label = ENGLAND_AND_WALES
        result.relation = _relation_to_rest_of_england_and_wales(
            result, measure, data, period, settings
        )
        result.benchmark = bm.benchmark_for(
            "national", polarity=measure.polarity, unit=measure.unit, relation=result.relation
        )
        return None  # England and Wales is drawn as the national line already
    if comparator == "population_share":
        share = population_share(measure, inputs, force)
        if share is None or result.value is None:
            result.benchmark = bm.NOT_AVAILABLE
            return None
        result.comparator_value = share
        result.comparator_label = "area population (Census 2021)"
        # A Census share is a fixed reference, not estimated from the force's records.
        result.relation = _relation(result, share)
        result.benchmark = bm.benchmark_for(
            "population_share",
            polarity=measure.polarity,
            unit=measure.unit,
            relation=result.relation,
            share=share,
        )
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
        result.benchmark = bm.NOT_AVAILABLE
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
        result.benchmark = bm.benchmark_for(
            "all_forces",
            polarity=measure.polarity,
            unit=measure.unit,
            rank=result.rank,
            size=result.rank_of,
        )
        return None
    if measure.is_rate or measure.is_percent:
        comparison = bm.compare_groups(
            group[["force", "count", "denominator"]],
            force,
            polarity=measure.polarity,
            unit=measure.unit,
            settings=settings.benchmark,
        )
        average, result.benchmark = _none_if_nan(comparison.average), comparison.text
        result.relation = comparison.relation
    else:
        average = _group_average(measure, group)
        result.relation = _relation(result, average)
        result.benchmark = bm.benchmark_for(
            "msg",
            polarity=measure.polarity,
            unit=measure.unit,
            rank=result.rank,
            size=result.rank_of,
            relation=result.relation,
        )
    result.comparator_value = average
    result.comparator_label = "MSG average" if chosen is None else CHOSEN_GROUP_AVERAGE
    if chosen is not None:  # a researcher's group is not the most similar group: not called so
        result.benchmark = result.benchmark.replace("MSG", "group")
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
        total, own = _none_if_nan(n.get(column)), _none_if_nan(m.get(column))
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
    return _relation(result, _none_if_nan(n.get("value")))


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
        return _none_if_nan(bm.weighted_average(group["count"], group["denominator"], per=1000.0))
    if measure.is_percent:
        return _none_if_nan(bm.weighted_average(group["count"], group["denominator"], per=100.0))
    return _none_if_nan(group["value"].mean())


# ----- many measures ----------------------------------------------------------------------------
def compute_measures(
    measures: Sequence[Measure],
    inputs: Any,
    quarter: FinancialQuarter,
    force: str,
    settings: Settings,
    forces: ForceRegistry | None = None,
) -> list[MeasureResult]:
    """Every measure in `measures` for one force, in catalogue order."""
    forces = forces or default_forces()
    return [compute_measure(m, inputs, quarter, force, settings, forces) for m in measures]


def compute_section(
    section_id: str,
    inputs: Any,
    quarter: FinancialQuarter,
    force: str,
    settings: Settings,
    catalogue: Catalogue | None = None,
) -> list[MeasureResult]:
    catalogue = catalogue or default_catalogue()
    return compute_measures(catalogue.measures_of(section_id), inputs, quarter, force, settings)


MEASURES_COLUMNS = [
    "force",
    "is_report_force",
    "measure",
    "section",
    "title",
    "period_end",
    "unit",
    "polarity",
    "count_12m",
    "denominator",
    "denominator_year",
    "denominator_year_wanted",
    "value",
    "rate_per_1000",
    "ci_low",
    "ci_high",
    "previous_value",
    "comparator",
    "msg_average",
    "comparator_value",
    "national_value",
    "msg_rank",
    "rank_of",
    "benchmark",
    "trend",
    "trend_method",
    "trend_statistic",
    "trend_p_value",
    "trend_slope",
    "trend_points",
    "available",
    "note",
]


def measures_table(results: Sequence[MeasureResult]) -> pd.DataFrame:
    """measures.csv: one row per measure for the report's force, then one per comparison force."""
    rows: list[dict[str, Any]] = []
    for r in results:
        m, t = r.measure, r.trend
        base = {
            "measure": m.id,
            "section": m.section,
            "title": m.title,
            "period_end": r.quarter.code,
            "unit": m.unit,
            "polarity": m.polarity,
            "comparator": m.comparator,
        }
        rows.append(
            {
                **base,
                "force": r.force,
                "is_report_force": True,
                "count_12m": r.count,
                "denominator": r.denominator,
                "denominator_year": r.denominator_year,
                "denominator_year_wanted": r.denominator_year_wanted,
                "value": r.value,
                "rate_per_1000": r.value if m.is_rate else None,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
                "previous_value": r.previous_value,
                "msg_average": r.comparator_value if r.comparator_label == "MSG average" else None,
                "comparator_value": r.comparator_value,
                "national_value": r.national_value,
                "msg_rank": r.rank,
                "rank_of": r.rank_of,
                "benchmark": r.benchmark,
                "trend": r.trend_word,
                "trend_method": t.method if t else None,
                "trend_statistic": t.statistic if t else None,
                "trend_p_value": t.p_value if t else None,
                "trend_slope": t.slope if t else None,
                "trend_points": t.n_points if t else None,
                "available": r.available,
                "note": " ".join([r.unavailable_reason, *r.notes]).strip(),
            }
        )
        if r.group_values is not None:
            for g in r.group_values.itertuples(index=False):
                if g.force == r.force:
                    continue
                rows.append(
                    {
                        **base,
                        "force": g.force,
                        "is_report_force": False,
                        "count_12m": g.count,
                        "denominator": g.denominator,
                        "value": g.value,
                        "rate_per_1000": g.value if m.is_rate else None,
                        "msg_rank": g.rank,
                        "rank_of": r.rank_of,
                        "msg_average": r.comparator_value
                        if r.comparator_label == "MSG average"
                        else None,
                        "available": True,
                    }
                )
    return pd.DataFrame(rows, columns=MEASURES_COLUMNS)


def measures_table_for(
    inputs: Any,
    quarter: FinancialQuarter,
    force: str,
    settings: Settings,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """measures.csv for one force and quarter, every measure of the catalogue."""
    catalogue = catalogue or default_catalogue()
    return measures_table(compute_measures(catalogue.measures, inputs, quarter, force, settings))


# Fixed float format: the same inputs must give byte-identical files on every machine.
_CSV_FORMAT: dict[str, Any] = {"index": False, "float_format": "%.10g", "lineterminator": "\n"}


def write_measures_csv(table: pd.DataFrame, path: Path) -> None:
    table.to_csv(path, **_CSV_FORMAT)


def measures_csv_text(table: pd.DataFrame, *, header: bool = True) -> str:
    """The text `write_measures_csv` writes for `table` (without its header row on request)."""
    return str(table.to_csv(header=header, **_CSV_FORMAT))


# ----- command line -----------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """`python -m helpers measures`: the measures table without running any notebook."""
    from helpers.inputs.datasets import load_inputs

    parser = argparse.ArgumentParser(prog="python -m helpers measures", description=main.__doc__)
    parser.add_argument(
        "--quarter", default=None, help="e.g. 2024-03 or '2023/24 Q4' (default: latest)"
    )
    parser.add_argument("--force", default=None, help="force name, or 'all' for every force")
    parser.add_argument(
        "--data-dir", default=None, help="data folder (default from params/report.yaml)"
    )
    parser.add_argument("--out", default="measures.csv", help="CSV file to write")
    parser.add_argument(
        "--prc", default=None, help="Home Office PRC file as published (CSV, CSV.gz, ODS, XLSX)"
    )
    parser.add_argument(
        "--population",
        nargs="+",
        default=None,
        help="ONS population file(s): the tidy form, or tables P9 and P10 together",
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings(
            force=args.force if args.force != "all" else None, data_dir=args.data_dir
        )
        from helpers.core.paths import resolve

        data_dir = resolve(settings.data_dir)
        if args.prc or args.population:
            from helpers.inputs.published import named_files_folder

            data_dir = named_files_folder(
                prc=args.prc, population=args.population, base=args.data_dir and data_dir
            )
        inputs = load_inputs(data_dir)
        forces = default_forces()
        # The same checks as a build: the quarter against the data, and a population estimate
        # for every window the requested quarter needs (not for every year of a long history).
        preflight = check_report(
            inputs, args.quarter or settings.quarter, forces.canonical(settings.force), settings, []
        )
        quarter = preflight.quarter
        for warning in preflight.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        names = forces.names if args.force == "all" else [forces.canonical(settings.force)]
        catalogue = default_catalogue()
        series = {
            m.id: all_forces_series(m, inputs, settings, forces)
            for m in catalogue.measures
            if m.source not in inputs.missing
        }
        results = [
            compute_measure(m, inputs, quarter, name, settings, forces, series=series.get(m.id))
            for name in names
            for m in catalogue.measures
        ]
        table = measures_table(results)
        if args.force == "all":
            table = table[table["is_report_force"]]
        write_measures_csv(table, Path(args.out))
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(table)} rows to {args.out}")
    return 0
