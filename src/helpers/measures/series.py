"""Steps 1 to 3 of a measure, for every force at every period: the input rows, the complete
period grid and the 12-month rolling series.

The all-forces series holds the 12-month numerator (`count`), the 12-month denominator, the
measure's `value`, and the period's own, not-rolled `raw_value` that the seasonal trend test
uses. England and Wales is added as one more "force" by summing numerators and denominators.
How each figure is made is written once, here, from the catalogue's declaration.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers.core.config import Measure, Settings
from helpers.core.forces import ENGLAND_AND_WALES, ForceRegistry, default_forces
from helpers.inputs.published import is_year_ending
from helpers.measures.result import MeasureError
from helpers.stats.rates import attach_denominators, rate_per_1000
from helpers.stats.rolling import rolling_12_months

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
# The census tables of residents by ethnic group, by census year.
CENSUS_SOURCES = {2011: "population_ethnicity_2011", 2021: "population_ethnicity"}


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
    """The sum of each force and period's figures; missing (NaN) where every one of them is
    missing (a publisher's "no figure"), never 0."""
    return (
        frame.groupby(["force", "period"], observed=True)[column]
        .sum(min_count=1)
        .rename(name)
        .reset_index()
    )


def full_period_range(periods: Sequence[pd.Period]) -> list[pd.Period]:
    """Every period from the first to the last at the data's own step: quarter ends when every
    period is a quarter end, otherwise every month. A period absent from the data is in it."""
    if len(periods) == 0:
        return []
    return list(pd.period_range(min(periods), max(periods), freq="M"))[:: step_months(periods)]


def step_months(periods: Iterable[pd.Period]) -> int:
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


def source_frame(measure: Measure, inputs: Any) -> pd.DataFrame:
    """The table of the measure's source in `inputs`; MeasureError naming an unknown source."""
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
    frame = source_frame(measure, inputs)
    if measure.unit == "ratio":
        return frame[frame["ethnic_group"].isin([*ratio_groups(measure), REFERENCE_GROUP])]
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
    frame = source_frame(measure, inputs)
    reported = frame[frame["force"] != ENGLAND_AND_WALES]
    if measure.unit == "ratio":
        column, groups = measure.numerator["column"], ratio_groups(measure)
        keys = ["force", "period", "ethnic_group"]
        # A group with rows but no published figure is missing (NaN); a group without rows,
        # in a period the force reported, had none (0).
        sums = rows.groupby(keys, observed=True)[column].sum(min_count=1).unstack()
        has_rows = rows.groupby(keys, observed=True).size().unstack().notna()
        counts = sums.where(sums.notna() | has_rows, 0.0)
        counts = counts.reindex(columns=[*groups, REFERENCE_GROUP], fill_value=0)
        # Several groups (people other than White): their sum, missing where one is missing.
        counts = pd.DataFrame(
            {
                "count": counts[groups].sum(axis=1, min_count=len(groups)),
                "ref_count": counts[REFERENCE_GROUP],
            }
        ).reset_index()
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
        data = data.merge(den, on=["force", "period"], how="outer", indicator=True)
        # A force and period without selected rows on one side had none: 0. A published
        # "no figure" (NaN from rows that were there) stays missing.
        data.loc[data["_merge"] == "right_only", "count"] = 0
        data.loc[data["_merge"] == "left_only", "denominator"] = 0
        data = data.drop(columns="_merge")
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
    frame = source_frame(measure, inputs)
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


def ratio_groups(measure: Measure) -> list[str]:
    """The ethnic group(s) a disproportionality ratio compares with White: one group, or a
    list of them counted together (people other than White)."""
    group = measure.numerator["group"]
    return list(group) if isinstance(group, (list, tuple)) else [group]


def census_populations(inputs: Any) -> dict[int, pd.DataFrame]:
    """{census year: residents by force (rows) and ethnic group (columns)} of the censuses
    supplied (Census 2021 `population_ethnicity`, Census 2011 `population_ethnicity_2011`)."""
    out = {}
    for year, source in CENSUS_SOURCES.items():
        if source in getattr(inputs, "missing", set()):
            continue
        table = getattr(inputs, source, None)
        if table is None:
            continue
        out[year] = table.pivot_table(
            index="force", columns="ethnic_group", values="population", aggfunc="sum"
        )
    return out


def census_for(period: pd.Period, censuses: Iterable[int]) -> int:
    """The census whose residents are the denominator of the 12 months ending at `period`: the
    latest census held before the 12 months began (Census 2011 up to the year ending March
    2021, Census 2021 from the year ending March 2022), else the nearest census supplied."""
    supplied = sorted(censuses)
    if not supplied:
        raise MeasureError("no census population by ethnic group was supplied")
    start = period - 11  # the window's first month; census day is in March
    held = [year for year in supplied if pd.Period(f"{year}-04", freq="M") <= start]
    return held[-1] if held else supplied[0]


def _ratios(measure: Measure, counts: pd.DataFrame, inputs: Any) -> pd.DataFrame:
    """Disproportionality: the group's rate per 1,000 residents over the White rate."""
    groups = ratio_groups(measure)
    # Annual publications (use of force) are already 12-month figures: not rolled again.
    twelve_months = _whole_years(counts)
    rolled = counts.copy() if twelve_months else rolling_12_months(counts, ["count", "ref_count"])
    censuses = census_populations(inputs)
    rolled["census"] = rolled["period"].map(lambda p: census_for(p, censuses))
    rolled["denominator"] = np.nan
    rolled["ref_denominator"] = np.nan
    for year, pop in censuses.items():
        here = rolled["census"] == year
        forces = rolled.loc[here, "force"]
        residents = pop.reindex(columns=groups).sum(axis=1, min_count=len(groups))
        rolled.loc[here, "denominator"] = forces.map(residents).astype(float)
        rolled.loc[here, "ref_denominator"] = forces.map(pop.get(REFERENCE_GROUP, {})).astype(float)
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
        source_frame(measure, inputs)
    series = rolling_series(measure, period_counts(measure, inputs, rows, forces), inputs, settings)
    assert series is not None
    return series


def force_history(series: pd.DataFrame, force: str, period: pd.Period) -> pd.DataFrame:
    """One force's rows of an all-forces series up to `period`, oldest first."""
    mine = series[series["force"] == force].sort_values("period")
    return mine[mine["period"] <= period]
