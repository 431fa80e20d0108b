"""The synthetic forces, the time span of each source and the random draws every generator
shares: one seeded stream per source, so that changing one source never changes another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.core.forces import default_forces
from helpers.core.paths import DATA_DIR
from helpers.core.quarters import FinancialQuarter
from helpers.inputs.schemas import CENSUS_ETHNIC_GROUPS

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
REFERENCE_POPULATION = 58_400_000.0


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


# Stable identifiers of the random streams: changing one source never changes another.
_STREAMS = {
    "forces": 1, "prc": 2, "population": 3, "population_ethnicity": 4, "rape_outcomes": 5,
    "stop_search": 6, "use_of_force": 7, "workforce": 8, "csew_confidence": 9,
    "victim_satisfaction": 10, "confidence_survey": 11, "drugs_disruptions": 12,
    "cyber_crime": 13, "action_fraud": 14, "complaint_reviews": 15, "information_rights": 16,
    "stop_search_arrests": 17, "population_ethnicity_2011": 18,
}  # fmt: skip


@dataclass(frozen=True)
class SyntheticForce:
    """A force as the generator sees it: its population, households per resident and Census
    2021 ethnic shares."""

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


def synthetic_forces() -> list[SyntheticForce]:
    """Every territorial force of params/forces.yaml, with its facts."""
    out = []
    for force in default_forces().forces:
        pop2011, pop2024, ratio, (asian, black, mixed, other) = _FORCE_FACTS[force.name]
        shares = {"Asian": asian, "Black": black, "Mixed": mixed, "Other": other}
        shares["White"] = 100.0 - sum(shares.values())
        out.append(
            SyntheticForce(
                name=force.name,
                code=force.code,
                pop2011=pop2011 * 1000,
                pop2024=pop2024 * 1000,
                households_ratio=ratio,
                shares={g: shares[g] / 100 for g in CENSUS_ETHNIC_GROUPS},
            )
        )
    return out


def month_range(first: pd.Period, last: pd.Period) -> list[pd.Period]:
    """Every month from `first` to `last`, both included."""
    return list(pd.period_range(first, last, freq="M"))


def year_fraction(period: pd.Period) -> float:
    """Middle of the month as a fractional year, for population interpolation (mid-year = .5)."""
    return period.year + (period.month - 0.5) / 12


def stream_rng(seed: int, stream: str) -> np.random.Generator:
    """The random stream of one source: the same seed and source always give the same draws."""
    return np.random.default_rng([seed, _STREAMS[stream]])


def smooth_log_curve(
    rng: np.random.Generator, t: np.ndarray, linear: float, wave: float
) -> np.ndarray:
    """A smooth random log-curve over `t` (years from the start): a drift plus a slow wave."""
    span = max(float(t.max() - t.min()), 1.0)
    slope = rng.normal(0, linear)
    amplitude = rng.normal(0, wave)
    period = rng.uniform(5, 11)
    phase = rng.uniform(0, 2 * np.pi)
    x = (t - t.min()) / span - 0.5
    return slope * x + amplitude * np.sin(2 * np.pi * t / period + phase)


def poisson_counts(
    rng: np.random.Generator, lam: np.ndarray, overdispersion: float = 0.0
) -> np.ndarray:
    """Poisson counts of mean `lam`; with `overdispersion`, each mean is first multiplied by a
    gamma variable of mean 1 with that coefficient of variation."""
    lam = np.clip(np.asarray(lam, dtype=float), 0, None)
    if overdispersion > 0:
        shape = 1 / overdispersion**2
        lam = lam * rng.gamma(shape, 1 / shape, size=lam.shape)
    return rng.poisson(lam).astype(np.int64)


def binomial_counts(rng: np.random.Generator, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Binomial counts of `n` trials with probability `p` (clipped to 0..1)."""
    return rng.binomial(np.asarray(n, dtype=np.int64), np.clip(p, 0.0, 1.0)).astype(np.int64)


def periods_frame(
    months: Sequence[pd.Period], forces: list[SyntheticForce], **categories: Sequence[str]
) -> pd.DataFrame:
    """Every combination of period, force and categories, in that order."""
    index = pd.MultiIndex.from_product(
        [list(range(len(months))), [f.name for f in forces], *categories.values()],
        names=["t", "force", *categories],
    )
    frame = index.to_frame(index=False)
    frame.insert(0, "period", [str(months[i]) for i in frame["t"]])
    return frame


def force_lookup(forces: list[SyntheticForce]) -> dict[str, SyntheticForce]:
    """{force name: its SyntheticForce}."""
    return {f.name: f for f in forces}
