"""A funnel plot's words: its verdict on the force (printed under the plot), which limits it
draws (the methods table and the spreadsheet), its text alternative, and the forces it leaves
off the chart. Each is written from a `helpers.stats.funnel.FunnelResult` and true of the limits
drawn: adjusted for the differences between forces or chance alone, and where the exact Poisson
limit is the wider one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from helpers.present.formatting import format_number
from helpers.present.wording.sentences import (
    UNIT_WORDING,
    as_sentence,
    plain_title,
    possessive,
)


def _suffix(unit: str) -> str:
    """ " per 1,000 residents": the words after a figure in the unit."""
    return UNIT_WORDING[unit].suffix


# ----- the words of a funnel plot --------------------------------------------------------------
def _funnel_phrases() -> dict[str, str]:
    from helpers.stats.funnel import ABOVE_95, ABOVE_998, BELOW_95, BELOW_998, WITHIN

    return {
        ABOVE_998: "above the upper 99.8% limit",
        ABOVE_95: "above the upper 95% limit but within the 99.8% limits",
        WITHIN: "within the 95% limits",
        BELOW_95: "below the lower 95% limit but within the 99.8% limits",
        BELOW_998: "below the lower 99.8% limit",
    }


MAX_NAMED_FORCES = 6


def _funnel_verdicts() -> dict[str, str]:
    from helpers.stats.funnel import ABOVE_95, ABOVE_998, BELOW_95, BELOW_998, WITHIN

    return {
        ABOVE_998: "above the upper 99.8% limit: unusually high for a force of its size",
        ABOVE_95: "above the upper 95% limit but within the 99.8% limit: higher than most "
        "forces of its size, though not unusually so",
        WITHIN: "within the 95% limits: within the range expected for a force of its size",
        BELOW_95: "below the lower 95% limit but within the 99.8% limit: lower than most "
        "forces of its size, though not unusually so",
        BELOW_998: "below the lower 99.8% limit: unusually low for a force of its size",
    }


def funnel_verdict(result: Any) -> str:
    """The funnel plot's verdict on the force, printed under the plot, in words a reader acts
    on: "Wiltshire's rate of 0.0091 per 1,000 residents is below the lower 99.8% limit:
    unusually low for a force of its size." (`result` is a `helpers.stats.funnel.FunnelResult`.)

    True of the limits drawn: where they allow for the differences found between forces, "the
    range expected" is the range of forces of that size; where they are chance alone, the
    sentence says so, and, when forces differ far more than chance, that most forces would be
    flagged by such limits.
    """
    unit = result.unit
    suffix = _suffix(unit)
    mine = result.force_row()
    if mine is None:
        return as_sentence(f"{result.force} has no figure for this period and is not plotted")
    text = (
        f"{possessive(result.force)} rate of {format_number(mine['rate'], unit)}{suffix} is "
        f"{_funnel_verdicts()[mine['position']]}"
    )
    od = result.overdispersion
    sentences = [text]
    if not od.adjusted:
        outside = len(result.outside(0.998))
        limits = (
            f"The limits are those of chance alone ({result.target_label} "
            f"{format_number(result.target, unit)}{suffix})"
        )
        if od.detected:
            total = len(result.points)
            verb = "lies" if outside == 1 else "lie"
            sentences.append(
                f"{limits}, with no allowance for the differences every force shows: "
                f"{outside} of {total} forces {verb} outside the 99.8% limits"
            )
        else:
            sentences.append(f"{limits}: forces differ no more than chance would make them")
    return " ".join(as_sentence(t) for t in sentences)


def _names(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def funnel_alt_text(
    result: Any, *, off_scale: Sequence[str] = (), left_off: Sequence[str] = ()
) -> str:
    """A funnel plot's text alternative, written from its points
    (a `helpers.stats.funnel.FunnelResult`).

    "Funnel plot of every force's homicide rate in the year ending March 2025 against its
    population, around the England and Wales rate of 0.0098 per 1,000 residents. Avon and
    Somerset's rate of 0.012 per 1,000 residents is within the 95% limits. Of the rest of its most
    similar group, Kent is above the upper 95% limit ...; the others are within the 95% limits.
    2 of 43 forces lie outside the 99.8% limits after allowing for overdispersion: London, City
    of (above) and Cumbria (below)."
    """
    from helpers.stats.funnel import (
        ABOVE_95,
        ABOVE_998,
        BELOW_95,
        BELOW_998,
        ROLE_GROUP,
        WITHIN,
    )

    phrases = _funnel_phrases()
    unit = result.unit
    suffix = _suffix(unit)
    points = result.points
    noun = plain_title(result.title)
    noun = noun[0].lower() + noun[1:] if len(noun) > 1 and noun[1].islower() else noun
    when = f" in the {result.period_label}" if result.period_label else ""
    x_name = "number of households" if result.denominator_name == "households" else "population"
    sentences = [
        f"Funnel plot of every force's {noun} rate{when} against its {x_name}, around the "
        f"{result.target_label} of {format_number(result.target, unit)}{suffix}, with 95% and "
        "99.8% limits"
    ]
    mine = result.force_row()
    if mine is None:
        sentences.append(f"{result.force} has no figure and is not plotted")
    else:
        sentences.append(
            f"{possessive(result.force)} rate of {format_number(mine['rate'], unit)}{suffix} is "
            f"{phrases[mine['position']]}"
        )
    group = points[points["role"] == ROLE_GROUP]
    if not group.empty:
        flagged = group[group["position"] != WITHIN]
        if flagged.empty:
            sentences.append("The rest of its most similar group are all within the 95% limits")
        else:
            parts = [
                f"{row.force} is {phrases[row.position].split(' but ')[0]}"
                for row in flagged.itertuples(index=False)
            ]
            rest = len(group) - len(flagged)
            tail = (
                f"; the other {rest} {'is' if rest == 1 else 'are'} within the 95% limits"
                if rest
                else ""
            )
            sentences.append(f"Of the rest of its most similar group, {'; '.join(parts)}{tail}")
    od = result.overdispersion
    allowing = " after allowing for overdispersion" if od.adjusted else ""
    above = points[points["position"] == ABOVE_998]["force"].tolist()
    below = points[points["position"] == BELOW_998]["force"].tolist()
    outside = len(above) + len(below)
    total = len(points)
    verb = "lies" if outside == 1 else "lie"
    if outside:
        text = f"{outside} of {total} forces {verb} outside the 99.8% limits{allowing}"
    else:
        text = f"none of the {total} forces lies outside the 99.8% limits{allowing}"
    if outside and outside <= MAX_NAMED_FORCES:
        named = [f"{f} (above)" for f in above] + [f"{f} (below)" for f in below]
        text += f": {_names(named)}"
    elif outside:
        text += f" ({len(above)} above, {len(below)} below)"
    outside_95 = int(points["position"].isin((ABOVE_95, ABOVE_998, BELOW_95, BELOW_998)).sum())
    text += f"; {outside_95} outside the 95% limits"
    sentences.append(text)
    if off_scale:
        one = len(off_scale) == 1
        sentences.append(
            f"{_names(list(off_scale))} {'is' if one else 'are'} above the top of the chart, "
            "drawn at its edge"
        )
    sentences.extend(funnel_off_chart(result, left_off))
    for force, why in getattr(result, "left_out", []):
        sentences.append(f"{force} is not plotted: {why}")
    return " ".join(as_sentence(t) for t in sentences)


FUNNEL_LIMIT_KINDS = {
    "additive": "additive random effects",
    "multiplicative": "a multiplicative factor",
}


def funnel_limits_note(result: Any) -> str:
    """Which limits a funnel plot draws, in one or two sentences for the methods table and the
    spreadsheet: true of what is drawn (adjusted or exact, and where the exact Poisson limit,
    wider than the adjusted one at small expected counts, is drawn instead)."""
    od = result.overdispersion
    if od.adjusted:
        kind = FUNNEL_LIMIT_KINDS[od.method]
        tau = (
            f", τ = {od.tau2**0.5:.3f} on the square-root scale" if od.method == "additive" else ""
        )
        text = (
            f"The limits allow for the differences found between forces (overdispersion, "
            f"φ = {od.phi:.2f}{tau}; {kind})"
        )
        exact = int(result.points["exact_limit"].sum()) if "exact_limit" in result.points else 0
        if exact:
            forces = "force" if exact == 1 else "forces"
            text += (
                f". At {exact} {forces} with small expected counts the exact Poisson limit is "
                "wider than the adjusted one on at least one side, and is the one drawn"
            )
        return as_sentence(text)
    if od.detected:
        return as_sentence(
            f"The limits are exact Poisson limits, with no allowance for the differences found "
            f"between forces (φ = {od.phi:.2f}): the setting funnel.overdispersion is none"
        )
    if od.requested != "none":
        return as_sentence(
            f"No more variation between forces than chance (φ = {od.phi:.2f}): the limits are "
            "exact Poisson limits"
        )
    return as_sentence("The limits are exact Poisson limits")


def funnel_off_chart(result: Any, left_off: Sequence[str]) -> list[str]:
    """A sentence for each force left off the chart because its rate is far above the rest and
    its population far below (`charts.funnel_plot.off_chart`): its figures and where it stands.
    """
    unit = result.unit
    suffix = _suffix(unit)
    named = result.points.set_index("force")
    out = []
    for force in left_off:
        row = named.loc[force]
        size = format_number(row["denominator"], "count")
        out.append(
            f"{force} ({size} {result.denominator_name}, {format_number(row['rate'], unit)}"
            f"{suffix}) is off the chart, far above every other force: "
            f"{_funnel_phrases()[row['position']].split(' but ')[0]}"
        )
    return [as_sentence(t) for t in out]
