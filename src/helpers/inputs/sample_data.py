"""A deterministic generator of SYNTHETIC sample inputs, in the layout and formats of docs/DATA.md.

The numbers are invented. Their magnitudes follow published figures (the Home Office offence codes
and their England-and-Wales mean counts in `reference/offence_classification.csv`, ONS populations
rounded to thousands, Census 2021 ethnic shares), so that every section of the report has
something realistic to show, for every force, but no figure in the output is a real statistic.

Each series is: a rate per resident (the England and Wales mean count over the E&W population),
times the force's population, a force level factor, seasonality, a smooth long-term trend that
differs by force and offence family, a COVID-19 dip in 2020/21, and Poisson noise. For Avon and
Somerset the last four years of the headline measures are designed: some rise, some fall, some
stay flat, so that the report shows every trend word; one percentage sits at 100%.

`python -m helpers sample-data --out DIR` writes the files; the same seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core.forces import ENGLAND_AND_WALES, ENGLAND_AND_WALES_CODE, default_forces
from helpers.core.paths import DATA_DIR, REFERENCE_DIR
from helpers.core.quarters import FinancialQuarter, quarter_range
from helpers.inputs.schemas import (
    CENSUS_ETHNIC_GROUPS,
    LOCAL_SOURCES,
    PRC_COLUMNS,
    RECORDED_ETHNIC_GROUPS,
    REQUEST_TYPES,
    SATISFACTION_SURVEYS,
    SOURCES,
    WORKER_TYPES,
    WORKFORCE_ETHNIC_GROUPS,
)

DEFAULT_SEED = 20250331
DEFAULT_OUT = DATA_DIR / "sample"
FOCUS_FORCE = "Avon and Somerset"

PRC_FIRST = FinancialQuarter.parse("2012/13 Q1")
PRC_LAST = FinancialQuarter.parse("2024/25 Q4")
POPULATION_YEARS = tuple(range(2011, 2024))  # mid-2011 .. mid-2023, nothing later
RAPE_FIRST = FinancialQuarter.parse("2016-06")
NATIONAL_FIRST_MONTH = pd.Period("2019-04", freq="M")  # stop and search, use of force, CSEW
LOCAL_FIRST = FinancialQuarter.parse("2019-06")
LAST_MONTH = PRC_LAST.period
WORKFORCE_FIRST = pd.Period("2019-03", freq="M")
# England and Wales population used to turn the classification's mean counts into rates.
_REFERENCE_POPULATION = 58_400_000.0
_LAST_DATA_YEAR = "2023/24"  # last year of the real classification; extended to 2024/25

# Per force: population (thousands) mid-2011 and mid-2024, households per resident, and the
# Census 2021 shares (%) of Asian, Black, Mixed and Other residents (White is the rest). Rounded
# from published ONS figures; used only to give the synthetic data realistic proportions.
_FORCE_FACTS: dict[str, tuple[float, float, float, tuple[float, float, float, float]]] = {
    "Metropolitan Police": (8197.0, 9074.6, 0.409, (20.7, 13.5, 5.7, 6.3)),
    "Cumbria": (499.8, 510.7, 0.450, (1.0, 0.2, 0.8, 0.3)),
    "Lancashire": (1461.3, 1601.6, 0.426, (10.4, 0.7, 1.6, 0.8)),
    "Merseyside": (1380.8, 1475.5, 0.441, (3.1, 1.5, 2.1, 1.5)),
    "Greater Manchester": (2685.4, 3009.7, 0.424, (13.6, 4.7, 3.0, 2.3)),
    "Cheshire": (1028.7, 1139.9, 0.432, (2.3, 0.6, 1.6, 0.7)),
    "Northumbria": (1420.4, 1509.8, 0.444, (4.2, 1.2, 1.3, 1.2)),
    "Durham": (618.6, 650.5, 0.441, (1.7, 0.4, 1.0, 0.5)),
    "North Yorkshire": (799.0, 844.6, 0.431, (1.9, 0.5, 1.3, 0.6)),
    "West Yorkshire": (2227.4, 2435.2, 0.417, (15.9, 3.1, 2.8, 1.7)),
    "South Yorkshire": (1343.8, 1430.6, 0.423, (5.8, 2.5, 2.2, 1.8)),
    "Humberside": (918.0, 962.5, 0.437, (2.1, 0.8, 1.2, 0.9)),
    "Cleveland": (557.4, 600.4, 0.429, (4.7, 1.2, 1.3, 1.1)),
    "West Midlands": (2739.7, 3036.6, 0.397, (22.9, 8.1, 4.2, 3.5)),
    "Staffordshire": (1098.3, 1177.6, 0.426, (4.8, 1.2, 1.9, 0.8)),
    "West Mercia": (1224.1, 1340.8, 0.424, (2.7, 0.9, 1.7, 0.6)),
    "Warwickshire": (546.6, 632.2, 0.428, (6.3, 1.3, 2.3, 1.0)),
    "Derbyshire": (1019.6, 1096.5, 0.432, (5.0, 1.4, 1.9, 1.0)),
    "Nottinghamshire": (1090.7, 1188.1, 0.423, (6.3, 3.7, 3.1, 1.5)),
    "Lincolnshire": (714.8, 789.5, 0.431, (1.6, 0.6, 1.3, 0.6)),
    "Leicestershire": (1018.4, 1175.4, 0.399, (19.5, 3.3, 2.7, 2.0)),
    "Northamptonshire": (694.0, 813.7, 0.417, (4.5, 4.0, 2.6, 1.0)),
    "Cambridgeshire": (806.8, 934.0, 0.412, (7.9, 2.1, 3.0, 1.7)),
    "Norfolk": (859.4, 940.4, 0.437, (2.1, 0.9, 1.6, 0.7)),
    "Suffolk": (730.1, 786.2, 0.429, (2.3, 1.3, 2.3, 0.9)),
    "Bedfordshire": (617.1, 749.9, 0.400, (16.6, 5.6, 3.8, 1.9)),
    "Hertfordshire": (1119.8, 1236.2, 0.411, (8.6, 3.7, 3.8, 2.1)),
    "Essex": (1729.1, 1929.6, 0.419, (4.2, 3.4, 2.6, 1.0)),
    "Thames Valley": (2275.2, 2640.2, 0.400, (12.4, 3.7, 3.5, 1.9)),
    "Hampshire": (1901.8, 2062.6, 0.420, (4.8, 1.5, 2.1, 1.1)),
    "Surrey": (1135.4, 1248.6, 0.405, (7.7, 1.7, 3.4, 1.7)),
    "Kent": (1731.4, 1931.7, 0.417, (4.7, 3.1, 2.4, 1.3)),
    "Sussex": (1609.1, 1759.8, 0.438, (3.7, 1.3, 2.7, 1.3)),
    "London, City of": (7.4, 15.1, 0.694, (16.8, 2.7, 5.5, 5.6)),
    "Devon and Cornwall": (1671.5, 1840.2, 0.436, (1.3, 0.4, 1.4, 0.7)),
    "Avon and Somerset": (1640.0, 1813.7, 0.425, (3.5, 2.2, 2.5, 1.0)),
    "Gloucestershire": (598.3, 669.4, 0.430, (2.9, 1.2, 2.2, 0.7)),
    "Wiltshire": (684.0, 767.6, 0.422, (5.1, 1.6, 2.0, 0.9)),
    "Dorset": (745.3, 798.9, 0.445, (2.3, 0.7, 2.0, 0.9)),
    "North Wales": (688.4, 697.1, 0.435, (1.4, 0.3, 1.1, 0.4)),
    "Gwent": (577.1, 601.7, 0.426, (2.9, 0.8, 1.5, 0.7)),
    "South Wales": (1283.3, 1363.6, 0.428, (4.3, 1.5, 2.1, 1.4)),
    "Dyfed-Powys": (514.9, 524.2, 0.437, (1.1, 0.2, 1.0, 0.4)),
}
# How ONS spells the areas in its tables, and how the Census aggregation file spells them, where
# that differs from the canonical (Home Office) name.
_ONS_NAMES = {"London, City of": "City of London"}
_CENSUS_FILE_NAMES = {"Devon and Cornwall": "Devon & Cornwall"}
_ONS_ENGLAND_AND_WALES = "ENGLAND AND WALES"
# Stable identifiers of the random streams: changing one source never changes another.
_STREAMS = {
    "forces": 1, "prc": 2, "population": 3, "population_ethnicity": 4, "rape_outcomes": 5,
    "stop_search": 6, "use_of_force": 7, "workforce": 8, "csew_confidence": 9,
    "victim_satisfaction": 10, "confidence_survey": 11, "drugs_disruptions": 12,
    "cyber_crime": 13, "action_fraud": 14, "complaint_reviews": 15, "information_rights": 16,
}  # fmt: skip


# ----- time and population
@dataclass(frozen=True)
class _Force:
    name: str
    code: str
    pop2011: float  # residents
    pop2024: float
    households_ratio: float
    shares: dict[str, float]  # Census 2021 share of each broad ethnic group (sums to 1)

    def population(self, year: float | np.ndarray) -> np.ndarray:
        """Residents at a (fractional) mid-year: geometric growth between 2011 and 2024."""
        growth = (self.pop2024 / self.pop2011) ** (1 / 13)
        return self.pop2011 * growth ** (np.asarray(year, dtype=float) - 2011)

    @property
    def scale(self) -> float:
        """Size relative to Avon and Somerset (local extracts are sized from it)."""
        return float(self.population(2023) / 1.80e6)


def _forces() -> list[_Force]:
    out = []
    for force in default_forces().forces:
        pop2011, pop2024, ratio, (asian, black, mixed, other) = _FORCE_FACTS[force.name]
        shares = {"Asian": asian, "Black": black, "Mixed": mixed, "Other": other}
        shares["White"] = 100.0 - sum(shares.values())
        out.append(
            _Force(
                name=force.name,
                code=force.code,
                pop2011=pop2011 * 1000,
                pop2024=pop2024 * 1000,
                households_ratio=ratio,
                shares={g: shares[g] / 100 for g in CENSUS_ETHNIC_GROUPS},
            )
        )
    return out


def _months(first: pd.Period, last: pd.Period) -> list[pd.Period]:
    return list(pd.period_range(first, last, freq="M"))


def _year_fraction(period: pd.Period) -> float:
    """Middle of the month as a fractional year, for population interpolation (mid-year = .5)."""
    return period.year + (period.month - 0.5) / 12


def _rng(seed: int, stream: str) -> np.random.Generator:
    return np.random.default_rng([seed, _STREAMS[stream]])


def _smooth(rng: np.random.Generator, t: np.ndarray, linear: float, wave: float) -> np.ndarray:
    """A smooth random log-curve over `t` (years from the start): a drift plus a slow wave."""
    span = max(float(t.max() - t.min()), 1.0)
    slope = rng.normal(0, linear)
    amplitude = rng.normal(0, wave)
    period = rng.uniform(5, 11)
    phase = rng.uniform(0, 2 * np.pi)
    x = (t - t.min()) / span - 0.5
    return slope * x + amplitude * np.sin(2 * np.pi * t / period + phase)


def _poisson(rng: np.random.Generator, lam: np.ndarray, overdispersion: float = 0.0) -> np.ndarray:
    lam = np.clip(np.asarray(lam, dtype=float), 0, None)
    if overdispersion > 0:
        shape = 1 / overdispersion**2
        lam = lam * rng.gamma(shape, 1 / shape, size=lam.shape)
    return rng.poisson(lam).astype(np.int64)


def _binomial(rng: np.random.Generator, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    return rng.binomial(np.asarray(n, dtype=np.int64), np.clip(p, 0.0, 1.0)).astype(np.int64)


# ----- police recorded crime
# Offence families: each has its own seasonality, national shape and force trends.
_FAMILY = {
    "Homicide": "homicide",
    "Violence with injury": "violence_injury",
    "Violence without injury": "violence_other",
    "Stalking and harassment": "violence_other",
    "Death or serious injury - unlawful driving": "driving",
    "Rape offences": "sexual",
    "Other sexual offences": "sexual",
    "Robbery of personal property": "robbery_personal",
    "Robbery of business property": "robbery_business",
    "Domestic burglary": "burglary_residential",
    "Non-domestic burglary": "burglary_other",
    "Theft from a vehicle": "vehicle",
    "Theft of a motor vehicle": "vehicle",
    "Vehicle interference": "vehicle",
    "Theft from the person": "theft_person",
    "Bicycle theft": "theft_other",
    "Shoplifting": "theft_other",
    "Other theft offences": "theft_other",
    "Arson": "damage",
    "Criminal damage": "damage",
    "Trafficking of drugs": "drug_trafficking",
    "Possession of drugs": "drug_possession",
    "Possession of weapons offences": "weapons",
    "Public order offences": "public_order",
    "Miscellaneous crimes against society": "misc",
    "Fraud offences to 2012/13": "misc",
}
# Quarter factors Q1 (Apr-Jun), Q2 (Jul-Sep), Q3 (Oct-Dec), Q4 (Jan-Mar).
_SEASON = {
    "violence_injury": (1.07, 1.05, 0.96, 0.92),
    "violence_other": (1.05, 1.04, 0.97, 0.94),
    "sexual": (1.04, 1.03, 0.98, 0.95),
    "public_order": (1.06, 1.05, 0.96, 0.93),
    "homicide": (1.0, 1.0, 1.0, 1.0),
    "burglary_residential": (0.90, 0.92, 1.12, 1.06),
    "burglary_other": (0.95, 0.98, 1.05, 1.02),
    "vehicle": (0.94, 0.98, 1.06, 1.02),
    "theft_person": (0.95, 0.98, 1.09, 0.98),
    "robbery_personal": (0.95, 0.97, 1.07, 1.01),
    "damage": (1.04, 1.02, 0.99, 0.95),
}
_DEFAULT_SEASON = (1.0, 1.01, 1.02, 0.97)
# National shape (log level at 2012/13 Q1, 2019/20 Q1 and 2024/25 Q4), shared by all forces.
_NATIONAL_SHAPE = {
    "violence_injury": (-0.35, 0.05, 0.10),
    "violence_other": (-0.9, 0.05, 0.15),
    "sexual": (-0.9, 0.05, 0.15),
    "public_order": (-1.0, 0.0, 0.10),
    "burglary_residential": (0.15, 0.0, -0.25),
    "burglary_other": (0.25, 0.0, -0.20),
    "vehicle": (0.0, 0.05, -0.10),
    "theft_person": (0.0, 0.10, 0.15),
    "robbery_personal": (-0.15, 0.15, 0.0),
    "drug_trafficking": (-0.10, 0.0, 0.30),
    "drug_possession": (0.20, 0.0, -0.10),
    "weapons": (-0.55, 0.10, 0.25),
    "theft_other": (0.05, 0.05, 0.0),
}
# COVID-19 restrictions, 2019/20 Q4 to 2020/21 Q4.
_COVID = {
    "acquisitive": (0.97, 0.62, 0.86, 0.85, 0.70),
    "theft_person": (0.95, 0.35, 0.60, 0.60, 0.45),
    "violence_injury": (0.98, 0.84, 0.97, 0.94, 0.86),
    "sexual": (0.98, 0.85, 0.96, 0.95, 0.90),
    "drug_trafficking": (1.02, 1.28, 1.15, 1.10, 1.16),
    "drug_possession": (1.02, 1.32, 1.10, 1.05, 1.15),
    "other": (0.99, 0.92, 0.98, 0.97, 0.94),
}
_ACQUISITIVE = {"burglary_residential", "burglary_other", "vehicle", "theft_other",
                "robbery_personal", "robbery_business"}  # fmt: skip
# Avon and Somerset's designed change per year (log rate) from 2021/22 Q1 for the headline
# families: rising, falling and flat, so the report shows every trend word.
_FOCUS_TRENDS = {
    "homicide": 0.0,
    "violence_injury": 0.06,
    "drug_trafficking": 0.12,
    "burglary_residential": -0.09,
    "vehicle": -0.08,
    "robbery_personal": 0.0,
    "theft_person": 0.11,
}
_FOCUS_FROM = FinancialQuarter.parse("2021/22 Q1")
# Codes whose detail was folded into "(outcome only)" codes from 2017/18 (the new 28E-28H, 30C..
# codes took over): counts until 2016/17, zeros after.
_OUTCOME_ONLY_FROM_2017 = {"28A", "28B", "28C", "28D", "29", "30A", "30B", "31"}
# Residential burglary codes replaced in 2023/24 by 28I-28P, 29B, 29C: a trickle of late records.
_REPLACED_2023 = {"28E", "28F", "28G", "28H", "29A"}
_REPLACED_TRICKLE = (0.03, 0.01, 0.004, 0.0)
# Subgroups whose codes changed: their total is kept continuous through the changes.
_CONTINUOUS_SUBGROUPS = {"Domestic burglary": 50_000.0, "Non-domestic burglary": 30_000.0}
# Genuine Home Office adjustments are negative counts on obscure codes.
_NEGATIVE_CODES = ("53B", "53D", "53F", "67", "38", "99", "61A", "95", "26", "60")
_BTP_POPULATION = 700_000.0
_BTP_FAMILY = {"theft_person": 3.0, "robbery_personal": 0.6, "violence_injury": 0.4,
               "sexual": 0.5, "public_order": 0.8, "drug_possession": 0.6,
               "drug_trafficking": 0.3, "weapons": 0.5, "homicide": 0.05}  # fmt: skip


def _fy_start(text: str) -> int:
    return int(text[:4])


def _classification() -> pd.DataFrame:
    frame = pd.read_csv(REFERENCE_DIR / "offence_classification.csv", dtype=str)
    frame["mean"] = frame["ew_quarterly_mean"].astype(float)
    frame["first"] = frame["first_year"].map(_fy_start)
    last = frame["last_year"].map(_fy_start)
    # Codes still in use in the last year of the real data carry on into 2024/25.
    frame["last"] = np.where(
        frame["last_year"] == _LAST_DATA_YEAR, PRC_LAST.financial_year_start, last
    )
    frame["family"] = frame["Offence Subgroup"].map(_FAMILY).fillna("misc")
    return frame.reset_index(drop=True)


def _base_levels(classes: pd.DataFrame, quarters: list[FinancialQuarter]) -> np.ndarray:
    """England and Wales mean count per quarter of each classification row (0 where not in use)."""
    years = np.array([q.financial_year_start for q in quarters])
    qnum = np.array([q.quarter_number for q in quarters])
    active = (years[None, :] >= classes["first"].to_numpy()[:, None]) & (
        years[None, :] <= classes["last"].to_numpy()[:, None]
    )
    level = np.where(active, classes["mean"].to_numpy()[:, None], 0.0)
    codes = classes["Offence Code"].to_numpy()
    outcome_only = np.isin(codes, list(_OUTCOME_ONLY_FROM_2017)) & (
        classes["first"].to_numpy() > 2012
    )
    level[outcome_only[:, None] & (years[None, :] >= 2017)] = 0.0
    replaced = np.isin(codes, list(_REPLACED_2023))
    for i in np.flatnonzero(replaced):
        for j, (year, q) in enumerate(zip(years, qnum, strict=True)):
            if year >= 2023:
                trickle = _REPLACED_TRICKLE[q - 1] if year == 2023 else 0.0
                level[i, j] = classes.at[i, "mean"] * trickle
    for subgroup, total in _CONTINUOUS_SUBGROUPS.items():
        rows = (classes["Offence Subgroup"] == subgroup).to_numpy()
        sums = level[rows].sum(axis=0)
        level[rows] *= np.where(sums > 0, total / np.where(sums > 0, sums, 1), 0)[None, :]
    return level


def _national_shape(family: str, t: np.ndarray) -> np.ndarray:
    start, middle, end = _NATIONAL_SHAPE.get(family, (0.0, 0.0, 0.0))
    knots = np.array([0.0, 28.0, float(len(t) - 1)])
    return np.interp(np.arange(len(t)), knots, [start, middle, end])


def _covid(family: str, quarters: list[FinancialQuarter]) -> np.ndarray:
    kind = family if family in _COVID else "acquisitive" if family in _ACQUISITIVE else "other"
    first = FinancialQuarter.parse("2019/20 Q4")
    factors = np.ones(len(quarters))
    for j, q in enumerate(quarters):
        k = (q.end_year * 12 + q.end_month - first.end_year * 12 - first.end_month) // 3
        if 0 <= k < len(_COVID[kind]):
            factors[j] = _COVID[kind][k]
    return factors


def _family_trends(
    rng: np.random.Generator, forces: list[_Force], quarters: list[FinancialQuarter]
) -> dict[tuple[str, str], np.ndarray]:
    """Log multiplier per (force, family) and quarter: national shape + the force's own curve."""
    families = sorted(set(_FAMILY.values()))
    t = np.arange(len(quarters)) / 4.0
    focus_from = quarters.index(_FOCUS_FROM)
    out: dict[tuple[str, str], np.ndarray] = {}
    for force in forces:
        focus = force.name == FOCUS_FORCE
        # Avon and Somerset records a little less crime per head than England and Wales.
        level = -0.2 if focus else rng.normal(0, 0.12)
        for family in families:
            curve = (
                (0.0 if focus and family == "homicide" else level)
                + rng.normal(0, 0.08 if focus else 0.15)
                + _national_shape(family, t)
                + _smooth(rng, t, linear=0.25, wave=0.05)
            )
            if focus and family in _FOCUS_TRENDS:
                after = t[focus_from:] - t[focus_from]
                curve[focus_from:] = curve[focus_from] + _FOCUS_TRENDS[family] * after
            out[(force.name, family)] = curve
    return out


def _prc_frame(seed: int, forces: list[_Force]) -> pd.DataFrame:
    rng = _rng(seed, "prc")
    quarters = quarter_range(PRC_FIRST, PRC_LAST)
    classes = _classification()
    base = _base_levels(classes, quarters)  # rows x quarters
    rate = base / _REFERENCE_POPULATION
    # Population growth after the last published estimate (mid-2023) is not known, so counts
    # follow the last estimate: rates with the fallback denominator then stay unbiased.
    years = np.minimum([_year_fraction(q.period - 1) for q in quarters], POPULATION_YEARS[-1] + 0.5)
    steady = classes["Offence Subgroup"].isin([*_CONTINUOUS_SUBGROUPS, "Homicide"]).to_numpy()
    season_index = np.array([q.quarter_number - 1 for q in quarters])
    families = classes["family"].to_numpy()
    trends = _family_trends(rng, forces, quarters)
    season = np.array([_SEASON.get(f, _DEFAULT_SEASON) for f in families])
    season = season / season.mean(axis=1, keepdims=True)
    covid = {f: _covid(f, quarters) for f in set(families)}
    covid_rows = np.array([covid[f] for f in families])

    blocks = []
    for force in forces:
        trend = np.array([trends[(force.name, f)] for f in families])
        code_noise = np.exp(rng.normal(0, 0.10, size=(len(classes), 1)))
        code_noise[steady] = 1.0  # the codes of a subgroup that changed codes share one level
        lam = (
            rate
            * force.population(years)[None, :]
            * np.exp(trend)
            * code_noise
            * season[:, season_index]
            * covid_rows
        )
        if force.name == "London, City of":
            lam *= 12.0  # a small resident population and a large daytime one
        blocks.append((force.name, _poisson(rng, lam, overdispersion=0.02)))
    # British Transport Police: a national force of the railways.
    btp_factor = np.array([_BTP_FAMILY.get(f, 0.15) for f in families])[:, None]
    btp_lam = rate * _BTP_POPULATION * btp_factor * season[:, season_index] * covid_rows
    blocks.append(("British Transport Police", _poisson(rng, btp_lam, overdispersion=0.03)))

    active = base > 0
    # A row exists for every code in use that year (zeros included), as in the published file.
    fy_start = np.array([q.financial_year_start for q in quarters])[None, :]
    present = (fy_start >= classes["first"].to_numpy()[:, None]) & (
        fy_start <= classes["last"].to_numpy()[:, None]
    )
    counts = {name: np.where(active, c, 0) for name, c in blocks}
    _add_negative_adjustments(rng, counts, classes, present)

    frames = []
    for name, c in sorted(counts.items()):
        r_idx, q_idx = np.nonzero(present)
        frames.append(
            pd.DataFrame(
                {
                    "q": q_idx,
                    "force": name,
                    "row": r_idx,
                    "count": c[r_idx, q_idx],
                }
            )
        )
    frames.append(_action_fraud_rows(rng, quarters))
    long = pd.concat(frames, ignore_index=True)
    long = long.sort_values(["q", "force", "row"], kind="stable").reset_index(drop=True)
    fy = np.array([q.financial_year for q in quarters])
    fq = np.array([q.quarter_number for q in quarters])
    is_af = long["row"].to_numpy() < 0
    rows = long["row"].to_numpy().clip(min=0)

    def pick(column: str, af_value: str) -> np.ndarray:
        return np.where(is_af, af_value, classes[column].to_numpy()[rows])

    return pd.DataFrame(
        {
            "Financial Year": fy[long["q"].to_numpy()],
            "Financial Quarter": fq[long["q"].to_numpy()],
            "Force Name": long["force"].to_numpy(),
            "Offence Description": pick(
                "Offence Description", "Fraud offences recorded by Action Fraud"
            ),
            "Offence Group": pick("Offence Group", "Fraud offences"),
            "Offence Subgroup": pick("Offence Subgroup", "Fraud: Action Fraud"),
            "Offence Code": pick("Offence Code", "AF"),
            "Number of Offences": long["count"].to_numpy(),
        },
        columns=list(PRC_COLUMNS),
    )


def _action_fraud_rows(rng: np.random.Generator, quarters: list[FinancialQuarter]) -> pd.DataFrame:
    t = np.arange(len(quarters))
    # About 20,000 a quarter in 2012/13, about 85,000 from 2021/22 (national fraud recording).
    level = 20_000 + 65_000 / (1 + np.exp(-(t - 14) / 3.0))
    counts = _poisson(rng, level, overdispersion=0.03)
    return pd.DataFrame({"q": t, "force": "Action Fraud", "row": -1, "count": counts})


def _add_negative_adjustments(
    rng: np.random.Generator,
    counts: dict[str, np.ndarray],
    classes: pd.DataFrame,
    present: np.ndarray,
) -> None:
    names = sorted(n for n in counts if n != FOCUS_FORCE)
    codes = classes["Offence Code"].to_numpy()
    candidates = np.flatnonzero(np.isin(codes, _NEGATIVE_CODES))
    placed = 0
    while placed < 8:
        row = int(rng.choice(candidates))
        cols = np.flatnonzero(present[row])
        if cols.size == 0:
            continue
        col = int(rng.choice(cols))
        name = names[int(rng.integers(len(names)))]
        counts[name][row, col] = -int(rng.integers(1, 4))
        placed += 1


# ----- population
def _population_frame(seed: int, forces: list[_Force]) -> pd.DataFrame:
    rng = _rng(seed, "population")
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


def _population_ethnicity_frame(seed: int, forces: list[_Force]) -> pd.DataFrame:
    rng = _rng(seed, "population_ethnicity")
    rows = []
    for force in forces:
        total = force.population(2021.2)  # Census day, 21 March 2021
        for group in CENSUS_ETHNIC_GROUPS:
            share = force.shares[group] * (1 + rng.normal(0, 0.01))
            rows.append(
                (_CENSUS_FILE_NAMES.get(force.name, force.name), group, round(total * share))
            )
    return pd.DataFrame(rows, columns=["police force area", "ethnic group", "population"])


# ----- national police data by force
def _periods_frame(
    months: Sequence[pd.Period], forces: list[_Force], **categories: Sequence[str]
) -> pd.DataFrame:
    """Every combination of period, force and categories, in that order."""
    index = pd.MultiIndex.from_product(
        [list(range(len(months))), [f.name for f in forces], *categories.values()],
        names=["t", "force", *categories],
    )
    frame = index.to_frame(index=False)
    frame.insert(0, "period", [str(months[i]) for i in frame["t"]])
    return frame


def _force_lookup(forces: list[_Force]) -> dict[str, _Force]:
    return {f.name: f for f in forces}


def _rape_outcomes_frame(seed: int, forces: list[_Force]) -> pd.DataFrame:
    rng = _rng(seed, "rape_outcomes")
    quarters = quarter_range(RAPE_FIRST, PRC_LAST)
    months = [q.period for q in quarters]
    t = np.array([(m.year + (m.month - 1) / 12) for m in months]) - 2016.5
    frame = _periods_frame(months, forces)
    # National charge rate: about 7% in 2016, 3-4% in 2020/21, about 8% by 2024/25.
    national_rate = np.interp(t, [0, 4.0, 5.5, 8.75], [0.07, 0.035, 0.045, 0.08])
    finalised = np.zeros(len(frame), dtype=np.int64)
    charged = np.zeros(len(frame), dtype=np.int64)
    lookup = _force_lookup(forces)
    for name, rows in frame.groupby("force", sort=False).groups.items():
        force = lookup[name]
        idx = np.asarray(rows)
        ti = frame.loc[idx, "t"].to_numpy()
        pop = force.population(2016.5 + t[ti])
        # About 12,000 rape offences a quarter in England and Wales recently, fewer in 2016.
        level = (
            12_000 / _REFERENCE_POPULATION * pop * np.interp(t[ti], [0, 3, 8.75], [0.7, 1.0, 1.05])
        )
        level *= np.exp(rng.normal(0, 0.15))
        finalised[idx] = _poisson(rng, level * 0.9, overdispersion=0.05)
        factor = np.exp(rng.normal(0, 0.25))
        rate = national_rate[ti] * factor
        if name == FOCUS_FORCE:  # an early adopter of the joint police-CPS approach
            rate = np.interp(t[ti], [0, 4.0, 5.0, 8.75], [0.06, 0.035, 0.05, 0.095])
        charged[idx] = _binomial(rng, finalised[idx], rate)
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
    forces: list[_Force],
    months: Sequence[pd.Period],
    *,
    rate_per_1000_year: Callable[[_Force], float],
    time_shape: np.ndarray,
    not_recorded: Callable[[_Force], float],
    months_per_row: int,
) -> np.ndarray:
    """Counts per row (period, force, ethnic_group) of a power used on people."""
    counts = np.zeros(len(frame), dtype=np.int64)
    lookup = _force_lookup(forces)
    years = np.array([_year_fraction(m) for m in months])
    for name, rows in frame.groupby("force", sort=False).groups.items():
        force = lookup[name]
        idx = np.asarray(rows)
        relative = _ethnic_rates(rng, name == FOCUS_FORCE)
        white_rate = rate_per_1000_year(force) / sum(
            force.shares[g] * relative[g] for g in CENSUS_ETHNIC_GROUPS
        )
        nr_share = not_recorded(force)
        curve = np.exp(_smooth(rng, years, linear=0.15, wave=0.04))
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
            counts[sel] = _poisson(rng, lam, overdispersion=0.03)
    return counts


def _stop_search_frame(seed: int, forces: list[_Force]) -> pd.DataFrame:
    rng = _rng(seed, "stop_search")
    months = _months(NATIONAL_FIRST_MONTH, LAST_MONTH)
    frame = _periods_frame(months, forces, ethnic_group=RECORDED_ETHNIC_GROUPS)
    t = np.array([_year_fraction(m) for m in months]) - 2019.25
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
    frame["positive_outcomes"] = _binomial(rng, frame["searches"].to_numpy(), p)
    return frame.drop(columns="t")


def _use_of_force_frame(seed: int, forces: list[_Force]) -> pd.DataFrame:
    rng = _rng(seed, "use_of_force")
    quarters = quarter_range(FinancialQuarter.parse("2019-06"), PRC_LAST)
    months = [q.period for q in quarters]
    frame = _periods_frame(months, forces, ethnic_group=RECORDED_ETHNIC_GROUPS)
    t = np.array([_year_fraction(m) for m in months]) - 2019.5
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


def _workforce_frame(seed: int, forces: list[_Force]) -> pd.DataFrame:
    rng = _rng(seed, "workforce")
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


def _csew_frame(seed: int, forces: list[_Force]) -> pd.DataFrame:
    rng = _rng(seed, "csew_confidence")
    quarters = quarter_range(FinancialQuarter.parse("2019-06"), PRC_LAST)
    months = [q.period for q in quarters]
    frame = _periods_frame(months, forces)
    t = np.array([_year_fraction(m) for m in months]) - 2019.5
    national = np.interp(t, [0, 2, 5.75], [0.74, 0.71, 0.665])
    respondents = np.zeros(len(frame), dtype=np.int64)
    agree = np.zeros(len(frame), dtype=np.int64)
    lookup = _force_lookup(forces)
    for name, rows in frame.groupby("force", sort=False).groups.items():
        force = lookup[name]
        idx = np.asarray(rows)
        ti = frame.loc[idx, "t"].to_numpy()
        size = max(34_000 * force.population(2021) / 59.6e6, 250.0)
        respondents[idx] = _poisson(rng, np.full(len(idx), size))
        offset = rng.normal(0, 0.03)
        agree[idx] = _binomial(rng, respondents[idx], national[ti] + offset)
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


# ----- local extracts (monthly)
def _local_months() -> list[pd.Period]:
    return _months(LOCAL_FIRST.period - 2, LAST_MONTH)


def _monthly_curve(
    rng: np.random.Generator, years: np.ndarray, slope_sd: float, *, slope: float | None = None
) -> np.ndarray:
    drift = rng.normal(0, slope_sd) if slope is None else slope
    return drift * (years - years.mean()) + rng.normal(0, 0.02) * np.sin(2 * np.pi * years / 4)


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _proportion_series(
    rng: np.random.Generator,
    years: np.ndarray,
    mean: float,
    *,
    spread: float,
    slope_sd: float,
    slope: float | None = None,
) -> np.ndarray:
    """A proportion drifting on the logit scale."""
    centre = _logit(mean) + rng.normal(0, spread)
    return _expit(centre + _monthly_curve(rng, years, slope_sd, slope=slope))


def _victim_satisfaction_frame(seed: int, forces: list[_Force]) -> pd.DataFrame:
    rng = _rng(seed, "victim_satisfaction")
    months = _local_months()
    years = np.array([_year_fraction(m) for m in months])
    frame = _periods_frame(months, forces, survey=SATISFACTION_SURVEYS)
    sizes = {"overall": 150, "burglary": 30, "hate_crime": 12, "violent_crime": 40, "asb": 45}
    means = {
        "overall": 0.72,
        "burglary": 0.78,
        "hate_crime": 0.66,
        "violent_crime": 0.68,
        "asb": 0.60,
    }
    focus_slopes = {
        "overall": -0.12,
        "burglary": 0.0,
        "hate_crime": 0.15,
        "violent_crime": 0.0,
        "asb": 0.0,
    }
    respondents = np.zeros(len(frame), dtype=np.int64)
    satisfied = np.zeros(len(frame), dtype=np.int64)
    for (name, survey), rows in frame.groupby(["force", "survey"], sort=False).groups.items():
        force = _force_lookup(forces)[name]
        idx = np.asarray(rows)
        ti = frame.loc[idx, "t"].to_numpy()
        size = sizes[survey] * max(force.scale, 0.1)
        respondents[idx] = _poisson(rng, np.full(len(idx), size))
        slope = focus_slopes[survey] if name == FOCUS_FORCE else None
        p = _proportion_series(rng, years, means[survey], spread=0.15, slope_sd=0.06, slope=slope)
        satisfied[idx] = _binomial(rng, respondents[idx], p[ti])
    frame["respondents"] = respondents
    frame["satisfied"] = satisfied
    return frame


def _confidence_survey_frame(seed: int, forces: list[_Force]) -> pd.DataFrame:
    rng = _rng(seed, "confidence_survey")
    months = _local_months()
    years = np.array([_year_fraction(m) for m in months])
    frame = _periods_frame(months, forces)
    respondents = np.zeros(len(frame), dtype=np.int64)
    agree = np.zeros(len(frame), dtype=np.int64)
    for name, rows in frame.groupby("force", sort=False).groups.items():
        idx = np.asarray(rows)
        ti = frame.loc[idx, "t"].to_numpy()
        respondents[idx] = _poisson(rng, np.full(len(idx), 250.0))
        slope = -0.10 if name == FOCUS_FORCE else None  # confidence falling in the default force
        p = _proportion_series(rng, years, 0.70, spread=0.12, slope_sd=0.05, slope=slope)
        agree[idx] = _binomial(rng, respondents[idx], p[ti])
    frame["respondents"] = respondents
    frame["agree"] = agree
    return frame


def _count_series(
    rng: np.random.Generator,
    years: np.ndarray,
    level: float,
    *,
    slope_sd: float = 0.08,
    slope: float | None = None,
) -> np.ndarray:
    return level * np.exp(rng.normal(0, 0.2) + _monthly_curve(rng, years, slope_sd, slope=slope))


def _drugs_disruptions_frame(seed: int, forces: list[_Force]) -> pd.DataFrame:
    rng = _rng(seed, "drugs_disruptions")
    months = _local_months()
    years = np.array([_year_fraction(m) for m in months])
    frame = _periods_frame(months, forces)
    disruptions = np.zeros(len(frame), dtype=np.int64)
    lines = np.zeros(len(frame), dtype=np.int64)
    for name, rows in frame.groupby("force", sort=False).groups.items():
        force = _force_lookup(forces)[name]
        idx = np.asarray(rows)
        ti = frame.loc[idx, "t"].to_numpy()
        focus = name == FOCUS_FORCE
        level = _count_series(rng, years, 50 * force.scale, slope=0.10 if focus else None)
        disruptions[idx] = _poisson(rng, level[ti])
        share = rng.uniform(0.08, 0.16)
        lines[idx] = _binomial(rng, disruptions[idx], np.full(len(idx), share))
    frame["disruptions"] = disruptions
    frame["county_lines_disrupted"] = lines
    return frame


def _cyber_crime_frame(seed: int, forces: list[_Force]) -> pd.DataFrame:
    rng = _rng(seed, "cyber_crime")
    months = _local_months()
    years = np.array([_year_fraction(m) for m in months])
    frame = _periods_frame(months, forces)
    columns = {c: np.zeros(len(frame), dtype=np.int64) for c in
               ("disseminated", "investigated", "victims", "victims_advised")}  # fmt: skip
    ceiling_from = months.index(pd.Period("2021-04", freq="M"))
    for name, rows in frame.groupby("force", sort=False).groups.items():
        force = _force_lookup(forces)[name]
        idx = np.asarray(rows)
        ti = frame.loc[idx, "t"].to_numpy()
        scale = max(force.scale, 0.1)
        columns["disseminated"][idx] = _poisson(rng, _count_series(rng, years, 35 * scale)[ti])
        p = _proportion_series(rng, years, 0.85, spread=0.3, slope_sd=0.1)
        columns["investigated"][idx] = _binomial(rng, columns["disseminated"][idx], p[ti])
        columns["victims"][idx] = _poisson(rng, _count_series(rng, years, 30 * scale)[ti])
        p = _proportion_series(rng, years, 0.92, spread=0.4, slope_sd=0.1)
        advised = _binomial(rng, columns["victims"][idx], p[ti])
        if name == FOCUS_FORCE:  # every victim contacted since April 2021: a series at 100%
            advised = np.where(ti >= ceiling_from, columns["victims"][idx], advised)
        columns["victims_advised"][idx] = advised
    for column, values in columns.items():
        frame[column] = values
    return frame


def _action_fraud_local_frame(seed: int, forces: list[_Force]) -> pd.DataFrame:
    rng = _rng(seed, "action_fraud")
    months = _local_months()
    years = np.array([_year_fraction(m) for m in months])
    frame = _periods_frame(months, forces)
    values = np.zeros(len(frame), dtype=np.int64)
    for name, rows in frame.groupby("force", sort=False).groups.items():
        force = _force_lookup(forces)[name]
        idx = np.asarray(rows)
        ti = frame.loc[idx, "t"].to_numpy()
        level = _count_series(rng, years, 260 * max(force.scale, 0.2), slope=rng.normal(0.06, 0.04))
        values[idx] = _poisson(rng, level[ti], overdispersion=0.05)
    frame["referrals_disseminated"] = values
    return frame


def _complaint_reviews_frame(seed: int, forces: list[_Force]) -> pd.DataFrame:
    rng = _rng(seed, "complaint_reviews")
    months = _local_months()
    years = np.array([_year_fraction(m) for m in months])
    frame = _periods_frame(months, forces)
    reviews = np.zeros(len(frame), dtype=np.int64)
    upheld = np.zeros(len(frame), dtype=np.int64)
    for name, rows in frame.groupby("force", sort=False).groups.items():
        force = _force_lookup(forces)[name]
        idx = np.asarray(rows)
        ti = frame.loc[idx, "t"].to_numpy()
        if name == FOCUS_FORCE:  # 5 to 20 reviews a month
            expected = np.full(len(years), 12.0)
        else:
            expected = _count_series(rng, years, 12 * max(force.scale, 0.1), slope_sd=0.05)
        reviews[idx] = _poisson(rng, expected[ti])
        p = _proportion_series(rng, years, 0.2, spread=0.3, slope_sd=0.1)
        upheld[idx] = _binomial(rng, reviews[idx], p[ti])
    frame["reviews_completed"] = reviews
    frame["upheld"] = upheld
    return frame


def _information_rights_frame(seed: int, forces: list[_Force]) -> pd.DataFrame:
    rng = _rng(seed, "information_rights")
    months = _local_months()
    years = np.array([_year_fraction(m) for m in months])
    frame = _periods_frame(months, forces, request_type=REQUEST_TYPES)
    due = np.zeros(len(frame), dtype=np.int64)
    on_time = np.zeros(len(frame), dtype=np.int64)
    sizes = {"FOI": 110.0, "SAR": 60.0}
    means = {"FOI": 0.82, "SAR": 0.72}
    for (name, kind), rows in frame.groupby(["force", "request_type"], sort=False).groups.items():
        force = _force_lookup(forces)[name]
        idx = np.asarray(rows)
        ti = frame.loc[idx, "t"].to_numpy()
        level = sizes[kind] * max(force.scale, 0.03) ** 0.7
        due[idx] = _poisson(rng, _count_series(rng, years, level, slope_sd=0.05)[ti])
        slope = 0.25 if (name == FOCUS_FORCE and kind == "FOI") else None
        p = _proportion_series(rng, years, means[kind], spread=0.4, slope_sd=0.1, slope=slope)
        answered = _binomial(rng, due[idx], p[ti])
        if name == "London, City of" and kind == "SAR":  # a small force answering every SAR on time
            answered = due[idx]
        on_time[idx] = answered
    frame["requests_due"] = due
    frame["answered_on_time"] = on_time
    return frame


_LOCAL_BUILDERS: dict[str, Callable[[int, list[_Force]], pd.DataFrame]] = {
    "victim_satisfaction": _victim_satisfaction_frame,
    "confidence_survey": _confidence_survey_frame,
    "drugs_disruptions": _drugs_disruptions_frame,
    "cyber_crime": _cyber_crime_frame,
    "action_fraud": _action_fraud_local_frame,
    "complaint_reviews": _complaint_reviews_frame,
    "information_rights": _information_rights_frame,
}
_NATIONAL_BUILDERS: dict[str, Callable[[int, list[_Force]], pd.DataFrame]] = {
    "prc": _prc_frame,
    "population": _population_frame,
    "population_ethnicity": _population_ethnicity_frame,
    "rape_outcomes": _rape_outcomes_frame,
    "stop_search": _stop_search_frame,
    "use_of_force": _use_of_force_frame,
    "workforce": _workforce_frame,
    "csew_confidence": _csew_frame,
}


# ----- writing
def _csv_bytes(frame: pd.DataFrame, columns: Sequence[str]) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, columns=list(columns), index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def _gzip_bytes(data: bytes) -> bytes:
    """gzip with no name and no time stamp in the header, so the bytes depend on the data only."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as handle:
        handle.write(data)
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> str:
    """Write atomically (a reader never sees half a file); return the sha256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return hashlib.sha256(data).hexdigest()


def build_sample_frames(seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """Every source as a frame with its file's columns (local extracts: all quarters together)."""
    forces = _forces()
    frames = {name: build(seed, forces) for name, build in _NATIONAL_BUILDERS.items()}
    for name, build in _LOCAL_BUILDERS.items():
        frames[name] = build(seed, forces).drop(columns="t")
    return frames


def write_sample(out: Path, frames: dict[str, pd.DataFrame], readme: str) -> dict[str, str]:
    """Write `frames` (one per source, the file's columns) in the data layout under `out`.

    Local extracts are split into one file per quarter. Files of the layout that this call does
    not write (a local quarter from an earlier run) are removed; nothing else in `out` is touched.
    Returns {relative path: sha256}.
    """
    out = Path(out)
    written: dict[str, str] = {}
    for name, source in SOURCES.items():
        if name not in frames:
            continue
        frame = frames[name]
        if not source.is_folder:
            data = _csv_bytes(frame, source.columns)
            if source.path.endswith(".gz"):
                data = _gzip_bytes(data)
            written[source.path] = _write(out / source.path, data)
            continue
        months = pd.PeriodIndex(frame["period"], freq="M")
        quarter_end = [FinancialQuarter.containing(m).code for m in months]
        wanted = set()
        for code, part in frame.groupby(quarter_end, sort=True):
            rel = f"{source.path}/{code}.csv"
            written[rel] = _write(out / rel, _csv_bytes(part, source.columns))
            wanted.add(f"{code}.csv")
        for stale in (out / source.path).glob("*.csv"):
            if stale.name not in wanted:
                stale.unlink()
    written["README.md"] = _write(out / "README.md", readme.encode("utf-8"))
    return dict(sorted(written.items()))


def generate_sample_data(out: Path = DEFAULT_OUT, *, seed: int = DEFAULT_SEED) -> dict[str, str]:
    """Write the full SYNTHETIC sample data folder `out` (about 4 MB, a few seconds).

    Returns {relative path: sha256} of the files written; the same seed gives the same bytes.
    """
    frames = build_sample_frames(seed)
    return write_sample(out, frames, _readme(seed, frames))


# ----- a minimal folder for tests and examples
MINIMAL_PRC_CODES = ("1", "8N", "92A", "28I", "45", "34B", "39")


def minimal_sample_frames(seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """A small valid SYNTHETIC dataset: every source, all 43 forces, the last two years of PRC
    (seven offence codes) and the last year of everything else. Quick to write and to read."""
    rng = np.random.default_rng([seed, 99])
    forces = _forces()
    quarters = quarter_range(PRC_LAST - 7, PRC_LAST)
    months = _months(LAST_MONTH - 11, LAST_MONTH)
    classes = _classification()
    classes = classes[classes["Offence Code"].isin(MINIMAL_PRC_CODES) & (classes["last"] >= 2024)]
    rows = []
    for q in quarters:
        rows.append((q.financial_year, q.quarter_number, "Action Fraud",
                     "Fraud offences recorded by Action Fraud", "Fraud offences",
                     "Fraud: Action Fraud", "AF", int(rng.poisson(85_000))))  # fmt: skip
        for name, pop in [("British Transport Police", _BTP_POPULATION)] + [
            (f.name, float(f.population(2023.5))) for f in forces
        ]:
            for c in classes.itertuples(index=False):
                lam = c.mean / _REFERENCE_POPULATION * pop
                code, description, group, subgroup = c[:4]
                count = int(rng.poisson(lam))
                rows.append(
                    (q.financial_year, q.quarter_number, name, description, group, subgroup,
                     code, count)
                )  # fmt: skip
    frames: dict[str, pd.DataFrame] = {
        "prc": pd.DataFrame(rows, columns=list(PRC_COLUMNS)).sort_values(
            ["Financial Year", "Financial Quarter", "Force Name"], kind="stable"
        )
    }
    population = _population_frame(seed, forces)
    frames["population"] = population[population["mid_year"] >= 2021].reset_index(drop=True)
    frames["population_ethnicity"] = _population_ethnicity_frame(seed, forces)
    q_periods = [q.period for q in quarters]

    def grid(periods: Sequence[pd.Period], **categories: Sequence[str]) -> pd.DataFrame:
        return _periods_frame(periods, forces, **categories).drop(columns="t")

    def counts(frame: pd.DataFrame, level: float) -> np.ndarray:
        return rng.poisson(level, size=len(frame)).astype(np.int64)

    def part(whole: np.ndarray, share: float) -> np.ndarray:
        return _binomial(rng, whole, np.full(len(whole), share))

    f = grid(q_periods)
    f["finalised_outcomes"] = counts(f, 200)
    f["charged_summonsed"] = part(f["finalised_outcomes"].to_numpy(), 0.08)
    frames["rape_outcomes"] = f
    f = grid(months, ethnic_group=RECORDED_ETHNIC_GROUPS)
    f["searches"] = counts(f, 80)
    f["positive_outcomes"] = part(f["searches"].to_numpy(), 0.3)
    frames["stop_search"] = f
    f = grid(q_periods, ethnic_group=RECORDED_ETHNIC_GROUPS)
    f["incidents"] = counts(f, 300)
    frames["use_of_force"] = f
    f = grid(q_periods)
    f["respondents"] = counts(f, 800)
    f["agree"] = part(f["respondents"].to_numpy(), 0.7)
    national = f.groupby("period", as_index=False, sort=False)[["respondents", "agree"]].sum()
    national.insert(1, "force", ENGLAND_AND_WALES)
    frames["csew_confidence"] = pd.concat([f, national], ignore_index=True)
    snapshots = [WORKFORCE_FIRST + 6 * i for i in range(10, 13)]
    w = _periods_frame(snapshots, forces, worker_type=WORKER_TYPES,
                       ethnic_group=WORKFORCE_ETHNIC_GROUPS).drop(columns="t")  # fmt: skip
    w["period"] = [f"{p}-{31 if p.endswith('03') else 30}" for p in w["period"]]
    w = w.rename(columns={"period": "as_at"})
    w["headcount"] = counts(w, 100)
    frames["workforce"] = w
    f = grid(months, survey=SATISFACTION_SURVEYS)
    f["respondents"] = counts(f, 40)
    f["satisfied"] = part(f["respondents"].to_numpy(), 0.7)
    frames["victim_satisfaction"] = f
    f = grid(months)
    f["respondents"] = counts(f, 250)
    f["agree"] = part(f["respondents"].to_numpy(), 0.7)
    frames["confidence_survey"] = f
    f = grid(months)
    f["disruptions"] = counts(f, 40)
    f["county_lines_disrupted"] = part(f["disruptions"].to_numpy(), 0.12)
    frames["drugs_disruptions"] = f
    f = grid(months)
    f["disseminated"] = counts(f, 30)
    f["investigated"] = part(f["disseminated"].to_numpy(), 0.85)
    f["victims"] = counts(f, 25)
    f["victims_advised"] = part(f["victims"].to_numpy(), 0.9)
    frames["cyber_crime"] = f
    f = grid(months)
    f["referrals_disseminated"] = counts(f, 200)
    frames["action_fraud"] = f
    f = grid(months)
    f["reviews_completed"] = counts(f, 10)
    f["upheld"] = part(f["reviews_completed"].to_numpy(), 0.2)
    frames["complaint_reviews"] = f
    f = grid(months, request_type=REQUEST_TYPES)
    f["requests_due"] = counts(f, 60)
    f["answered_on_time"] = part(f["requests_due"].to_numpy(), 0.8)
    frames["information_rights"] = f
    return frames


def write_minimal_sample(out: Path, *, seed: int = DEFAULT_SEED) -> dict[str, str]:
    """Write `minimal_sample_frames` in the data layout (for tests and examples)."""
    frames = minimal_sample_frames(seed)
    readme = (
        "# SYNTHETIC sample data - not real statistics\n\n"
        "A minimal invented dataset written by "
        "`helpers.inputs.sample_data.write_minimal_sample` for tests: every source, "
        "all 43 forces, a short span.\n"
    )
    return write_sample(out, frames, readme)


def _readme(seed: int, frames: dict[str, pd.DataFrame]) -> str:
    lines = [
        "# SYNTHETIC sample data - not real statistics",
        "",
        "Every number in this folder is **invented** by `python -m helpers sample-data` "
        f"(`src/helpers/sample_data.py`, seed {seed}). It is never real data: do not quote, "
        "publish or compare it with anything.",
        "",
        "It has the layout, file formats and column names of the real inputs (see `docs/DATA.md`), "
        "for all 43 forces, so that the report builds for any force without real data. "
        "Magnitudes are plausible: offence counts follow the England and Wales mean counts of "
        "each Home Office offence code scaled by population; populations and ethnic shares are "
        "rounded from published ONS figures; trends, seasonality and noise are random.",
        "",
        "Regenerate (the same seed gives the same bytes):",
        "",
        "    python -m helpers sample-data --out data/sample",
        "",
        "| file | rows | source |",
        "|---|---|---|",
    ]
    for name, source in SOURCES.items():
        where = source.path + ("/<YYYY-MM>.csv" if source.is_folder else "")
        lines.append(f"| `{where}` | {len(frames[name]):,} | {name}: {source.description} |")
    lines += [
        "",
        "Coverage: police recorded crime 2012/13 Q1 to 2024/25 Q4 (quarter ending March 2025); "
        "population mid-2011 to mid-2023 only (so 2024 falls back to 2023); rape outcomes from "
        "2016-06; stop and search, use of force, workforce, CSEW and every local extract from "
        "2019/20 to 2024/25.",
        "",
    ]
    return "\n".join(lines)


def write_templates(out: Path = DATA_DIR / "templates") -> list[Path]:
    """Header-only CSV templates of every local extract, from the contracts, plus a README."""
    out = Path(out)
    paths = []
    for name in LOCAL_SOURCES:
        source = SOURCES[name]
        path = out / f"{name}.csv"
        _write(path, (",".join(source.columns) + "\n").encode("utf-8"))
        paths.append(path)
    return paths


# ----- command line
def main(argv: list[str] | None = None) -> int:
    """`python -m helpers sample-data [--out DIR] [--seed N]`."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers sample-data",
        description="Write the SYNTHETIC sample data folder (all 43 forces; deterministic).",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="folder (default data/sample)"
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})"
    )
    args = parser.parse_args(argv)
    try:
        written = generate_sample_data(args.out, seed=args.seed)
    except (OSError, zlib.error) as exc:
        print(f"error: cannot write the sample data to {args.out}: {exc}")
        return 1
    size = sum((Path(args.out) / rel).stat().st_size for rel in written)
    print(
        f"wrote {len(written)} files ({size / 1e6:.1f} MB) of SYNTHETIC sample data to {args.out}"
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
