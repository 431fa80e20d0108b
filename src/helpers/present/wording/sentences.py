"""Sentences the report states from the data: facts beside the comments, and charts' alt text.

Wording lives in two small tables so that it is reviewed in one place: `UNIT_WORDING` (how each
unit is spoken of, and the fact template for it) and `MEASURE_WORDING` (the noun for each measure
of the catalogue: "recorded homicides", "charges/summonses for rape"). Police recorded crime
measures police activity as much as crime, so its nouns say "recorded".
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from helpers.present.formatting import format_number, is_missing, normalise_series, period_long
from helpers.present.wording.benchmark_words import difference_text, ordinal
from helpers.stats.rates import population_fallback_note

# ----- wording tables --------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitWording:
    """How a unit is spoken of.

    `rolling`: the series in alt text ("12-month rolling rate"); `quantity`: the figure's name
    ("The England and Wales rate was ..."); `suffix`: words after the last number of a phrase
    (" per 1,000 residents"); `fact`: the template of the first fact of a measure.
    """

    rolling: str
    quantity: str
    suffix: str
    fact: str


UNIT_WORDING: dict[str, UnitWording] = {
    "rate_per_1000": UnitWording(
        "12-month rolling rate",
        "rate",
        " per 1,000 residents",
        "{When} there {be} {count} {noun}, {value}{suffix}{previous}.",
    ),
    "rate_per_1000_households": UnitWording(
        "12-month rolling rate",
        "rate",
        " per 1,000 households",
        "{When} there {be} {count} {noun}, {value}{suffix}{previous}.",
    ),
    "percent": UnitWording(
        "12-month rolling percentage",
        "percentage",
        "",
        "{When} there {be} {count} {noun}, {value} of {of}{previous}.",
    ),
    "count": UnitWording(
        "12-month rolling total",
        "total",
        "",
        "{When} there {be} {count} {noun}{previous}.",
    ),
    "ratio": UnitWording(
        "12-month rolling rate ratio",
        "rate ratio",
        "",
        "{When} the {noun} was {value}{previous}.",
    ),
}


@dataclass(frozen=True)
class MeasureWording:
    """A measure's noun (singular and plural), what a percentage is "of", and whether the figure
    is a snapshot at the quarter's end (workforce headcount) rather than a 12-month total."""

    singular: str
    plural: str
    of: str = ""
    snapshot: bool = False


_SATISFACTION = {
    "satisfaction_overall": ("victim", "victims surveyed"),
    "satisfaction_burglary": ("burglary victim", "burglary victims surveyed"),
    "satisfaction_hate_crime": ("hate crime victim", "hate crime victims surveyed"),
    "satisfaction_violent_crime": ("violent crime victim", "violent crime victims surveyed"),
}
_ETHNIC_GROUPS = {"black": "Black", "asian": "Asian", "mixed": "Mixed", "other": "Other"}

MEASURE_WORDING: dict[str, MeasureWording] = {
    "homicide": MeasureWording("homicide", "homicides"),
    "serious_violence": MeasureWording(
        "offence of homicide or violence with injury",
        "offences of homicide or violence with injury",
    ),
    "drug_trafficking": MeasureWording("drug trafficking offence", "drug trafficking offences"),
    "drugs_disruptions": MeasureWording("drugs disruption", "drugs disruptions"),
    "county_lines_disrupted": MeasureWording("county line disrupted", "county lines disrupted"),
    "residential_burglary": MeasureWording("residential burglary", "residential burglaries"),
    "vehicle_offences": MeasureWording("vehicle offence", "vehicle offences"),
    "personal_robbery": MeasureWording("personal robbery", "personal robberies"),
    "theft_from_person": MeasureWording("theft from the person", "thefts from the person"),
    "cyber_investigated": MeasureWording(
        "cyber-dependent crime investigated",
        "cyber-dependent crimes investigated",
        "cyber-dependent crimes disseminated to the force",
    ),
    "cyber_victims_advised": MeasureWording(
        "victim given specialist advice",
        "victims given specialist advice",
        "victims of cyber-dependent crime",
    ),
    "action_fraud_referrals": MeasureWording(
        "Action Fraud referral disseminated to the force",
        "Action Fraud referrals disseminated to the force",
    ),
    **{
        measure_id: MeasureWording(f"satisfied {who}", f"satisfied {who}s", of)
        for measure_id, (who, of) in _SATISFACTION.items()
    },
    "satisfaction_asb": MeasureWording(
        "satisfied respondent",
        "satisfied respondents",
        "people surveyed who reported anti-social behaviour",
    ),
    "rape_charges": MeasureWording("charge/summons for rape", "charges/summonses for rape"),
    "rape_charge_rate": MeasureWording(
        "charge/summons for rape", "charges/summonses for rape", "finalised outcomes"
    ),
    "public_confidence": MeasureWording(
        "resident who has confidence in the police in this area",
        "residents who have confidence in the police in this area",
        "residents surveyed",
    ),
    "csew_confidence": MeasureWording(
        "Crime Survey respondent with confidence in the police in this area",
        "Crime Survey respondents with confidence in the police in this area",
        "Crime Survey respondents in the area",
    ),
    **{
        f"workforce_{key}": MeasureWording(
            f"member of the workforce identifying as {group}",
            f"members of the workforce identifying as {group}",
            "members of the workforce who stated an ethnicity",
            snapshot=True,
        )
        for key, group in _ETHNIC_GROUPS.items()
    },
    **{
        f"{power}_disproportionality_{key}": MeasureWording(
            f"{group} to White {label} rate ratio", f"{group} to White {label} rate ratios"
        )
        for power, label in (("stop_search", "stop and search"), ("use_of_force", "use of force"))
        for key, group in _ETHNIC_GROUPS.items()
    },
    "stop_search_disproportionality_not_white": MeasureWording(
        "other than White to White stop and search rate ratio",
        "other than White to White stop and search rate ratios",
    ),
    "use_of_force_disproportionality_not_white": MeasureWording(
        "other than White to White use of force rate ratio",
        "other than White to White use of force rate ratios",
    ),
    "stop_search_arrest_rate": MeasureWording(
        "stop and search resulting in arrest",
        "stop and searches resulting in arrest",
        "stop and searches",
    ),
    "stop_search_ethnicity_not_recorded": MeasureWording(
        "stop and search with ethnicity not recorded",
        "stop and searches with ethnicity not recorded",
        "stop and searches",
    ),
    "use_of_force_ethnicity_not_recorded": MeasureWording(
        "use-of-force incident with ethnicity not recorded",
        "use-of-force incidents with ethnicity not recorded",
        "use-of-force incidents",
    ),
    "stop_search_positive_outcome": MeasureWording(
        "stop and search with a positive outcome",
        "stop and searches with a positive outcome",
        "stop and searches",
    ),
    "complaint_reviews_upheld": MeasureWording(
        "complaint review upheld", "complaint reviews upheld", "reviews completed"
    ),
    "foi_on_time": MeasureWording(
        "Freedom of Information request answered on time",
        "Freedom of Information requests answered on time",
        "requests due",
    ),
    "sar_on_time": MeasureWording(
        "Subject Access Request answered on time",
        "Subject Access Requests answered on time",
        "requests due",
    ),
}

# What a comparator is called in "the ... was 0.011", by the measure's `comparator` kind; a result's
# own `comparator_label` wins where it is already a noun phrase ("MSG average").
_COMPARATOR_PHRASES = {
    "msg": "MSG average",
    "all_forces": "England and Wales figure",
    "national": "England and Wales figure",
    "population_share": "share of the area's population (Census 2021)",
}
_NO_COMPARISON = ("none", "not_applicable")
_RANK_BEST = {
    "lower_is_better": " (1st is the lowest)",
    "higher_is_better": " (1st is the highest)",
}
_RATE_UNITS = ("rate_per_1000", "rate_per_1000_households")
_PARENTHESIS = re.compile(r"\s*\([^)]*\)\s*$")


# ----- helpers ---------------------------------------------------------------------------------
def _wording(unit: str) -> UnitWording:
    try:
        return UNIT_WORDING[unit]
    except KeyError:
        raise ValueError(f"unknown unit '{unit}': use one of {', '.join(UNIT_WORDING)}") from None


def as_sentence(text: str) -> str:
    """The text with a capital first letter and a full stop (unless it ends a sentence)."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def possessive(name: str) -> str:
    """Avon and Somerset's."""
    return f"{name}'s"  # GOV.UK style: 's after every name, "Dyfed-Powys's" included


def plain_title(title: str) -> str:
    """ "Homicide (rate per 1,000 residents)" -> "Homicide"."""
    return _PARENTHESIS.sub("", title).strip() or title


def _number(value: Any) -> float | None:
    return None if is_missing(value) else float(value)


# ----- chart alt text --------------------------------------------------------------------------
def chart_alt_text(
    series: pd.DataFrame,
    *,
    unit: str,
    force_name: str,
    comparator_label: str | None = "MSG average",
    relation: str | None = None,
    show_national: bool = True,
    measure_phrase: str | None = None,
) -> str:
    """A chart's text alternative, written from the numbers it plots.

    "Avon and Somerset's 12-month rolling rate rose from 0.012 to 0.016 per 1,000 residents over
    the 12 months to March 2024, above the MSG average of 0.011. England and Wales: 0.010."

    The change is read against the point 12 months before the latest (or the earliest point, named
    by its month, in a shorter series); it is "unchanged" when both round to the same printed
    figure. The comparison with the comparator is the tested `relation` (the same words as the
    benchmark beside the chart); without one the comparator's figure is given with no
    comparison word, because a difference read off the raw numbers may not be a real one. This
    describes the picture; it is not the statistical Trend / Outlook.
    """
    wording = _wording(unit)
    frame = normalise_series(series)
    force = frame.dropna(subset=["force_value"])
    subject = f"{possessive(force_name)} {measure_phrase or wording.rolling}"
    if force.empty:
        return f"{subject}: no figures are available to chart."

    latest = force.iloc[-1]
    latest_value, latest_period = float(latest["force_value"]), latest["period"]
    latest_text = format_number(latest_value, unit)
    year_before = force[force["period"] == latest_period - 12]
    start = year_before.iloc[0] if not year_before.empty else force.iloc[0]
    if start["period"] == latest_period:
        text = f"{subject} was {latest_text}{wording.suffix} in {period_long(latest_period)}"
    else:
        start_text = format_number(start["force_value"], unit)
        if year_before.empty:  # a shorter series: name both months
            span = f"from {period_long(start['period'])} to {period_long(latest_period)}"
            start_text_when = f"{start_text} in {period_long(start['period'])}"
            latest_text_when = f"{latest_text}{wording.suffix} in {period_long(latest_period)}"
        else:
            span = f"over the 12 months to {period_long(latest_period)}"
            start_text_when = start_text
            latest_text_when = f"{latest_text}{wording.suffix} {span}"
        if start_text == latest_text:
            text = f"{subject} was unchanged at {latest_text}{wording.suffix} {span}"
        else:
            verb = "rose" if latest_value > start["force_value"] else "fell"
            text = f"{subject} {verb} from {start_text_when} to {latest_text_when}"

    at_latest = frame[frame["period"] == latest_period].iloc[0]
    sentences = [text]
    if comparator_label:
        comparator = _number(at_latest["comparator_value"])
        if comparator is None:
            sentences.append(f"The {comparator_label} is not available")
        else:
            comparator_text = format_number(comparator, unit)
            if relation in ("above", "below", "similar to"):
                sentences[0] = f"{text}, {relation} the {comparator_label} of {comparator_text}"
            else:
                sentences.append(f"The {comparator_label} was {comparator_text}")
    national = _number(at_latest["national_value"])
    if show_national and national is not None:
        sentences.append(f"England and Wales: {format_number(national, unit)}")
    return " ".join(as_sentence(t) for t in sentences)


# ----- facts from a measure result -------------------------------------------------------------
def measure_wording(measure: Any) -> MeasureWording:
    """The noun for a measure: from `MEASURE_WORDING`, else made from its title.

    The fallback ("offences of knife crime", "records counted in drugs seizures") is correct but
    plain: a measure added to the catalogue should get its own entry in `MEASURE_WORDING`.
    """
    wording = MEASURE_WORDING.get(getattr(measure, "id", ""))
    if wording is not None:
        return wording
    noun = plain_title(getattr(measure, "title", "") or getattr(measure, "id", "measure"))
    if len(noun) > 1 and noun[1].islower():
        noun = noun[0].lower() + noun[1:]
    if getattr(measure, "source", "") == "prc":
        return MeasureWording(f"offence of {noun}", f"offences of {noun}")
    return MeasureWording(f"record counted in {noun}", f"records counted in {noun}")


def measure_facts(result: Any) -> list[str]:
    """Sentences stated from one measure's result (a `helpers.measures.compute.MeasureResult`).

    1. The figure: "In the year ending March 2024 there were 21 recorded homicides, 0.012 per
       1,000 residents (12 months earlier: 0.010)."
    2. The comparison: "Avon and Somerset ranked 3rd of 8 in its most similar group (1st is the
       lowest); the MSG average was 0.011." and the England and Wales figure.
    3. A population-year fallback: "Rates use the mid-2023 population estimate; mid-2024 is not
       yet published."
    4. The result's own notes.
    An unavailable result gives one sentence with the reason. The result is read by attribute
    name only (duck-typed), so any object with the same fields will do.
    """
    measure = result.measure
    unit = measure.unit
    wording = _wording(unit)
    nouns = measure_wording(measure)
    quarter = result.quarter
    if nouns.snapshot:
        when, for_when = (f"at the end of {quarter.end_month_name}",) * 2
    else:
        when, for_when = f"in the {quarter.year_ending}", f"for the {quarter.year_ending}"

    if not getattr(result, "available", True):
        reason = (getattr(result, "unavailable_reason", "") or "").strip().rstrip(".")
        if len(reason) > 1 and reason[1].islower():
            reason = reason[0].lower() + reason[1:]
        text = f"{plain_title(measure.title)}: no figure {for_when}"
        return [as_sentence(f"{text}; {reason}" if reason else text)]

    facts = [_figure_fact(result, measure, unit, wording, nouns, when, for_when)]
    facts.extend(_comparison_facts(result, measure, unit, wording))
    fallback = _population_fallback(result, unit)
    if fallback:
        facts.append(fallback)
    for note in getattr(result, "notes", None) or []:
        note = as_sentence(str(note))
        # helpers.measures.compute notes the population fallback too: say it once, in our wording.
        if fallback and note.startswith("Rates use the mid-"):
            continue
        if note and note not in facts:
            facts.append(note)
    return facts


def interval_fact(result: Any, confidence: float) -> str:
    """The force's own confidence interval, stated beside its figure (the methods note
    promises it): "95% confidence interval: 0.0098 to 0.0143 per 1,000 residents." Empty for
    a count, which has none, and where the interval is missing."""
    unit = result.measure.unit
    low, high = _number(getattr(result, "ci_low", None)), _number(getattr(result, "ci_high", None))
    if unit == "count" or low is None or high is None or not getattr(result, "available", True):
        return ""
    suffix = _wording(unit).suffix
    return as_sentence(
        f"{confidence:.0%} confidence interval: {format_number(low, unit)} to "
        f"{format_number(high, unit)}{suffix}"
    )


def _figure_fact(
    result: Any,
    measure: Any,
    unit: str,
    wording: UnitWording,
    nouns: MeasureWording,
    when: str,
    for_when: str,
) -> str:
    value = _number(getattr(result, "value", None))
    count = _number(getattr(result, "count", None))
    previous = _number(getattr(result, "previous_value", None))
    recorded = "recorded " if getattr(measure, "source", "") == "prc" else ""
    previous_text = (
        f" (12 months earlier: {format_number(previous, unit)})"
        if previous is not None and not nouns.snapshot
        else ""
    )
    if unit == "count" and count is None:
        count = value
    if value is None and unit != "count":
        return as_sentence(f"{plain_title(measure.title)}: no figure {for_when}")
    if unit == "ratio" or count is None:
        if unit == "ratio":
            noun = nouns.singular
        else:
            noun = f"{wording.quantity} of {recorded}{nouns.plural}"
        return as_sentence(
            f"{when} the {noun} was {format_number(value, unit)}{wording.suffix}{previous_text}"
        )
    if count == 0 and unit in _RATE_UNITS:  # "no homicides, 0 per 1,000" says nothing more
        earlier = f"{previous_text[:-1]}{wording.suffix})" if previous_text else ""
        return as_sentence(f"{when} there were no {recorded}{nouns.plural}{earlier}")
    denominator = _number(getattr(result, "denominator", None))
    if denominator is not None:
        of = f"{format_number(denominator, 'count')} {nouns.of}".strip()
    else:
        of = nouns.of or "the total"
    return as_sentence(
        wording.fact.format(
            When=when,
            be="was" if count == 1 else "were",
            count="no" if count == 0 else format_number(count, "count"),
            noun=recorded + (nouns.singular if count == 1 else nouns.plural),
            value=format_number(value, unit),
            suffix=wording.suffix,
            of=of,
            previous=previous_text,
        )
    )


def _comparator_phrase(kind: str, label: str | None) -> str:
    """ "MSG average", "England and Wales figure", "share of the area's population (...)"."""
    if kind == "population_share" or not label:
        return _COMPARATOR_PHRASES.get(kind, "comparator figure")
    if label.endswith(("average", "figure", "share")):
        return label
    return f"{label} figure"


def _comparison_facts(result: Any, measure: Any, unit: str, wording: UnitWording) -> list[str]:
    kind = getattr(measure, "comparator", "none")
    compared = kind not in _NO_COMPARISON and getattr(measure, "polarity", "") != "neutral"
    label = getattr(result, "comparator_label", None)
    comparator = _number(getattr(result, "comparator_value", None))
    phrase = _comparator_phrase(kind, label)
    clause = ""
    if compared and comparator is not None:
        clause = f"the {phrase} was {format_number(comparator, unit)}"
        relation = getattr(result, "relation", None)
        if relation in ("above", "below", "similar to") and kind in ("msg", "national"):
            rest = "the rest of the group" if kind == "msg" else "England and Wales without it"
            clause += (
                f", and {possessive(result.force)} {wording.quantity} was "
                f"{_sized_relation(relation, _number(result.value), comparator, unit, rest)}"
            )
    elif compared and kind != "all_forces":
        clause = f"no {phrase} is available"

    facts = []
    rank, rank_of = getattr(result, "rank", None), getattr(result, "rank_of", None)
    if compared and not is_missing(rank) and not is_missing(rank_of):
        in_msg = "MSG" in (label or "")
        group = "in its most similar group" if in_msg else "forces with data"
        best = _RANK_BEST.get(getattr(measure, "polarity", ""), "")
        ranked = f"{result.force} ranked {ordinal(int(rank))} of {int(rank_of)} {group}{best}"
        facts.append(as_sentence(f"{ranked}; {clause}" if clause else ranked))
    elif clause:
        facts.append(as_sentence(clause))

    national = _number(getattr(result, "national_value", None))
    if national is not None and not (clause and "England and Wales" in phrase):
        national_text = format_number(national, unit)
        facts.append(as_sentence(f"the England and Wales {wording.quantity} was {national_text}"))
    return facts


def _sized_relation(
    relation: str, value: float | None, reference: float, unit: str, rest: str
) -> str:
    """The tested relation with the size of the difference, so that a reader can weigh it: "2%
    above it (tested against ...)"; "similar to it: 3% below, a difference chance alone could
    give (tested against ...)". A difference can be real and small (a large force), or large
    and not shown to be real (a small one)."""
    from helpers.stats.benchmark import Benchmark

    tested = f"(tested against {rest})"
    difference = Benchmark(unit=unit, value=value, reference=reference).difference
    size = difference_text(difference, unit)
    if size is None or difference == 0:
        return f"{relation} it {tested}"
    if relation != "similar to":
        return f"{size} {relation} it {tested}"
    direction = "above" if difference > 0 else "below"
    return f"similar to it: {size} {direction}, a difference chance alone could give {tested}"


def _population_fallback(result: Any, unit: str) -> str:
    if unit not in _RATE_UNITS:
        return ""
    used = getattr(result, "denominator_year", None)
    wanted = getattr(result, "denominator_year_wanted", None)
    if is_missing(used) or is_missing(wanted) or int(used) == int(wanted):
        return ""
    estimate = "household" if unit == "rate_per_1000_households" else "population"
    return population_fallback_note(int(used), int(wanted), result.quarter, estimate)


def render_facts(facts: Sequence[str]) -> str:
    """Facts as ``<ul class="facts">`` (escaped); empty text when there are none."""
    items = "".join(f"<li>{html.escape(f)}</li>" for f in facts if f)
    return f'<ul class="facts">{items}</ul>' if items else ""
