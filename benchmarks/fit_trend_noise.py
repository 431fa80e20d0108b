"""How much real force series wander: cv and rho of the quarter effect, fitted on the Home Office
police recorded crime file for every force, per police recorded crime measure of the report.

For each measure of params/measures.yaml whose source is the PRC file, the panel is what the
report itself estimates from (`helpers.measures.noise.noise_panel`): each force's quarterly
count of the measure's offences, the population as exposure, from the first quarter the series
holds. `helpers.stats.trends.noise.fit_trend_noise` removes each force's level, linear trend and
quarter-of-year terms (a Poisson GLM per series, or per block of a series) and estimates the
coefficient of variation (cv) of a log-normal quarter effect and its lag-1 correlation (rho)
from the moments of the residuals beyond Poisson noise, pooled over the forces (a force far
outside the others left out, each quarter's residual capped at 4 standard deviations).

Printed: the estimates before 2020 (to the quarter ending December 2019) with the series
detrended whole and in blocks of 12, 16 and 20 quarters, a 90% interval from resampling the
forces (200 resamples, with replacement), and the estimate the report would use at the file's
last quarter (June 2023, 2020/21 left out). The issue's reference ranges are printed beside.

    .venv/bin/python benchmarks/fit_trend_noise.py --real-dir ../shared/data/real   # about 1 min
    .venv/bin/python benchmarks/fit_trend_noise.py --data-dir data/real    # already imported
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core.config import default_catalogue, load_settings
from helpers.inputs.datasets import load_inputs
from helpers.inputs.published.real_folder import import_real
from helpers.measures.noise import BLOCK_QUARTERS, fit_panel, noise_panel
from helpers.measures.series import all_forces_series

BEFORE_2020 = pd.Period("2019-12", freq="M")
BLOCKS = (None, 12, 16, 20)
RESAMPLES = 100
# The ranges the issue quotes (cv, rho), for comparison.
REFERENCE = {
    "residential_burglary": "about 0.20 / 0.7",
    "theft_from_person": "up to 0.25 / 0.9",
    "personal_robbery": "0.13-0.16 / 0.5-0.6",
    "drug_trafficking": "0.16-0.20 / 0.3-0.6",
    "vehicle_offences": "0.07-0.13 / 0.5-0.7",
}


def resampled(panel, rng: np.random.Generator):
    """`RESAMPLES` panels of the forces drawn with replacement, stacked on a leading axis."""
    pick = rng.integers(0, len(panel.forces), size=(RESAMPLES, len(panel.forces)))
    return replace(panel, events=panel.events[pick], exposure=panel.exposure[pick])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--real-dir", type=Path, help="folder of published files (import-real)")
    where.add_argument("--data-dir", type=Path, help="an imported data folder (data/real)")
    parser.add_argument("--seed", type=int, default=20240331)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir
        if data_dir is None:
            import_real(args.real_dir, tmp)
            data_dir = Path(tmp)
        inputs = load_inputs(data_dir)
        inputs.prc  # noqa: B018 - the tables load on first use, while the folder exists
        inputs.population  # noqa: B018
    settings = load_settings()
    rng = np.random.default_rng(args.seed)
    measures = [m for m in default_catalogue().measures if m.source == "prc"]
    last = inputs.prc["period"].max()
    print(
        "| measure | median count a quarter | blocks | cv | rho | cv 90% | rho 90% | forces |"
        " quarters |\n|---|---:|---|---:|---:|---|---|---:|---:|"
    )
    chosen = []
    for measure in measures:
        series = all_forces_series(measure, inputs, settings)
        panel = noise_panel(measure, series, BEFORE_2020)
        assert panel is not None
        level = np.nanmedian(panel.events)
        for block in BLOCKS:
            fit = fit_panel(panel, block_quarters=block or 10_000)
            boot = fit_panel(resampled(panel, rng), block_quarters=block or 10_000)
            cv_lo, cv_hi = np.nanpercentile(boot.cv, [5, 95])
            rho_lo, rho_hi = np.nanpercentile(boot.rho, [5, 95])
            label = f"{block} quarters" if block else "whole series"
            print(
                f"| {measure.id} | {level:,.0f} | {label} | {float(fit.cv):.3f} | "
                f"{float(fit.rho):.2f} | {cv_lo:.3f}-{cv_hi:.3f} | {rho_lo:.2f}-{rho_hi:.2f} | "
                f"{len(set(panel.forces))} | {int(fit.points)} |"
            )
        report = fit_panel(noise_panel(measure, series, last), block_quarters=BLOCK_QUARTERS)
        chosen.append((measure.id, float(report.cv), float(report.rho), REFERENCE.get(measure.id)))
    print(
        f"\nWhat the report uses at {last.strftime('%b %Y')} (blocks of {BLOCK_QUARTERS} "
        "quarters, 2020/21 left out), and the issue's reference figures:\n\n"
        "| measure | cv | rho | issue's reference (cv / rho) |\n|---|---:|---:|---|"
    )
    for name, cv, rho, ref in chosen:
        print(f"| {name} | {cv:.3f} | {rho:.2f} | {ref or '-'} |")
    seconds = time.perf_counter() - started
    print(f"\nseed {args.seed}; {RESAMPLES} resamples of the forces; {seconds:.0f} s")


if __name__ == "__main__":
    main()
