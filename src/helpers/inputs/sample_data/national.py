"""Synthetic national data by force: ONS population and households, Census ethnicity, rape
outcomes, stop and search, use of force, workforce and the Crime Survey.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
import pandas as pd

from helpers.core.forces import ENGLAND_AND_WALES, ENGLAND_AND_WALES_CODE
from helpers.core.quarters import FinancialQuarter, quarter_range
from helpers.inputs.sample_data.crime import prc_frame
from helpers.inputs.sample_data.synthetic import (
    FOCUS_FORCE,
    LAST_MONTH,
    NATIONAL_FIRST_MONTH,
    POPULATION_YEARS,
    PRC_LAST,
    RAPE_FIRST,
    REFERENCE_POPULATION,
    WORKFORCE_FIRST,
    SyntheticForce,
    binomial_counts,
    force_lookup,
    month_range,
    periods_frame,
    poisson_counts,
    smooth_log_curve,
    stream_rng,
    year_fraction,
)
from helpers.inputs.schemas import (
    CENSUS_ETHNIC_GROUPS,
    RECORDED_ETHNIC_GROUPS,
    WORKER_TYPES,
    WORKFORCE_ETHNIC_GROUPS,
)

# How ONS spells the areas in its tables, and how the Census aggregation file spells them, where
# that differs from the canonical (Home Office) name.
_ONS_NAMES = {"London, City of": "City of London"}
_CENSUS_FILE_NAMES = {"Devon and Cornwall": "Devon & Cornwall"}
_ONS_ENGLAND_AND_WALES = "ENGLAND AND WALES"


def population_frame(seed: int, forces: list[SyntheticForce]) -> pd.DataFrame:
    """ONS mid-year population and households by PFA, England and Wales first, the areas
    spelt as ONS spells them."""
    rng = stream_rng(seed, "population")
    rows = []
    for force in forces:
        for year in POPULATION_YEARS:
            pop = force.population(year + 0.5) * (1 + rng.normal(0, 0.0008))
            ratio = force.households_ratio * (1 + 0.0015 * (year - 2011))
            households = pop * ratio * (1 + rng.normal(0, 0.001))
            rows.append((force.code, _ONS_NAMES.get(force.name, force.name), year, round(pop),
                         round(households)))  # fmt: skip
    frame = pd.DataFrame(
        rows, columns=["area_code", "area_name", "mid_year", "population", "households"]
    )
    national = frame.groupby("mid_year", as_index=False)[["population", "households"]].sum()
    national.insert(0, "area_name", _ONS_ENGLAND_AND_WALES)
    national.insert(0, "area_code", ENGLAND_AND_WALES_CODE)
    return pd.concat([national, frame], ignore_index=True)


def population_ethnicity_frame(
    seed: int, forces: list[SyntheticForce], census: int = 2021
) -> pd.DataFrame:
    """Census residents by PFA and broad ethnic group, the areas spelt as the Census
    aggregation file spells them; Census 2011 with smaller shares of the groups other than
    White (England and Wales: 86% White in 2011, 82% in 2021)."""
    name = "population_ethnicity" if census == 2021 else f"population_ethnicity_{census}"
    rng = stream_rng(seed, name)
    scale = 1.0 if census == 2021 else 0.75
    rows = []
    for force in forces:
        total = force.population(census + 0.2)  # Census day, March
        for group in CENSUS_ETHNIC_GROUPS:
            shift = 1.0 if group == "White" else scale
            share = force.shares[group] * shift * (1 + rng.normal(0, 0.01))
            rows.append(
                (_CENSUS_FILE_NAMES.get(force.name, force.name), group, round(total * share))
            )
    return pd.DataFrame(rows, columns=["police force area", "ethnic group", "population"])


def _rape_outcomes_frame(seed: int, forces: list[SyntheticForce]) -> pd.DataFrame:
    rng = stream_rng(seed, "rape_outcomes")
    quarters = quarter_range(RAPE_FIRST, PRC_LAST)
    months = [q.period for q in quarters]
    t = np.array([(m.year + (m.month - 1) / 12) for m in months]) - 2016.5
    frame = periods_frame(months, forces)
    # National charge rate: about 7% in 2016, 3-4% in 2020/21, about 8% by 2024/25.
    national_rate = np.interp(t, [0, 4.0, 5.5, 8.75], [0.07, 0.035, 0.045, 0.08])
    finalised = np.zeros(len(frame), dtype=np.int64)
    charged = np.zeros(len(frame), dtype=np.int64)
    lookup = force_lookup(forces)
    for name, rows in frame.groupby("force", sort=False).groups.items():
        force = lookup[name]
        idx = np.asarray(rows)
        ti = frame.loc[idx, "t"].to_numpy()
        pop = force.population(2016.5 + t[ti])
        # About 12,000 rape offences a quarter in England and Wales recently, fewer in 2016.
        level = (
            12_000 / REFERENCE_POPULATION * pop * np.interp(t[ti], [0, 3, 8.75], [0.7, 1.0, 1.05])
        )
        level *= np.exp(rng.normal(0, 0.15))
        finalised[idx] = poisson_counts(rng, level * 0.9, overdispersion=0.05)
        factor = np.exp(rng.normal(0, 0.25))
        rate = national_rate[ti] * factor
        if name == FOCUS_FORCE:  # an early adopter of the joint police-CPS approach
            rate = np.interp(t[ti], [0, 4.0, 5.0, 8.75], [0.06, 0.035, 0.05, 0.095])
        charged[idx] = binomial_counts(rng, finalised[idx], rate)
    frame["finalised_outcomes"] = finalised
    frame["charged_summonsed"] = charged
    return frame.drop(columns="t")


def _ethnic_rates(rng: np.random.Generator, focus: bool) -> dict[str, float]:
    """Searched (or force used) per head relative to White residents."""
    black = 4.2 if focus else float(np.exp(rng.normal(np.log(3.8), 0.3)))
    return {
        "White": 1.0,
        "Black": black,
        "Asian": float(np.exp(rng.normal(np.log(1.4), 0.2))),
        "Mixed": float(np.exp(rng.normal(np.log(1.9), 0.2))),
        "Other": float(np.exp(rng.normal(np.log(1.3), 0.2))),
    }


def _by_ethnicity(
    rng: np.random.Generator,
    frame: pd.DataFrame,
    forces: list[SyntheticForce],
    months: Sequence[pd.Period],
    *,
    rate_per_1000_year: Callable[[SyntheticForce], float],
    time_shape: np.ndarray,
    not_recorded: Callable[[SyntheticForce], float],
    months_per_row: int,
) -> np.ndarray:
    """Counts per row (period, force, ethnic_group) of a power used on people."""
    counts = np.zeros(len(frame), dtype=np.int64)
    lookup = force_lookup(forces)
    years = np.array([year_fraction(m) for m in months])
    for name, rows in frame.groupby("force", sort=False).groups.items():
        force = lookup[name]
        idx = np.asarray(rows)
        relative = _ethnic_rates(rng, name == FOCUS_FORCE)
        white_rate = rate_per_1000_year(force) / sum(
            force.shares[g] * relative[g] for g in CENSUS_ETHNIC_GROUPS
        )
        nr_share = not_recorded(force)
        curve = np.exp(smooth_log_curve(rng, years, linear=0.15, wave=0.04))
        for group in RECORDED_ETHNIC_GROUPS:
            sel = idx[frame.loc[idx, "ethnic_group"].to_numpy() == group]
            ti = frame.loc[sel, "t"].to_numpy()
            pop = force.population(years[ti])
            if group == "Not recorded":
                known = sum(force.shares[g] * relative[g] for g in CENSUS_ETHNIC_GROUPS)
                lam = pop * white_rate * known * nr_share / (1 - nr_share)
            else:
                lam = pop * force.shares[group] * white_rate * relative[group]
            lam = lam / 1000 * months_per_row / 12 * time_shape[ti] * curve[ti]
            counts[sel] = poisson_counts(rng, lam, overdispersion=0.03)
    return counts


def _stop_search_frame(seed: int, forces: list[SyntheticForce]) -> pd.DataFrame:
    rng = stream_rng(seed, "stop_search")
    months = month_range(NATIONAL_FIRST_MONTH, LAST_MONTH)
    frame = periods_frame(months, forces, ethnic_group=RECORDED_ETHNIC_GROUPS)
    t = np.array([year_fraction(m) for m in months]) - 2019.25
    # Searches rose in 2020/21 and fell back after.
    shape = np.interp(t, [0, 1.2, 2.5, 6], [1.0, 1.35, 0.95, 0.8])
    rates = {f.name: 6.5 * float(np.exp(rng.normal(0, 0.35))) for f in forces}
    rates["Metropolitan Police"] = 24.0
    rates["London, City of"] = 60.0
    rates[FOCUS_FORCE] = 4.0
    nr = {f.name: float(np.clip(rng.beta(2, 22), 0.01, 0.3)) for f in forces}
    nr[FOCUS_FORCE] = 0.11
    frame["searches"] = _by_ethnicity(
        rng, frame, forces, months,
        rate_per_1000_year=lambda f: rates[f.name], time_shape=shape,
        not_recorded=lambda f: nr[f.name], months_per_row=1,
    )  # fmt: skip
    positive = {f.name: rng.uniform(0.25, 0.35) for f in forces}
    p = frame["force"].map(positive).to_numpy() + rng.normal(0, 0.01, len(frame))
    frame["positive_outcomes"] = binomial_counts(rng, frame["searches"].to_numpy(), p)
    # Arrests are drawn from their own stream, so that the other columns keep their draws.
    arrests = stream_rng(seed, "stop_search_arrests")
    share = np.full(len(frame), 0.45)
    frame["arrests"] = binomial_counts(arrests, frame["positive_outcomes"].to_numpy(), share)
    return frame.drop(columns="t")


def _use_of_force_frame(seed: int, forces: list[SyntheticForce]) -> pd.DataFrame:
    rng = stream_rng(seed, "use_of_force")
    quarters = quarter_range(FinancialQuarter.parse("2019-06"), PRC_LAST)
    months = [q.period for q in quarters]
    frame = periods_frame(months, forces, ethnic_group=RECORDED_ETHNIC_GROUPS)
    t = np.array([year_fraction(m) for m in months]) - 2019.5
    shape = np.exp(0.05 * t)
    rates = {f.name: 9.0 * float(np.exp(rng.normal(0, 0.3))) for f in forces}
    rates["London, City of"] = 80.0
    rates[FOCUS_FORCE] = 7.5
    nr = {f.name: float(rng.uniform(0.04, 0.20)) for f in forces}
    nr[FOCUS_FORCE] = 0.33  # as in the published data, a notably high share
    frame["incidents"] = _by_ethnicity(
        rng, frame, forces, months,
        rate_per_1000_year=lambda f: rates[f.name], time_shape=shape,
        not_recorded=lambda f: nr[f.name], months_per_row=3,
    )  # fmt: skip
    return frame.drop(columns="t")


def _workforce_frame(seed: int, forces: list[SyntheticForce]) -> pd.DataFrame:
    rng = stream_rng(seed, "workforce")
    snapshots = [WORKFORCE_FIRST + 6 * i for i in range(13)]  # 2019-03 .. 2025-03
    rows = []
    for force in forces:
        officers_per_1000 = 2.0 * float(np.exp(rng.normal(0, 0.12)))
        if force.name == "Metropolitan Police":
            officers_per_1000 = 3.6
        base_officers = force.population(2019) / 1000 * officers_per_1000
        if force.name == "London, City of":
            base_officers = 720.0
        staff_ratio = rng.uniform(0.6, 0.9)
        pcso_ratio = rng.uniform(0.04, 0.10)
        representation = {g: rng.uniform(0.35, 0.6) for g in ("Asian", "Black", "Mixed", "Other")}
        not_stated = rng.uniform(0.01, 0.07)
        for i, snapshot in enumerate(snapshots):
            years = i / 2
            uplift = 1 + 0.2 * min(years, 4) / 4  # the officer uplift programme to March 2023
            totals = {
                "Police officer": base_officers * uplift,
                "Police staff": base_officers * staff_ratio * (1 + 0.02 * years),
                "PCSO": base_officers * pcso_ratio * (1 - 0.04 * years),
            }
            probs = {
                g: force.shares[g] * min(representation[g] + 0.025 * years, 0.95)
                for g in ("Asian", "Black", "Mixed", "Other")
            }
            minority = sum(probs.values())
            p = np.array([probs["Asian"], probs["Black"], probs["Mixed"], probs["Other"],
                          (1 - minority) * (1 - not_stated), 0.0])  # fmt: skip
            p[-1] = 1 - p[:-1].sum()
            as_at = f"{snapshot.year}-{snapshot.month:02d}-{31 if snapshot.month == 3 else 30}"
            for worker_type in WORKER_TYPES:
                total = round(totals[worker_type] * np.exp(rng.normal(0, 0.01)))
                counts = rng.multinomial(total, p)
                for group, count in zip(WORKFORCE_ETHNIC_GROUPS, counts, strict=True):
                    rows.append((as_at, force.name, worker_type, group, int(count)))
    return pd.DataFrame(
        rows, columns=["as_at", "force", "worker_type", "ethnic_group", "headcount"]
    )


def _csew_frame(seed: int, forces: list[SyntheticForce]) -> pd.DataFrame:
    rng = stream_rng(seed, "csew_confidence")
    quarters = quarter_range(FinancialQuarter.parse("2019-06"), PRC_LAST)
    months = [q.period for q in quarters]
    frame = periods_frame(months, forces)
    t = np.array([year_fraction(m) for m in months]) - 2019.5
    national = np.interp(t, [0, 2, 5.75], [0.74, 0.71, 0.665])
    respondents = np.zeros(len(frame), dtype=np.int64)
    agree = np.zeros(len(frame), dtype=np.int64)
    lookup = force_lookup(forces)
    for name, rows in frame.groupby("force", sort=False).groups.items():
        force = lookup[name]
        idx = np.asarray(rows)
        ti = frame.loc[idx, "t"].to_numpy()
        size = max(34_000 * force.population(2021) / 59.6e6, 250.0)
        respondents[idx] = poisson_counts(rng, np.full(len(idx), size))
        offset = rng.normal(0, 0.03)
        agree[idx] = binomial_counts(rng, respondents[idx], national[ti] + offset)
    frame["respondents"] = respondents
    frame["agree"] = agree
    frame = frame.drop(columns="t")
    total = frame.groupby("period", as_index=False, sort=False)[["respondents", "agree"]].sum()
    total.insert(1, "force", ENGLAND_AND_WALES)
    return (
        pd.concat([frame, total], ignore_index=True)
        .sort_values(["period"], kind="stable")
        .reset_index(drop=True)
    )


NATIONAL_BUILDERS: dict[str, Callable[[int, list[SyntheticForce]], pd.DataFrame]] = {
    "prc": prc_frame,
    "population": population_frame,
    "population_ethnicity": population_ethnicity_frame,
    "population_ethnicity_2011": partial(population_ethnicity_frame, census=2011),
    "rape_outcomes": _rape_outcomes_frame,
    "stop_search": _stop_search_frame,
    "use_of_force": _use_of_force_frame,
    "workforce": _workforce_frame,
    "csew_confidence": _csew_frame,
}
