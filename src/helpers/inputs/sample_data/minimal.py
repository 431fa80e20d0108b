"""A minimal valid SYNTHETIC data folder for tests and examples: every source, all 43 forces,
a short span.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core.forces import ENGLAND_AND_WALES
from helpers.core.quarters import quarter_range
from helpers.inputs.sample_data.crime import BTP_POPULATION, offence_classification
from helpers.inputs.sample_data.folder import write_sample
from helpers.inputs.sample_data.national import population_ethnicity_frame, population_frame
from helpers.inputs.sample_data.synthetic import (
    DEFAULT_SEED,
    LAST_MONTH,
    PRC_LAST,
    REFERENCE_POPULATION,
    WORKFORCE_FIRST,
    binomial_counts,
    month_range,
    periods_frame,
    synthetic_forces,
)
from helpers.inputs.schemas import (
    PRC_COLUMNS,
    RECORDED_ETHNIC_GROUPS,
    REQUEST_TYPES,
    SATISFACTION_SURVEYS,
    WORKER_TYPES,
    WORKFORCE_ETHNIC_GROUPS,
)

# ----- a minimal folder for tests and examples
MINIMAL_PRC_CODES = ("1", "8N", "92A", "28I", "45", "34B", "39")


def minimal_sample_frames(seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """A small valid SYNTHETIC dataset: every source, all 43 forces, the last two years of PRC
    (seven offence codes) and the last year of everything else. Quick to write and to read."""
    rng = np.random.default_rng([seed, 99])
    forces = synthetic_forces()
    quarters = quarter_range(PRC_LAST - 7, PRC_LAST)
    months = month_range(LAST_MONTH - 11, LAST_MONTH)
    classes = offence_classification()
    classes = classes[classes["Offence Code"].isin(MINIMAL_PRC_CODES) & (classes["last"] >= 2024)]
    rows = []
    for q in quarters:
        rows.append((q.financial_year, q.quarter_number, "Action Fraud",
                     "Fraud offences recorded by Action Fraud", "Fraud offences",
                     "Fraud: Action Fraud", "AF", int(rng.poisson(85_000))))  # fmt: skip
        for name, pop in [("British Transport Police", BTP_POPULATION)] + [
            (f.name, float(f.population(2023.5))) for f in forces
        ]:
            for c in classes.itertuples(index=False):
                lam = c.mean / REFERENCE_POPULATION * pop
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
    population = population_frame(seed, forces)
    frames["population"] = population[population["mid_year"] >= 2021].reset_index(drop=True)
    frames["population_ethnicity"] = population_ethnicity_frame(seed, forces)
    frames["population_ethnicity_2011"] = population_ethnicity_frame(seed, forces, 2011)
    q_periods = [q.period for q in quarters]

    def grid(periods: Sequence[pd.Period], **categories: Sequence[str]) -> pd.DataFrame:
        return periods_frame(periods, forces, **categories).drop(columns="t")

    def counts(frame: pd.DataFrame, level: float) -> np.ndarray:
        return rng.poisson(level, size=len(frame)).astype(np.int64)

    def part(whole: np.ndarray, share: float) -> np.ndarray:
        return binomial_counts(rng, whole, np.full(len(whole), share))

    f = grid(q_periods)
    f["finalised_outcomes"] = counts(f, 200)
    f["charged_summonsed"] = part(f["finalised_outcomes"].to_numpy(), 0.08)
    frames["rape_outcomes"] = f
    f = grid(months, ethnic_group=RECORDED_ETHNIC_GROUPS)
    f["searches"] = counts(f, 80)
    f["positive_outcomes"] = part(f["searches"].to_numpy(), 0.3)
    f["arrests"] = f["positive_outcomes"] // 2  # no draw: the other sources keep theirs
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
    w = periods_frame(snapshots, forces, worker_type=WORKER_TYPES,
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
