"""Confidence intervals for counts, rates, proportions and rate ratios.

The methods are those of Public Health England / OHID (Fingertips technical guidance), which the
report follows so that "similar to the MSG average" means what it means in other official
statistics:

* counts and rates: Byar's approximation for 10 or more events, the exact (Garwood, chi-square)
  Poisson interval below that, where Byar's approximation is poor;
* proportions: the Wilson score interval, which stays inside 0-1 and behaves at 0% and 100%;
* ratio of two rates: the exact conditional (binomial) interval, which holds at small and zero
  counts, where the log (Katz) interval is undefined or too narrow.

Every function returns ``(low, high)``. Rates are events per unit of `denominator`, scaled by
`per` (1,000 for a rate per 1,000 residents).
"""

from __future__ import annotations

import math

from scipy.stats import beta, binomtest, chi2, norm

BYAR_MIN_COUNT = 10


def _z(confidence: float) -> float:
    """The two-sided normal quantile for a confidence level, e.g. 1.959964 for 0.95."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 (e.g. 0.95), got {confidence}")
    return float(norm.ppf(1 - (1 - confidence) / 2))


def _check_count(count: float, denominator: float) -> None:
    if count < 0:
        raise ValueError(f"a count of events cannot be negative, got {count}")
    if not denominator > 0:
        raise ValueError(f"the denominator must be greater than zero, got {denominator}")


def exact_poisson_interval(
    count: float, denominator: float = 1.0, confidence: float = 0.95, per: float = 1.0
) -> tuple[float, float]:
    """Exact (Garwood) Poisson interval for `count` events, as a rate per `per` of `denominator`.

    The limits are the means at which observing `count` or more (lower) or `count` or fewer
    (upper) events has probability (1 - confidence) / 2, from the chi-square link:
    lower = chi2(alpha/2, 2O) / 2, upper = chi2(1 - alpha/2, 2O + 2) / 2. With no events the
    lower limit is 0 (the chi-square quantile with 0 degrees of freedom is undefined).
    A missing count gives (nan, nan).
    """
    alpha = 1 - confidence
    _z(confidence)
    if math.isnan(count):
        return (math.nan, math.nan)
    _check_count(count, denominator)
    low = 0.0 if count == 0 else float(chi2.ppf(alpha / 2, 2 * count)) / 2
    high = float(chi2.ppf(1 - alpha / 2, 2 * count + 2)) / 2
    scale = per / denominator
    return (low * scale, high * scale)


def byar_interval(
    count: float, denominator: float = 1.0, confidence: float = 0.95, per: float = 1.0
) -> tuple[float, float]:
    """Byar's approximation to the exact Poisson interval (Breslow and Day, 1987).

    lower = O(1 - 1/(9O) - z/(3√O))³, upper = (O+1)(1 - 1/(9(O+1)) + z/(3√(O+1)))³.
    Within 0.2% of the exact limits at 95% for 10 or more events; for fewer, the lower limit
    degrades (and can go below zero, where it is clipped to 0), which is why `rate_interval`
    switches to the exact method below `byar_min_count`. A missing count gives (nan, nan).
    """
    z = _z(confidence)
    if math.isnan(count):
        return (math.nan, math.nan)
    _check_count(count, denominator)
    if count == 0:
        low = 0.0
    else:
        low = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
        low = max(low, 0.0)
    upper_count = count + 1
    high = upper_count * (1 - 1 / (9 * upper_count) + z / (3 * math.sqrt(upper_count))) ** 3
    scale = per / denominator
    return (low * scale, high * scale)


def rate_interval(
    count: float,
    denominator: float,
    confidence: float = 0.95,
    per: float = 1000.0,
    byar_min_count: int = BYAR_MIN_COUNT,
) -> tuple[float, float]:
    """Interval for a rate per `per`: Byar's method from `byar_min_count` events, exact below.

    This is the PHE / OHID rule for crude rates, used for every rate benchmark in the report.
    """
    if not math.isnan(count) and count >= byar_min_count:
        return byar_interval(count, denominator, confidence, per)
    return exact_poisson_interval(count, denominator, confidence, per)


def wilson_interval(
    successes: float, trials: float, confidence: float = 0.95
) -> tuple[float, float]:
    """Wilson score interval for a proportion (0 to 1) of `successes` out of `trials`.

    (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n). With no trials there is no
    proportion, so the interval is (nan, nan).
    """
    z = _z(confidence)
    if math.isnan(successes) or math.isnan(trials) or trials == 0:
        return (math.nan, math.nan)
    if trials < 0 or successes < 0:
        raise ValueError(f"successes and trials cannot be negative, got {successes}/{trials}")
    if successes > trials:
        raise ValueError(f"successes ({successes}) cannot exceed trials ({trials})")
    p = successes / trials
    z2 = z * z
    centre = p + z2 / (2 * trials)
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    scale = 1 + z2 / trials
    # Clamp the floating-point dust at the ends: the exact interval at p = 0 starts at 0.
    return (max((centre - half) / scale, 0.0), min((centre + half) / scale, 1.0))


def rate_ratio_interval(
    count_a: float, pop_a: float, count_b: float, pop_b: float, confidence: float = 0.95
) -> tuple[float, float]:
    """Exact conditional interval for the ratio of rate a to rate b.

    RR = (a / pop_a) / (b / pop_b). Given the total n = a + b, a is binomial with probability
    p = RR·pop_a / (RR·pop_a + pop_b), so the Clopper-Pearson interval for p = a / n maps to
    RR = p / (1 - p) · pop_b / pop_a (the conditional method of Armitage, Berry and Matthews,
    "Statistical Methods in Medical Research", 4th ed., section 5.3). Unlike the log (Katz)
    interval it is defined at a zero count (a = 0 gives a lower limit of 0; b = 0 an infinite
    upper limit) and it keeps its coverage for small counts, where the log interval is too
    narrow (1 event against 50: exact (0.05, 11.7), log (0.28, 14.5)); for large counts the two
    agree. (nan, nan) when both counts are zero: there is nothing to compare.
    """
    _z(confidence)  # refuses a confidence level outside (0, 1)
    values = (count_a, pop_a, count_b, pop_b)
    if any(math.isnan(v) for v in values):
        return (math.nan, math.nan)
    _check_count(count_a, pop_a)
    _check_count(count_b, pop_b)
    total = count_a + count_b
    if total == 0:
        return (math.nan, math.nan)
    tail = (1 - confidence) / 2
    p_low = 0.0 if count_a == 0 else float(beta.ppf(tail, count_a, count_b + 1))
    p_high = 1.0 if count_b == 0 else float(beta.ppf(1 - tail, count_a + 1, count_b))
    scale = pop_b / pop_a
    low = p_low / (1 - p_low) * scale
    high = math.inf if p_high >= 1 else p_high / (1 - p_high) * scale
    return (low, high)


def rate_ratio_p_value(count_a: float, pop_a: float, count_b: float, pop_b: float) -> float:
    """Two-sided exact conditional p-value for equal rates in a and b.

    Under equal rates a is binomial(a + b, pop_a / (pop_a + pop_b)); the p-value is that of the
    exact binomial test (scipy.stats.binomtest, "minlike" two-sided). 1.0 when both counts are 0.
    """
    for value in (count_a, pop_a, count_b, pop_b):
        if math.isnan(value):
            return math.nan
    _check_count(count_a, pop_a)
    _check_count(count_b, pop_b)
    total = round(count_a + count_b)
    if total == 0:
        return 1.0
    return float(binomtest(round(count_a), total, pop_a / (pop_a + pop_b)).pvalue)
