"""The benchmark column's words: where a force stands, as the measures summary prints it.

One short text per measure, in a small fixed vocabulary (`BENCHMARK_FORMS`) so that readers learn
it once and tests can check every cell:

* MSG:        ``3rd/8 MSG (below MSG average rates)`` (rates) or ``2nd/8 MSG (above MSG average)``;
  a researcher's own comparison group says ``group`` instead of ``MSG``
* all forces: ``27th/42 (above national average)`` (tested against England and Wales without
  the force), or ``27th/42`` where no test could be made
* national:   ``Above England and Wales`` / ``Below ...`` / ``Similar to ...``
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
_RELATION = r"(?P<relation>below|above|similar to)"
_CAPITAL_RELATION = r"(?P<relation>Below|Above|Similar to)"
_GROUP = r"(?P<group>MSG|group)"

BENCHMARK_FORMS: list[re.Pattern[str]] = [
    re.compile(rf"^{_ORDINAL} {_GROUP} \({_RELATION} (?P=group) average rates\)$"),
    re.compile(rf"^{_ORDINAL} {_GROUP} \({_RELATION} (?P=group) average\)$"),
    re.compile(rf"^{_ORDINAL} \({_RELATION} national average\)$"),
    re.compile(rf"^{_ORDINAL}$"),
    re.compile(rf"^{_CAPITAL_RELATION} England and Wales$"),
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


def ranked_text(
    rank: int,
    size: int,
    relation: str | None = None,
    *,
    group: str = "MSG",
    unit: str = "rate_per_1000",
) -> str:
    """A ranked position: ``3rd/8 MSG (below MSG average rates)``, ``27th/42 (above national
    average)``, ``27th/42``.

    `group` is ``"MSG"`` or ``"group"`` (a researcher's own; both need the relation to the
    group's average; "rates" is added for rate units) or ``"all_forces"`` (the relation to
    England and Wales where one was tested, else the position only).
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
    return f"{position} {group} ({relation} {group} average{rates})"


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
        return ranked_text(b.rank, b.size, b.relation, group=group, unit=b.unit)
    if b.comparator == "national":
        if b.relation is None:
            return NOT_AVAILABLE
        return f"{_capital(b.relation)} England and Wales"
    if b.comparator == "population_share":
        if b.relation is None or b.share is None or math.isnan(b.share):
            return NOT_AVAILABLE
        return f"{_capital(b.relation)} area population ({b.share:.1f}%)"
    raise ValueError(f"unknown comparator '{b.comparator}'")


def _capital(relation: str) -> str:
    if relation not in RELATIONS:
        raise ValueError(f"relation must be one of {RELATIONS}, got {relation!r}")
    return relation[0].upper() + relation[1:]


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
    "is_valid_benchmark",
    "ordinal",
    "ranked_text",
]
