"""Synthetic police recorded crime: every Home Office offence code for every force, quarter by
quarter, as the published open data table lays it out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.paths import REFERENCE_DIR
from helpers.core.quarters import FinancialQuarter, quarter_range
from helpers.inputs.sample_data.synthetic import (
    FOCUS_FORCE,
    POPULATION_YEARS,
    PRC_FIRST,
    PRC_LAST,
    REFERENCE_POPULATION,
    SyntheticForce,
    poisson_counts,
    smooth_log_curve,
    stream_rng,
    year_fraction,
)
from helpers.inputs.schemas import PRC_COLUMNS

_LAST_DATA_YEAR = "2023/24"  # last year of the real classification; extended to 2024/25


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
BTP_POPULATION = 700_000.0
_BTP_FAMILY = {"theft_person": 3.0, "robbery_personal": 0.6, "violence_injury": 0.4,
               "sexual": 0.5, "public_order": 0.8, "drug_possession": 0.6,
               "drug_trafficking": 0.3, "weapons": 0.5, "homicide": 0.05}  # fmt: skip


def _fy_start(text: str) -> int:
    return int(text[:4])


def offence_classification() -> pd.DataFrame:
    """The Home Office offence codes: England and Wales mean count, offence family, first and
    last financial year in use (codes in use in the last real year carry on to 2024/25)."""
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
    rng: np.random.Generator, forces: list[SyntheticForce], quarters: list[FinancialQuarter]
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
                + smooth_log_curve(rng, t, linear=0.25, wave=0.05)
            )
            if focus and family in _FOCUS_TRENDS:
                after = t[focus_from:] - t[focus_from]
                curve[focus_from:] = curve[focus_from] + _FOCUS_TRENDS[family] * after
            out[(force.name, family)] = curve
    return out


def prc_frame(seed: int, forces: list[SyntheticForce]) -> pd.DataFrame:
    """Every force's police recorded crime (and British Transport Police and Action Fraud), in
    the published file's columns."""
    rng = stream_rng(seed, "prc")
    quarters = quarter_range(PRC_FIRST, PRC_LAST)
    classes = offence_classification()
    base = _base_levels(classes, quarters)  # rows x quarters
    rate = base / REFERENCE_POPULATION
    # Population growth after the last published estimate (mid-2023) is not known, so counts
    # follow the last estimate: rates with the fallback denominator then stay unbiased.
    years = np.minimum([year_fraction(q.period - 1) for q in quarters], POPULATION_YEARS[-1] + 0.5)
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
        blocks.append((force.name, poisson_counts(rng, lam, overdispersion=0.02)))
    # British Transport Police: a national force of the railways.
    btp_factor = np.array([_BTP_FAMILY.get(f, 0.15) for f in families])[:, None]
    btp_lam = rate * BTP_POPULATION * btp_factor * season[:, season_index] * covid_rows
    blocks.append(("British Transport Police", poisson_counts(rng, btp_lam, overdispersion=0.03)))

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
    counts = poisson_counts(rng, level, overdispersion=0.03)
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
