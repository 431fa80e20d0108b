"""Checks of the inputs against the report asked for, made after validation and before any
notebook runs: does the data cover the quarter, does every force have a population estimate
for every 12-month window the measures need, and which optional extracts the chosen sections
will miss.

Validation (`helpers.inputs.validation`) checks each file against its own contract; these checks
need the quarter and the sections, so the build runs them once those are known. An error here stops
the build with nothing written; a warning is printed, listed in the build summary and recorded
in manifest.json, and the report itself says the same on the page concerned (a section without
its local extract says "Local data not supplied"; a rate using an earlier population estimate
says so).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from helpers.core.config import Catalogue, Settings, default_catalogue
from helpers.core.exceptions import InputProblem, InputValidationError
from helpers.core.forces import default_forces
from helpers.core.quarters import FinancialQuarter, quarter_range, resolve_quarter
from helpers.inputs.schemas import SOURCES, not_supplied
from helpers.stats.rates import attach_denominators

POPULATION_FILE = SOURCES["population"].path


@dataclass(frozen=True)
class Preflight:
    """The quarter the build reports on and the warnings it must show."""

    quarter: FinancialQuarter
    warnings: list[str] = field(default_factory=list)


def reportable_quarters(inputs: Any) -> tuple[FinancialQuarter, FinancialQuarter | None]:
    """(latest, earliest) quarters a report can be built for: the latest quarter of police
    recorded crime, and the first whose 12 months the recorded-crime data cover entirely
    (None when the inputs carry no recorded-crime table, as in the build's own tests)."""
    latest = FinancialQuarter.parse(inputs.latest_quarter)
    prc = getattr(inputs, "prc", None)
    if prc is None or len(prc) == 0:
        return latest, None
    first = FinancialQuarter.parse(prc["period"].min())
    return latest, first + 3


def population_problems(
    population: pd.DataFrame,
    periods: Iterable[pd.Period],
    forces: Iterable[str],
    rule: str,
) -> list[InputProblem]:
    """Every force and year for which no population (or household) estimate exists at or before
    the year a 12-month rate ending in one of `periods` wants."""
    grid = pd.MultiIndex.from_product(
        [sorted(forces), sorted(set(periods))], names=["force", "period"]
    ).to_frame(index=False)
    problems: list[InputProblem] = []
    for kind in ("population", "households"):
        try:
            attach_denominators(grid, population, kind, rule, source=POPULATION_FILE)
        except InputValidationError as exc:
            problems.extend(
                InputProblem(p.file, p.message, column="mid_year", value=p.value)
                for p in exc.problems
            )
    return problems


def periods_needed(
    quarter: FinancialQuarter, earliest: FinancialQuarter, settings: Settings
) -> list[pd.Period]:
    """The ends of the 12-month windows a report prints or tests: the quarter, the same quarter a
    year before (the "12 months earlier" figure) and every quarter of the trend window.

    Only these need a population estimate: a long history may start before the earliest
    estimate supplied (a chart then starts where the rates do).
    """
    back = max(settings.trend.window_quarters, 5) - 1
    first = max(quarter - back, earliest)
    return [q.period for q in quarter_range(first, quarter)]


def population_fallbacks(
    population: pd.DataFrame, quarter: FinancialQuarter, force: str, rule: str
) -> list[str]:
    """Warnings for the report's force and quarter where the wanted mid-year estimate is not
    published and an earlier one is used."""
    warnings = []
    frame = pd.DataFrame({"force": [force], "period": [quarter.period]})
    for kind in ("population", "households"):
        row = attach_denominators(frame, population, kind, rule, source=POPULATION_FILE).iloc[0]
        used, wanted = int(row["denominator_year"]), int(row["denominator_year_wanted"])
        if used != wanted:
            warnings.append(
                f"{POPULATION_FILE}: no mid-{wanted} {kind} estimate for {force}; rates for the "
                f"{quarter.year_ending} use mid-{used} (the report says so)"
            )
        if wanted - used > 1:
            warnings.append(
                f"{POPULATION_FILE}: the mid-{used} {kind} estimate is {wanted - used} years "
                f"older than the mid-{wanted} the {quarter.year_ending} wants: rates may be "
                "biased by population change since; supply a newer estimate"
            )
    return warnings


def missing_extracts(
    inputs: Any, sections: Iterable[str], catalogue: Catalogue | None = None
) -> list[str]:
    """A warning for each optional source not supplied that a chosen section needs."""
    catalogue = catalogue or default_catalogue()
    missing = set(getattr(inputs, "missing", None) or ())
    wanted = set(sections)
    warnings = []
    for section in catalogue.sections:
        if section.id not in wanted:
            continue
        sources = sorted({m.source for m in catalogue.measures_of(section.id)} & missing)
        for source in sources:
            where = SOURCES[source].path if source in SOURCES else source
            warnings.append(
                f"{not_supplied(source)}: {source} (nothing at {where}); section "
                f"'{section.title}' says so and shows no figure for it"
            )
    return warnings


def check_report(
    inputs: Any,
    wanted: str | None,
    force: str,
    settings: Settings,
    sections: Iterable[str],
) -> Preflight:
    """The quarter to report on and the warnings to show; raises `QuarterError` for a quarter
    the data do not cover and `InputValidationError` for a population year that no estimate
    covers (naming the force and the year)."""
    latest, earliest = reportable_quarters(inputs)
    quarter = resolve_quarter(wanted, latest, earliest)
    warnings: list[str] = []
    population = getattr(inputs, "population", None)
    if population is not None and earliest is not None:
        periods = periods_needed(quarter, earliest, settings)
        territorial = [f.name for f in default_forces().forces]
        problems = population_problems(population, periods, territorial, settings.population_rule)
        if problems:
            raise InputValidationError(problems)
        warnings.extend(population_fallbacks(population, quarter, force, settings.population_rule))
    warnings.extend(missing_extracts(inputs, sections))
    return Preflight(quarter, warnings)
