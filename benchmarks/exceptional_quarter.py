"""Simulation: the threshold below which a quarter is exceptional (``trend.exceptional_p``).

The regressions leave out of the trend test one quarter that the rest of the window could not
have produced (`helpers.stats.trends.quarter_tails`: each quarter is compared with the fit of the
other quarters, its tail probability that of a Poisson count with a log-normal mean spread by
the quarter noise cv and the fit's own uncertainty). A threshold
too high takes ordinary quarters out of the test (and so changes words for no reason); too low
and a mass-casualty quarter stays in and decides the word. This script prints, for thresholds
1e-3 to 1e-6:

* ordinary: the share of series with no exceptional quarter in which some quarter is caught
  (300 series a scenario: a rate of 1% is resolved to about +-1.1%, 0.3% to +-0.6%);
* spike: the share of series in which a spike put into quarter 8 of 12 is caught, the spike
  adding 6 or 10 standard deviations of an ordinary quarter (sqrt(mu + cv^2 mu^2)) to it.

Series: 12 quarters; a quarter's count is Poisson with mean level * season * (1 + growth)^years
* exp(e), e a stationary Gaussian AR(1) with coefficient of variation `cv` (of exp(e)) and lag-1
correlation `rho`; seasons 1.0/1.1/1.2/0.9, fitted with quarter-of-year terms; levels 1 to 5,000
a quarter; no quarter noise, cv 0.10 with rho 0.6, cv 0.25 with rho 0.6 and 0.9; growth 0 and
+10% a year. The detector is
told the true cv and rho (the report gives it the panel's estimate), except in the rows marked
"working", where the truth is cv 0.25, rho 0.9 and the detector assumes the settings' working
cv 0.10, rho 0.6.

    .venv/bin/python benchmarks/exceptional_quarter.py    # 10 min on a busy machine, seed 20240630
    .venv/bin/python benchmarks/exceptional_quarter.py --runs 100   # quick look
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from helpers.core.config import TrendSettings
from helpers.stats.trends import quarter_tails

THRESHOLDS = (1e-3, 1e-4, 1e-5, 1e-6)
LEVELS = (1, 3, 10, 50, 300, 5000)
NOISES = ((0.0, 0.0), (0.10, 0.6), (0.25, 0.6), (0.25, 0.9))
SEASON = np.array([1.0, 1.1, 1.2, 0.9])
SPIKES = (6, 10)  # standard deviations of an ordinary quarter
SPIKE_AT = 7  # quarter 8 of 12
N = 12


def simulate(
    rng: np.random.Generator, runs: int, level: float, cv: float, rho: float, growth: float
) -> tuple[np.ndarray, np.ndarray]:
    """(counts (runs, N), the quarters' means without the quarter effect (N,))."""
    quarters = np.arange(-N + 1, 1)
    mean = level * SEASON[quarters % 4] * (1 + growth) ** ((quarters - quarters.mean()) / 4)
    sigma = np.sqrt(np.log1p(cv**2))
    e = np.empty((runs, N))
    e[:, 0] = rng.normal(0, sigma, runs)
    for i in range(1, N):
        e[:, i] = rho * e[:, i - 1] + np.sqrt(1 - rho**2) * rng.normal(0, sigma, runs)
    return rng.poisson(mean * np.exp(e - sigma**2 / 2)).astype(float), mean


def caught(counts: np.ndarray, cv: float, rho: float) -> tuple[np.ndarray, np.ndarray]:
    """Each series' most exceptional quarter and its tail probability."""
    tails = quarter_tails(counts, np.ones(N), np.arange(-N + 1, 1), seasonal=True, cv=cv, rho=rho)
    return tails.most_exceptional()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20240630)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    head = " ".join(f"{t:>7.0e}" for t in THRESHOLDS)
    print(f"Exceptional quarter: {args.runs} series a row, 12 quarters, seed {args.seed}")
    print(f"settings' threshold now: {TrendSettings().exceptional_p:g}\n")
    print("Share of series in which a quarter is caught, at thresholds " + head)
    print(f"{'level':>6} {'cv':>5} {'rho':>4} {'growth':>6} {'detector':>9} | ordinary"
          + "".join(f" | spike +{k} sd" for k in SPIKES))  # fmt: skip
    worst = np.zeros(len(THRESHOLDS))
    spike_rates: dict[tuple[int, int], list[np.ndarray]] = {}
    rows = [(lv, cv, rho, g, "true") for lv in LEVELS for cv, rho in NOISES for g in (0.0, 0.10)]
    rows += [(lv, 0.25, 0.9, 0.0, "working") for lv in LEVELS]
    for level, cv, rho, growth, detector in rows:
        counts, mean = simulate(rng, args.runs, level, cv, rho, growth)
        assumed = (cv, rho) if detector == "true" else (0.10, 0.6)
        _, p = caught(counts, *assumed)
        ordinary = [(p < t).mean() for t in THRESHOLDS]
        if detector == "true":
            worst = np.maximum(worst, ordinary)
        spikes = []
        if growth == 0:
            for k in SPIKES:
                spiked = counts.copy()
                sd = np.sqrt(mean[SPIKE_AT] + cv**2 * mean[SPIKE_AT] ** 2)
                spiked[:, SPIKE_AT] += np.ceil(k * sd)
                index, p_spike = caught(spiked, *assumed)
                rate = np.array([((index == SPIKE_AT) & (p_spike < t)).mean() for t in THRESHOLDS])
                spikes.append(" ".join(f"{r:>6.0%}" for r in rate))
                if detector == "true":
                    spike_rates.setdefault((k, level), []).append(rate)
        print(
            f"{level:>6} {cv:>5.2f} {rho:>4.1f} {growth:>+6.0%} {detector:>9} | "
            + " ".join(f"{r:>5.1%}" for r in ordinary)
            + "".join(f" | {s}" for s in spikes),
            flush=True,
        )
    print("\nWorst ordinary rate over the rows with the true noise, by threshold:")
    print("  " + ", ".join(f"{t:.0e}: {w:.1%}" for t, w in zip(THRESHOLDS, worst, strict=True)))
    print("Spike caught (lowest over the noises, true noise), by threshold and level:")
    for i, t in enumerate(THRESHOLDS):
        for k in SPIKES:
            lowest = [min(r[i] for r in spike_rates[(k, lv)]) for lv in LEVELS]
            print(
                f"  {t:.0e} +{k} sd: "
                + ", ".join(f"{lv}: {r:.0%}" for lv, r in zip(LEVELS, lowest, strict=True))
            )
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
