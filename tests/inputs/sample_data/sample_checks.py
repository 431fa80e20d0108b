"""What the tests of the synthetic sample share: where the committed sample is, the default
force, and small calculations made without the generator."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from helpers.core.config import default_catalogue
from helpers.core.forces import default_forces
from helpers.core.paths import DATA_DIR
from helpers.inputs.datasets import InputData

COMMITTED = DATA_DIR / "sample"
FOCUS = "Avon and Somerset"
FORCES = default_forces().names


def hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def financial_year(periods: pd.Series) -> pd.Series:
    """'2023/24' for every month from April 2023 to March 2024."""
    start = periods.dt.year - (periods.dt.month <= 3)
    return start.astype(str) + "/" + ((start + 1) % 100).astype(str).str.zfill(2)


def rolling_rate(sample: InputData, measure_id: str) -> pd.Series:
    measure = default_catalogue().measure(measure_id)
    prc = sample.prc
    rows = prc[prc["force"] == FOCUS]
    numerator = measure.numerator
    mask = pd.Series(False, index=rows.index)
    if "offence_subgroups" in numerator:
        mask |= rows["offence_subgroup"].isin(numerator["offence_subgroups"])
    if "offence_codes" in numerator:
        mask |= rows["offence_code"].isin(numerator["offence_codes"])
    counts = rows[mask].groupby("period")["count"].sum().sort_index()
    rolled = counts.rolling(4).sum().dropna()
    kind = "households" if measure.denominator == "households" else "population"
    population = sample.population
    by_year = population[population["force"] == FOCUS].set_index("mid_year")[kind]
    # Mid-year of the window's midpoint, the latest published where it is not out yet.
    years = [
        min(p.year - (1 if p.month < 9 else 0), int(by_year.index.max())) for p in rolled.index
    ]
    return rolled / by_year.loc[years].to_numpy() * 1000


def latest_year(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["period"] >= pd.Period("2024-04", freq="M")]
