"""NHS England "Making Data Count" XmR chart: its limits and special-cause rules."""

from __future__ import annotations

import numpy as np

# NHS England, "Making Data Count": XmR limits at mean ± 2.66 × mean moving range (2.66 = 3/d2,
# d2 = 1.128 for ranges of two points), and its four special-cause rules.
SPC_LIMIT_FACTOR = 2.66
SPC_RUN_LENGTH = 7
SPC_TREND_LENGTH = 7
# The rules, from the most to the least direct evidence (present.wording words them): a point
# beyond the process limits; 2 of 3 points beyond two-thirds of the way to a limit; a run of
# SPC_RUN_LENGTH on one side of the mean; SPC_TREND_LENGTH points in a row rising or falling.
SPC_RULES = ("beyond_limits", "two_of_three", "run", "trend")


def spc_signals(x: np.ndarray) -> dict[str, int]:
    """Making Data Count special-cause rules that include the last point of `x`.

    Returns {rule: +1 (high) or -1 (low)} for each rule of `SPC_RULES` that fires with the last
    point as part of the pattern. Points exactly on the mean break a run; equal neighbours
    break a rising or falling sequence.
    """
    x = np.asarray(x, dtype=np.float64)
    mean = float(x.mean())
    mr_bar = float(np.abs(np.diff(x)).mean())
    upper = mean + SPC_LIMIT_FACTOR * mr_bar
    lower = mean - SPC_LIMIT_FACTOR * mr_bar
    near_upper = mean + (upper - mean) * 2 / 3
    near_lower = mean - (mean - lower) * 2 / 3
    last = x[-1]
    signals: dict[str, int] = {}

    if last > upper:
        signals["beyond_limits"] = 1
    elif last < lower:
        signals["beyond_limits"] = -1

    recent = x[-3:]
    if len(recent) == 3 and last > near_upper and (recent > near_upper).sum() >= 2:
        signals["two_of_three"] = 1
    elif len(recent) == 3 and last < near_lower and (recent < near_lower).sum() >= 2:
        signals["two_of_three"] = -1

    side = np.sign(x - mean)
    run = _trailing_run(side)
    if run >= SPC_RUN_LENGTH and side[-1] != 0:
        signals["run"] = int(side[-1])

    steps = np.sign(np.diff(x))
    rising = _trailing_run(steps) + 1  # n equal-signed steps span n + 1 points
    if rising >= SPC_TREND_LENGTH and steps[-1] != 0:
        signals["trend"] = int(steps[-1])
    return signals


def _trailing_run(signs: np.ndarray) -> int:
    """How many values at the end of `signs` equal the last one."""
    if len(signs) == 0:
        return 0
    differs = np.flatnonzero(signs != signs[-1])
    return len(signs) - (differs[-1] + 1 if len(differs) else 0)
