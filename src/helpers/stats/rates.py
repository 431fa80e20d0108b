"""Rates per 1,000 and the choice of population or household denominator.

A 12-month rate divides the events of the window by the mid-year estimate of the Police Force
Area. Which year's estimate is a rule (`params/report.yaml`, `population.rule`):

* ``period_midpoint``: the calendar year of the window's midpoint month, ``(period_end - 6).year``.
  The year ending March 2024 (April 2023 to March 2024) uses mid-2023; the year ending September
  2024 uses mid-2024.

ONS publishes estimates a year or more in arrears, so the year wanted is often not published yet.
Then the latest earlier year is used, as ONS does in its own tables, and the `Denominator` records
both years so that the report can say so. A year whose value is missing (households are published
on a different schedule from population) counts as not published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from helpers.core.exceptions import ConfigError, InputProblem, InputValidationError
from helpers.core.quarters import FinancialQuarter

POPULATION_RULES = ("period_midpoint",)
DENOMINATOR_KINDS = ("population", "households")
PER = 1000.0

DenominatorKind = Literal["population", "households"]


@dataclass(frozen=True)
class Denominator:
    """The denominator used for one force and window, and which estimate year it came from."""

    value: float
    year_used: int
    year_wanted: int

    @property
    def is_fallback(self) -> bool:
        """True when the wanted year is not published and an earlier estimate stands in."""
        return self.year_used != self.year_wanted

    def note(self, quarter: FinancialQuarter, kind: str = "population") -> str:
        """The sentence the report prints when a fallback was used, else an empty string."""
        if not self.is_fallback:
            return ""
        return population_fallback_note(self.year_used, self.year_wanted, quarter, kind)


# ONS's "Crime in England and Wales" bulletin for a quarter appears about four months after the
# quarter ends (the year ending June 2023 on 26 October 2023): the report's figures are public
# then, and a population estimate published by that date could have been used.
CRIME_PUBLICATION_LAG_MONTHS = 4
# ONS has published the mid-year estimates for England and Wales no earlier than late June of
# the following year (mid-2019 on 24 June 2020, mid-2020 on 25 June 2021); most years later.
EARLIEST_ESTIMATE_MONTH = 6


def could_be_published(mid_year: int, quarter: FinancialQuarter) -> bool:
    """Whether the mid-`mid_year` estimate could have been published by the time the quarter's
    crime figures were (its end plus `CRIME_PUBLICATION_LAG_MONTHS`)."""
    published_by = quarter.period + CRIME_PUBLICATION_LAG_MONTHS
    earliest = pd.Period(year=mid_year + 1, month=EARLIEST_ESTIMATE_MONTH, freq="M")
    return published_by >= earliest


def population_fallback_note(
    year_used: int, year_wanted: int, quarter: FinancialQuarter, kind: str = "population"
) -> str:
    """ "Rates use the mid-2018 population estimate; mid-2022 was not supplied."

    "Not yet published" is said only when the wanted estimate could not have been published by
    the time the quarter's figures were; otherwise the estimate exists, or may, and the true
    statement is that it was not supplied.
    """
    missing = (
        "was not supplied" if could_be_published(year_wanted, quarter) else "is not yet published"
    )
    return f"Rates use the mid-{year_used} {kind} estimate; mid-{year_wanted} {missing}."


# ----- rates ------------------------------------------------------------------------------------
def rate_per_1000(count: ArrayLike, denominator: ArrayLike) -> float | np.ndarray:
    """Events per 1,000 of the denominator (residents or households).

    Works on scalars (returns a float) and on arrays or Series (returns an array, element by
    element). A denominator that is missing, zero or negative gives NaN rather than an infinite
    or negative rate: a rate cannot be made from it, and NaN keeps that visible downstream.
    """
    scalar = np.ndim(count) == 0 and np.ndim(denominator) == 0
    counts = np.asarray(count, dtype=np.float64)
    denominators = np.asarray(denominator, dtype=np.float64)
    usable = denominators > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = np.where(usable, counts / np.where(usable, denominators, 1.0) * PER, np.nan)
    return float(rates) if scalar else rates


# ----- which year ---------------------------------------------------------------------------------
def population_year_wanted(
    period_end: pd.Period | FinancialQuarter, rule: str = "period_midpoint"
) -> int:
    """The mid-year estimate a 12-month window ending with `period_end` should use.

    >>> population_year_wanted(pd.Period("2024-03", freq="M"))
    2023
    >>> population_year_wanted(pd.Period("2024-09", freq="M"))
    2024
    """
    _check_rule(rule)
    end = _as_month(period_end)
    return int((end - 6).year)


def _wanted_years(periods: pd.Series, rule: str) -> np.ndarray:
    """`population_year_wanted` for a whole column of monthly Periods at once."""
    _check_rule(rule)
    year = periods.dt.year.to_numpy(dtype=np.int64)
    month = periods.dt.month.to_numpy(dtype=np.int64)
    # (period - 6).year: months 1-6 fall back into the previous calendar year.
    return np.where(month >= 7, year, year - 1)


def _check_rule(rule: str) -> None:
    if rule not in POPULATION_RULES:
        raise ConfigError(f"population.rule '{rule}' is not one of {', '.join(POPULATION_RULES)}")


def _check_kind(kind: str) -> None:
    if kind not in DENOMINATOR_KINDS:
        raise ValueError(f"denominator kind must be one of {DENOMINATOR_KINDS}, got '{kind}'")


def _as_month(period_end: pd.Period | FinancialQuarter) -> pd.Period:
    if isinstance(period_end, FinancialQuarter):
        return period_end.period
    if isinstance(period_end, pd.Period):
        return period_end.asfreq("M", how="end")
    raise TypeError(
        f"period_end must be a monthly pandas Period or a FinancialQuarter, "
        f"got {type(period_end).__name__}"
    )


# ----- one force --------------------------------------------------------------------------------
def select_denominator(
    population: pd.DataFrame,
    force: str,
    period_end: pd.Period | FinancialQuarter,
    kind: DenominatorKind = "population",
    rule: str = "period_midpoint",
    *,
    source: str = "population",
) -> Denominator:
    """The denominator of `force` for the 12-month window ending `period_end`.

    `population` has columns force, mid_year, population, households. The wanted year comes
    from `rule`; if it has no published (non-missing) value the latest earlier year with one is
    used and `Denominator.is_fallback` is True. Raises `InputValidationError` naming the force,
    the kind and the year when no estimate at or before the wanted year exists, or when the
    table holds two different values for the same force and year.
    """
    _check_kind(kind)
    wanted = population_year_wanted(period_end, rule)
    _check_population_columns(population, kind)
    rows = population.loc[population["force"] == force, ["mid_year", kind]]
    _check_unique_years(
        rows.rename(columns={"mid_year": "denominator_year", kind: "denominator"}).assign(
            force=force
        ),
        kind,
        source,
    )
    published = rows.loc[rows[kind].notna() & (rows["mid_year"] <= wanted)]
    if published.empty:
        raise InputValidationError([_no_estimate_problem(rows, force, kind, wanted, source)])
    best = published.loc[published["mid_year"].idxmax()]
    return Denominator(value=float(best[kind]), year_used=int(best["mid_year"]), year_wanted=wanted)


def _check_population_columns(population: pd.DataFrame, kind: str) -> None:
    missing = [c for c in ("force", "mid_year", kind) if c not in population.columns]
    if missing:
        raise KeyError(
            f"population table has no column(s) {', '.join(map(repr, missing))}; "
            "expected force, mid_year, population, households"
        )


def _no_estimate_problem(
    rows: pd.DataFrame, force: str, kind: str, wanted: int, source: str
) -> InputProblem:
    if rows.empty:
        detail = "the force is not in the population table"
    elif rows[kind].notna().any():
        first = int(rows.loc[rows[kind].notna(), "mid_year"].min())
        detail = f"the earliest {kind} estimate is mid-{first}"
    else:
        detail = f"every {kind} value for the force is missing"
    return InputProblem(
        file=source,
        column=kind,
        value=wanted,
        message=f"{force}: no {kind} estimate for mid-{wanted} or earlier ({detail})",
    )


# ----- whole series ---------------------------------------------------------------------------
def attach_denominators(
    frame: pd.DataFrame,
    population: pd.DataFrame,
    kind: DenominatorKind = "population",
    rule: str = "period_midpoint",
    *,
    source: str = "population",
    when_missing: Literal["raise", "nan"] = "raise",
) -> pd.DataFrame:
    """`frame` with columns denominator, denominator_year and denominator_year_wanted added.

    `frame` is tidy with force and period (the end of each 12-month window). Each row gets the
    same denominator `select_denominator` would give it, but the whole table is matched at once:
    the distinct (force, wanted year) pairs are matched to the latest published year with
    `pandas.merge_asof`, then joined back. Row order and index of `frame` are kept; existing
    columns of those names are replaced. A window with no estimate at or before the year it
    wants raises `InputValidationError` listing every such force and year; with
    ``when_missing="nan"`` its denominator and denominator_year are missing instead (a long
    history may start before the earliest estimate supplied; which windows a report needs is
    checked by `helpers.inputs.preflight`).
    """
    if when_missing not in ("raise", "nan"):
        raise ValueError(f"when_missing must be 'raise' or 'nan', got {when_missing!r}")
    _check_kind(kind)
    _check_population_columns(population, kind)
    for column in ("force", "period"):
        if column not in frame.columns:
            raise KeyError(f"attach_denominators: the table has no column '{column}'")

    wanted = pd.Series(_wanted_years(frame["period"], rule), index=frame.index)
    pairs = (
        pd.DataFrame({"force": frame["force"].to_numpy(), "denominator_year_wanted": wanted})
        .drop_duplicates()
        .sort_values("denominator_year_wanted", kind="stable")
    )
    published = (
        population.loc[population[kind].notna(), ["force", "mid_year", kind]]
        .rename(columns={kind: "denominator", "mid_year": "denominator_year"})
        .astype({"denominator_year": np.int64, "denominator": np.float64})
    )
    _check_unique_years(published, kind, source)
    published = published.drop_duplicates().sort_values("denominator_year", kind="stable")
    matched = pd.merge_asof(
        pairs.astype({"denominator_year_wanted": np.int64}),
        published,
        left_on="denominator_year_wanted",
        right_on="denominator_year",
        by="force",
        direction="backward",
    )
    unmatched = matched.loc[matched["denominator"].isna()]
    if not unmatched.empty and when_missing == "raise":
        problems = [
            _no_estimate_problem(
                population.loc[population["force"] == row.force, ["mid_year", kind]],
                str(row.force),
                kind,
                int(row.denominator_year_wanted),
                source,
            )
            for row in unmatched.sort_values(["force", "denominator_year_wanted"]).itertuples()
        ]
        raise InputValidationError(problems)

    lookup = matched.set_index(["force", "denominator_year_wanted"])
    keys = pd.MultiIndex.from_arrays([frame["force"].to_numpy(), wanted.to_numpy()])
    found = lookup.reindex(keys)
    out = frame.copy()
    out["denominator"] = found["denominator"].to_numpy()
    years = found["denominator_year"].to_numpy()
    out["denominator_year"] = years.astype(np.int64) if not np.isnan(years).any() else years
    out["denominator_year_wanted"] = wanted.to_numpy()
    return out


def _check_unique_years(published: pd.DataFrame, kind: str, source: str) -> None:
    """Two different estimates for one force and year make the choice arbitrary: refuse them."""
    counts = published.groupby(["force", "denominator_year"])["denominator"].nunique()
    clashes = counts[counts > 1]
    if not clashes.empty:
        raise InputValidationError(
            [
                InputProblem(
                    file=source,
                    column=kind,
                    value=int(year),
                    message=f"{force}: more than one {kind} estimate for mid-{int(year)}",
                )
                for force, year in clashes.index
            ]
        )
