"""False alarms, detection and speed of each Trend / Outlook method, on simulated counts.

For every method of `helpers.trends` (and, as the naive baseline, the unmodified Mann-Kendall
test on the same rolling points) this prints, in one run:

* the false-alarm rate: Increasing or Reducing on trendless series;
* the detection rate: Increasing on series rising 5% and 10% a year;

at about 20 and 2,000 counts a quarter, with Poisson noise alone and with 3% extra
(multiplicative, log-normal) overdispersion, and the wall time of one `trend_outlook` call.

Each simulated force has 20 quarters of counts (so every method has the history it needs: the
rate-ratio test wants the year before, the window 12 rolling points). The series handed to the
methods is what `measures.py` makes for a count measure: the 12-month rolling count at each
quarter end (`value`, `count`) and the quarter's own count (`raw_value`). The same series go
to every method. No seasonality is simulated.

    .venv/bin/python benchmarks/trend_methods.py            # 200 runs per cell, seed 20240331
    .venv/bin/python benchmarks/trend_methods.py --runs 50  # quicker look
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import numpy as np
import pandas as pd
import pymannkendall as mk

from helpers.config import TrendSettings
from helpers.trends import trend_outlook

METHODS = (
    "mann_kendall_rolling",
    "mann_kendall_hamed_rao",
    "rate_ratio",
    "seasonal_mann_kendall",
    "spc",
)
NAIVE = "naive: unmodified Mann-Kendall"
LEVELS = (20, 2000)  # counts a quarter
OVERDISPERSION = (0.0, 0.03)  # coefficient of variation of the extra, multiplicative noise
GROWTHS = (0.0, 0.05, 0.10)  # a year
QUARTERS = 20
END = pd.Period("2024-03", freq="M")


def simulated_series(
    rng: np.random.Generator, level: float, growth: float, overdispersion: float
) -> pd.DataFrame:
    t = np.arange(QUARTERS)
    mean = level * (1 + growth) ** (t / 4)
    if overdispersion:
        sigma = np.sqrt(np.log1p(overdispersion**2))
        mean = mean * rng.lognormal(-(sigma**2) / 2, sigma, QUARTERS)
    raw = rng.poisson(mean).astype(float)
    rolling = np.convolve(raw, np.ones(4), mode="valid")
    periods = [END - 3 * (len(rolling) - 1 - i) for i in range(len(rolling))]
    return pd.DataFrame(
        {"period": periods, "value": rolling, "count": rolling, "raw_value": raw[3:]}
    )


def naive_word(series: pd.DataFrame, settings: TrendSettings) -> str:
    """What the rolling series says with no allowance for the overlap of 12-month windows."""
    result = mk.original_test(series["value"].to_numpy()[-settings.window_quarters :])
    if result.p >= settings.alpha or result.z == 0:
        return "Stable"
    return "Increasing" if result.z > 0 else "Reducing"


def run(runs: int, seed: int) -> tuple[dict, dict]:
    """{(level, overdispersion, growth, method): share of runs with a signal}, {method: s/call}."""
    rng = np.random.default_rng(seed)
    settings = {m: TrendSettings(method=m) for m in METHODS}
    signals: dict[tuple, int] = defaultdict(int)
    seconds: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    for level in LEVELS:
        for overdispersion in OVERDISPERSION:
            for growth in GROWTHS:
                for _ in range(runs):
                    series = simulated_series(rng, level, growth, overdispersion)
                    for method in (*METHODS, NAIVE):
                        started = time.perf_counter()
                        if method == NAIVE:
                            word = naive_word(series, settings[METHODS[0]])
                        else:
                            word = trend_outlook(
                                series, unit="count", settings=settings[method]
                            ).word
                        seconds[method] += time.perf_counter() - started
                        calls[method] += 1
                        hit = word != "Stable" if growth == 0 else word == "Increasing"
                        signals[level, overdispersion, growth, method] += hit
    rates = {key: count / runs for key, count in signals.items()}
    per_call = {m: seconds[m] / calls[m] for m in calls}
    return rates, per_call


def table(rates: dict, per_call: dict, runs: int) -> str:
    width = max(len(m) for m in (*METHODS, NAIVE))
    head = (
        f"{'counts/qtr':>10}  {'extra noise':>11}  {'method':<{width}}  "
        f"{'false alarm':>11}  {'detect 5%/yr':>12}  {'detect 10%/yr':>13}"
    )
    lines = [head, "-" * len(head)]
    for level in LEVELS:
        for overdispersion in OVERDISPERSION:
            for method in (*METHODS, NAIVE):
                false, five, ten = (
                    rates.get((level, overdispersion, g, method), 0.0) for g in GROWTHS
                )
                lines.append(
                    f"{level:>10,}  {overdispersion:>11.0%}  {method:<{width}}  "
                    f"{false:>11.1%}  {five:>12.1%}  {ten:>13.1%}"
                )
            lines.append("")
    se = np.sqrt(0.05 * 0.95 / runs)
    lines.append(
        f"{runs} runs per cell; a false-alarm rate of 5% has a Monte-Carlo standard error of "
        f"{se:.1%}. Alpha 0.05, window 12 quarters. False alarm: Increasing or Reducing on a "
        "trendless series; detect: Increasing."
    )
    lines += ["", f"{'method':<{width}}  {'ms per call':>11}", "-" * (width + 13)]
    lines += [f"{m:<{width}}  {per_call[m] * 1000:>11.2f}" for m in (*METHODS, NAIVE)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="simulated series per cell")
    parser.add_argument("--seed", type=int, default=20240331)
    args = parser.parse_args()
    started = time.perf_counter()
    rates, per_call = run(args.runs, args.seed)
    print(table(rates, per_call, args.runs))
    print(f"\ntotal {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
