"""Step 4 of a measure: the force's figure at the quarter, its confidence interval, and why a
figure is unavailable when it is."""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers.core.config import Measure, Settings
from helpers.core.forces import ENGLAND_AND_WALES
from helpers.core.quarters import FinancialQuarter
from helpers.inputs.published import is_year_ending
from helpers.inputs.schemas import SOURCES, not_supplied
from helpers.measures.result import MeasureResult, none_if_nan
from helpers.measures.series import REFERENCE_GROUP, SNAPSHOT_SOURCES, ratio_groups, step_months
from helpers.stats import benchmark as bm
from helpers.stats.intervals import rate_interval, rate_ratio_interval, wilson_interval


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
        result.benchmark = bm.Benchmark()
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
        if measure.source in SNAPSHOT_SOURCES:
            # A headcount is at a date: the file's last snapshot says how far it reaches.
            source = SOURCES[measure.source]
            what = source.description[:1].lower() + source.description[1:]
            earlier = mine.loc[mine["period"] < period, "period"]
            nearest = (
                f" (its latest before then is {earlier.max().strftime('%B %Y')})."
                if not earlier.empty
                else f" (its first is {mine['period'].min().strftime('%B %Y')})."
                if not mine.empty
                else "."
            )
            result.unavailable_reason = (
                f"{source.path} ({what}) has no snapshot for {force} at the end of "
                f"{period.strftime('%B %Y')}{nearest}"
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
        result.denominator_year = none_if_nan(row["denominator_year"])
        if result.denominator_year is not None:
            result.denominator_year = int(result.denominator_year)
    reason = _unavailable_reason(measure, inputs, row, period, force)
    if reason:
        result.available = False
        result.unavailable_reason = reason
        result.benchmark = bm.Benchmark()
        return result
    result.count = none_if_nan(row.get("count"))
    result.denominator = none_if_nan(row.get("denominator"))
    result.value = none_if_nan(row.get("value"))
    result.ci_low, result.ci_high = (none_if_nan(v) for v in _interval(measure, row, settings))
    previous = mine[mine["period"] == period - 12]
    if not previous.empty:
        result.previous_value = none_if_nan(previous["value"].iloc[0])
    national = series[series["force"] == ENGLAND_AND_WALES].set_index("period")["value"]
    result.national_value = none_if_nan(national.get(period))
    return result


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


def _unavailable_reason(
    measure: Measure, inputs: Any, row: pd.Series, period: pd.Period, force: str
) -> str:
    """Why the force has no figure at `period`, or "" when it has one.

    A window that includes a period with no data is missing, never the sum of the others; a
    negative 12-month total (Home Office adjustments exceeding the offences recorded) is no
    count and no rate; a rate needs a population estimate at or before the year it wants.
    """
    ending = f"the 12 months ending {period.strftime('%B %Y')}"
    count = none_if_nan(row.get("count"))
    incomplete = count is None or none_if_nan(row.get("value")) is None
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
    unpublished = _unpublished_column(measure, inputs, force, period) if incomplete else None
    if unpublished:
        where = SOURCES[measure.source].path if measure.source in SOURCES else measure.source
        return (
            f"{where} has no {unpublished} figure for {force} for {ending}: the publisher "
            "gives none (a blank is not published, never counted as zero)."
        )
    if count is not None and count < 0:
        return (
            f"The 12-month total for {ending} is negative ({count:,.0f}): published adjustments "
            "exceed the offences recorded, so there is no count or rate to show."
        )
    if measure.is_rate and none_if_nan(row.get("denominator")) is None:
        wanted = row.get("denominator_year_wanted")
        year = f"mid-{int(wanted)} or earlier" if wanted is not None else "the window"
        return f"No population estimate for {year} was supplied for {force}."
    if measure.unit == "ratio" and not none_if_nan(row.get("ref_count")):
        return (
            f"No records for the {REFERENCE_GROUP} group in {ending}: the ratio has no "
            "reference rate to divide by."
        )
    if incomplete:
        return f"No {measure.source} figure for {force} can be made for {ending}."
    return ""


def _unpublished_column(measure: Measure, inputs: Any, force: str, period: pd.Period) -> str:
    """The measure's numerator column where the force's rows at `period` are all blank (the
    publisher gives no figure: the Home Office police powers tables have no positive outcomes),
    else ""."""
    source = getattr(inputs, measure.source, None) if inputs is not None else None
    column = measure.numerator.get("column")
    if source is None or column not in getattr(source, "columns", ()) or "period" not in source:
        return ""
    mine = source[(source["force"] == force) & (source["period"] == period)]
    if measure.unit == "ratio":  # one blank group leaves the ratio without a figure
        mine = mine[mine["ethnic_group"].isin([*ratio_groups(measure), REFERENCE_GROUP])]
        blank = mine.loc[mine[column].isna(), "ethnic_group"]
        return f"{column} ({', '.join(blank)})" if len(blank) else ""
    return column if len(mine) and bool(mine[column].isna().all()) else ""


def _missing_periods(source: pd.DataFrame | None, force: str, period: pd.Period) -> list[pd.Period]:
    """The periods inside the 12 months ending at `period` for which the source has no row at all
    for the force, at the source's own step (quarter ends, or months); none for an annual table
    (one row a year already covers the 12 months)."""
    if source is None or "period" not in source or "force" not in source:
        return []
    if is_year_ending(source):
        return []
    present = set(source.loc[source["force"] == force, "period"])
    step = step_months(source["period"].unique())
    window = [period - k for k in range(0, 12, step)][::-1]
    if not present or min(present) > window[0]:
        return []  # the data start inside the window: nothing is missing, the window is short
    return [p for p in window if p not in present]
