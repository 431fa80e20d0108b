"""The comparison the Commissioner's report makes in its disproportionality comments: how many
times as often a police power is used on people other than White as on White people, per 1,000
residents of each (Census), the force against England and Wales.

"Other than White" pools the Asian, Black, Mixed and Other groups; records whose ethnicity was
not recorded count in neither rate. England and Wales is every force with a complete 12 months.
The force's interval is the exact conditional interval of the rate ratio
(`stats.intervals.rate_ratio_interval`), and it is compared with England and Wales without the
force, as every England and Wales comparison in the report is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from helpers.core.exceptions import InputNotSupplied
from helpers.core.quarters import FinancialQuarter
from helpers.stats.benchmark import Relation, relation_to_average
from helpers.stats.intervals import rate_ratio_interval

# The groups pooled as "other than White" (the Census's and the recording's broad groups).
OTHER_THAN_WHITE = ("Asian", "Black", "Mixed", "Other")
WHITE = "White"
# What each source counts, and how many of its periods a 12-month window holds.
COUNTED = {"stop_search": ("searches", 12), "use_of_force": ("incidents", 4)}


@dataclass(frozen=True)
class GroupRates:
    """One area's 12-month counts and Census residents, other than White and White."""

    count: float
    residents: float
    white_count: float
    white_residents: float

    @property
    def ratio(self) -> float | None:
        """(count / residents) / (white_count / white_residents); None where undefined."""
        if min(self.residents, self.white_residents) <= 0 or self.white_count <= 0:
            return None
        return (self.count / self.residents) / (self.white_count / self.white_residents)


@dataclass(frozen=True)
class OtherThanWhite:
    """The rate ratio, other than White to White, of the force and of England and Wales.

    `ci_low`/`ci_high` the force's interval at `confidence`; `relation` the force against
    England and Wales without it ("above": used relatively more often on people other than
    White); `reason` says why a figure is missing (None when both are there)."""

    source: str
    force: str
    quarter: FinancialQuarter
    force_rates: GroupRates | None
    national_rates: GroupRates | None
    ci_low: float | None = None
    ci_high: float | None = None
    relation: Relation | None = None
    confidence: float = 0.95
    forces_in_national: int = 0
    reason: str | None = None

    @property
    def ratio(self) -> float | None:
        return None if self.force_rates is None else self.force_rates.ratio

    @property
    def national_ratio(self) -> float | None:
        return None if self.national_rates is None else self.national_rates.ratio


def other_than_white(
    inputs: Any,
    source: str,
    force: str,
    quarter: FinancialQuarter,
    confidence: float = 0.95,
) -> OtherThanWhite:
    """The force's and England and Wales's ratio for `source` (``stop_search`` or
    ``use_of_force``) over the 12 months to `quarter`, from the tidy inputs (the source's table
    and `population_ethnicity`)."""
    if source not in COUNTED:
        raise ValueError(f"source must be one of {sorted(COUNTED)}, got {source!r}")
    column, periods = COUNTED[source]
    frame = _supplied(inputs, source)
    population = _supplied(inputs, "population_ethnicity")
    if frame is None or population is None:
        missing = source if frame is None else "population_ethnicity"
        return OtherThanWhite(source, force, quarter, None, None, reason=f"{missing} not supplied")
    first, last = quarter.window(12)
    window = frame[frame["period"].between(first, last)]
    complete = window.groupby("force")["period"].nunique()
    complete = set(complete[complete == periods].index)
    rates = {f: _rates(window, population, f, column) for f in sorted(complete)}
    national = _pooled([r for r in rates.values() if r is not None])
    mine = rates.get(force)
    if mine is None:
        why = "no complete 12 months" if force not in complete else "no Census residents"
        return OtherThanWhite(
            source, force, quarter, None, national, confidence=confidence,
            forces_in_national=len(rates), reason=f"{force}: {why}",
        )  # fmt: skip
    low, high = rate_ratio_interval(
        mine.count, mine.residents, mine.white_count, mine.white_residents, confidence
    )
    others = [r for f, r in rates.items() if f != force and r is not None]
    rest = _pooled(others).ratio if others else None
    relation = None
    if mine.ratio is not None and rest is not None and not pd.isna(low) and not pd.isna(high):
        relation = relation_to_average(mine.ratio, low, high, rest)
    return OtherThanWhite(
        source, force, quarter, mine, national, low, high, relation, confidence,
        forces_in_national=len(rates),
    )  # fmt: skip


def _supplied(inputs: Any, name: str) -> pd.DataFrame | None:
    """The tidy table, or None where the data folder does not hold it."""
    try:
        return getattr(inputs, name, None)
    except InputNotSupplied:
        return None


def _rates(
    window: pd.DataFrame, population: pd.DataFrame, force: str, column: str
) -> GroupRates | None:
    counts = window[window["force"] == force].groupby("ethnic_group")[column].sum()
    residents = population[population["force"] == force].set_index("ethnic_group")["population"]
    if WHITE not in residents.index or not residents.index.isin(OTHER_THAN_WHITE).any():
        return None
    return GroupRates(
        count=float(counts.reindex(OTHER_THAN_WHITE).fillna(0).sum()),
        residents=float(residents.reindex(OTHER_THAN_WHITE).fillna(0).sum()),
        white_count=float(counts.get(WHITE, 0)),
        white_residents=float(residents[WHITE]),
    )


def _pooled(areas: list[GroupRates]) -> GroupRates | None:
    if not areas:
        return None
    return GroupRates(
        count=sum(a.count for a in areas),
        residents=sum(a.residents for a in areas),
        white_count=sum(a.white_count for a in areas),
        white_residents=sum(a.white_residents for a in areas),
    )


__all__ = ["OTHER_THAN_WHITE", "GroupRates", "OtherThanWhite", "other_than_white"]
