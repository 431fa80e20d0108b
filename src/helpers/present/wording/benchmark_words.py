"""The benchmark column's words: where a force stands, as the measures summary prints it.

One short text per measure, in a small fixed vocabulary (`BENCHMARK_FORMS`) so that readers learn
it once and tests can check every cell:

* MSG:        ``3rd/8 MSG (12% below MSG average rates)`` (rates) or
  ``2nd/8 MSG (4.1 points above MSG average)`` (percentages), or ``(similar to MSG average)``;
  a researcher's own comparison group says ``group`` instead of ``MSG``
* all forces: ``27th/42 (above national average)`` (tested against England and Wales without
  the force; the original report's form, so without the size, which the sentence gives), or
  ``27th/42`` where no test could be made
* national:   ``2% above England and Wales`` / ``Less than 1% below ...`` / ``Similar to ...``

"Above" and "below" are tested (`helpers.stats.benchmark`); they carry the size of the difference
(relative for rates and counts, in percentage points for percentages), because a difference can
be real and still small: a large force 2% above its group is "above" it, while its funnel plot
shows it well within the range of forces of its size. "Similar to" carries none: the difference
is within what chance gives.
* population share: ``Below area population (4.1%)`` (the area's share, one decimal place)
* ``Not available`` (no comparator data) and ``Not applicable`` (a comparison makes no sense).

The findings come from `helpers.stats.benchmark` (a `Benchmark`: the rank, the group's size, the
tested relation); this module only words them.
"""

from __future__ import annotations

import math
import re

import numpy as np

from helpers.stats.benchmark import RANKED_POLARITIES, RATE_UNITS, RELATIONS, Benchmark

NOT_AVAILABLE = "Not available"
NOT_APPLICABLE = "Not applicable"

_ORDINAL = r"(?P<rank>[1-9]\d*)(?P<suffix>st|nd|rd|th)/(?P<size>[1-9]\d*)"
_DIFFERENCE = r"(?:less than 1%|[1-9]\d*%|less than 0\.1 points|\d+\.\d points)"
_CAPITAL_DIFFERENCE = r"(?:Less than 1%|[1-9]\d*%|Less than 0\.1 points|\d+\.\d points)"
_RELATION = rf"(?P<relation>(?:{_DIFFERENCE} )?(?:below|above)|similar to)"
_NATIONAL_RELATION = rf"(?P<relation>{_CAPITAL_DIFFERENCE} (?:below|above)|Below|Above|Similar to)"
_CAPITAL_RELATION = r"(?P<relation>Below|Above|Similar to)"
_GROUP = r"(?P<group>MSG|group)"

BENCHMARK_FORMS: list[re.Pattern[str]] = [
    re.compile(rf"^{_ORDINAL} {_GROUP} \({_RELATION} (?P=group) average rates\)$"),
    re.compile(rf"^{_ORDINAL} {_GROUP} \({_RELATION} (?P=group) average\)$"),
    re.compile(rf"^{_ORDINAL} \((?P<relation>below|above|similar to) national average\)$"),
    re.compile(rf"^{_ORDINAL}$"),
    re.compile(rf"^{_NATIONAL_RELATION} England and Wales$"),
    re.compile(rf"^{_CAPITAL_RELATION} area population \((?P<share>\d+\.\d)%\)$"),
    re.compile(rf"^{re.escape(NOT_AVAILABLE)}$"),
    re.compile(rf"^{re.escape(NOT_APPLICABLE)}$"),
]


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 101st, 111th, 112th."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"an ordinal needs a whole number of 0 or more, got {n!r}")
    n = int(n)
    if n % 100 in (11, 12, 13):
        return f"{n}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def difference_text(difference: float | None, unit: str) -> str | None:
    """The size of a difference, without its direction: ``2%``, ``less than 1%`` (relative, for
    rates and counts) or ``4.1 points``, ``less than 0.1 points`` (percentage points, for
    percentages). None for no difference known. `difference` is `Benchmark.difference`."""
    if difference is None or math.isnan(difference) or math.isinf(difference):
        return None
    size = abs(difference)
    if unit == "percent":
        return "less than 0.1 points" if round(size, 1) < 0.1 else f"{size:.1f} points"
    return "less than 1%" if round(size) < 1 else f"{size:,.0f}%".replace(",", "")


def ranked_text(
    rank: int,
    size: int,
    relation: str | None = None,
    *,
    group: str = "MSG",
    unit: str = "rate_per_1000",
    difference: float | None = None,
) -> str:
    """A ranked position: ``3rd/8 MSG (12% below MSG average rates)``, ``27th/42 (above national
    average)``, ``27th/42``.

    `group` is ``"MSG"`` or ``"group"`` (a researcher's own; both need the relation to the
    group's average; "rates" is added for rate units) or ``"all_forces"`` (the relation to
    England and Wales where one was tested, in the original report's form without its size,
    else the position only).
    `difference` (`Benchmark.difference`) gives an "above" or "below" its size.
    """
    if not 1 <= rank <= size:
        raise ValueError(f"rank {rank} is outside 1..{size}")
    position = f"{ordinal(rank)}/{size}"
    if group == "all_forces":
        if relation is None:
            return position
        if relation not in RELATIONS:
            raise ValueError(f"relation must be one of {RELATIONS}, got {relation!r}")
        return f"{position} ({relation} national average)"
    if group not in ("MSG", "group"):
        raise ValueError(f"group must be 'MSG', 'group' or 'all_forces', got '{group}'")
    if relation not in RELATIONS:
        raise ValueError(f"a group benchmark needs a relation in {RELATIONS}, got {relation!r}")
    rates = " rates" if unit in RATE_UNITS else ""
    return f"{position} {group} ({_sized(relation, difference, unit)} {group} average{rates})"


def _sized(relation: str, difference: float | None, unit: str) -> str:
    """ "2% above", "4.1 points below"; "similar to" and an unknown size as they are."""
    size = difference_text(difference, unit) if relation in ("above", "below") else None
    return f"{size} {relation}" if size else relation


def benchmark_text(benchmark: Benchmark) -> str:
    """The benchmark as the measures summary prints it.

    * ``msg``: needs rank, size and relation; ``all_forces``: rank and size, and words the
      relation to England and Wales where there is one. Neutral polarity
      gives "Not applicable" (no position is better than another).
    * ``national``: needs the relation to England and Wales.
    * ``population_share``: needs the relation and the area's population share in percent
      (printed to one decimal place).
    * ``none``: "Not available"; ``not_applicable``: "Not applicable".

    Whatever is needed but missing (None or NaN) gives "Not available".
    """
    b = benchmark
    if b.comparator == "none":
        return NOT_AVAILABLE
    if b.comparator == "not_applicable":
        return NOT_APPLICABLE
    if b.polarity not in (*RANKED_POLARITIES, "neutral"):
        raise ValueError(f"unknown polarity '{b.polarity}'")
    if b.comparator in ("msg", "all_forces"):
        if b.polarity == "neutral":
            return NOT_APPLICABLE
        if b.rank is None or b.size is None or (b.comparator == "msg" and b.relation is None):
            return NOT_AVAILABLE
        group = b.group if b.comparator == "msg" else "all_forces"
        return ranked_text(
            b.rank, b.size, b.relation, group=group, unit=b.unit, difference=b.difference
        )
    if b.comparator == "national":
        if b.relation is None:
            return NOT_AVAILABLE
        _capital(b.relation)  # refuses an unknown relation
        sized = _sized(b.relation, b.difference, b.unit)
        return f"{sized[0].upper()}{sized[1:]} England and Wales"
    if b.comparator == "population_share":
        if b.relation is None or b.share is None or math.isnan(b.share):
            return NOT_AVAILABLE
        return f"{_capital(b.relation)} area population ({b.share:.1f}%)"
    raise ValueError(f"unknown comparator '{b.comparator}'")


def _capital(relation: str) -> str:
    if relation not in RELATIONS:
        raise ValueError(f"relation must be one of {RELATIONS}, got {relation!r}")
    return relation[0].upper() + relation[1:]


_SIZE = re.compile(rf"(?:(?<=\()|^){_DIFFERENCE} (?=above|below)", re.IGNORECASE)


def without_size(text: str) -> str:
    """A benchmark text without the size of its difference: "5th/8 MSG (above MSG average
    rates)", "Above England and Wales". For comparing the words of two reports (the changes
    page): a size that moves from 2% to 3% is a revision of a figure, not a new word."""
    bare = _SIZE.sub("", text)
    # A national benchmark starts with its size: the word left at the start is capitalised.
    return bare[0].upper() + bare[1:] if bare.startswith(("above", "below")) else bare


def is_valid_benchmark(text: str) -> bool:
    """True when `text` is one of the allowed forms, with a correct ordinal and rank <= size."""
    for form in BENCHMARK_FORMS:
        match = form.match(text)
        if match is None:
            continue
        groups = match.groupdict()
        if "rank" in groups:
            rank, size = int(groups["rank"]), int(groups["size"])
            return rank <= size and ordinal(rank) == f"{rank}{groups['suffix']}"
        return True
    return False


__all__ = [
    "BENCHMARK_FORMS",
    "NOT_APPLICABLE",
    "NOT_AVAILABLE",
    "benchmark_text",
    "difference_text",
    "is_valid_benchmark",
    "ordinal",
    "ranked_text",
    "without_size",
]
