"""helpers.present.wording.funnel_words: a funnel plot's verdict, limits note and text
alternative, each true of the limits drawn (issue 18 point 6; issue 19 point 9)."""

import pandas as pd
import pytest


# ----- funnel plot alt text --------------------------------------------------------------------
def _funnel(rates, populations, names, *, force, group, drop=(), method="additive"):
    from helpers.core.forces import ENGLAND_AND_WALES
    from helpers.stats.funnel import funnel_analysis

    counts = [r * p / 1000 for r, p in zip(rates, populations, strict=True)]
    frame = pd.DataFrame(
        {
            "force": [*names, ENGLAND_AND_WALES],
            "count": [*counts, sum(counts)],
            "denominator": [*populations, sum(populations)],
        }
    )
    frame.loc[frame["force"].isin(drop), "count"] = float("nan")
    return funnel_analysis(
        frame,
        measure_id="residential_burglary",
        title="Residential burglary (rate per 1,000 households)",
        unit="rate_per_1000_households",
        force=force,
        group=group,
        period_label="year ending March 2025",
        method=method,
    )


FUNNEL_NAMES = ["Avon and Somerset", "Kent", "Essex", "A", "B", "C", "D", "E", "F", "G"]
FUNNEL_HOUSEHOLDS = [
    700_000.0,
    800_000,
    750_000,
    300_000,
    400_000,
    500_000,
    600_000,
    900_000,
    1_000_000,
    1_200_000,
]


def test_funnel_alt_text_says_where_the_force_and_its_group_fall():
    from helpers.present.wording.funnel_words import funnel_alt_text

    rates = [6.4, 12.0, 6.1, 6.0, 6.6, 5.9, 6.3, 6.5, 6.2, 6.4]
    result = _funnel(
        rates,
        FUNNEL_HOUSEHOLDS,
        FUNNEL_NAMES,
        force="Avon and Somerset",
        group=["Avon and Somerset", "Kent", "Essex"],
    )
    text = funnel_alt_text(result)
    position = result.points.set_index("force").loc["Kent", "position"]
    assert position.startswith("Above")
    assert text.startswith(
        "Funnel plot of every force's residential burglary rate in the year ending March 2025 "
        "against its number of households, around the England and Wales rate of "
    )
    assert "Avon and Somerset's rate of 6.40 per 1,000 households is within the 95% limits." in text
    assert "Of the rest of its most similar group, Kent is above the upper" in text
    assert "the other 1 is within the 95% limits." in text
    assert "forces lies outside the 99.8% limits" in text or "forces lie outside" in text


def test_funnel_alt_text_with_no_force_outside_and_a_force_left_out():
    from helpers.present.wording.funnel_words import funnel_alt_text

    rates = [6.40, 6.38, 6.42, 6.39, 6.41, 6.40, 6.37, 6.43, 6.40, 6.40]
    result = _funnel(
        rates,
        FUNNEL_HOUSEHOLDS,
        FUNNEL_NAMES,
        force="Avon and Somerset",
        group=["Avon and Somerset", "Kent", "Essex"],
        drop=["G"],
    )
    text = funnel_alt_text(result)
    # Less spread than chance: no overdispersion, so no "after allowing for" clause.
    assert not result.overdispersion.adjusted
    assert "None of the 9 forces lies outside the 99.8% limits; 0 outside the 95% limits." in text
    assert "The rest of its most similar group are all within the 95% limits." in text
    assert text.endswith("G is not plotted: no figure for the period.")


# ----- the verdict under the plot ------------------------------------------------------------
SPREAD = [6.4, 12.0, 6.1, 6.0, 6.6, 5.9, 6.3, 6.5, 6.2, 2.0]


@pytest.mark.parametrize(
    ("force", "position", "words"),
    [
        ("Avon and Somerset", "Within 95%",
         "is within the 95% limits: within the range expected for a force of its size."),
        ("Kent", "Above 99.8%",
         "is above the upper 99.8% limit: unusually high for a force of its size."),
        ("G", "Below 99.8%",
         "is below the lower 99.8% limit: unusually low for a force of its size."),
    ],
)  # fmt: skip
def test_the_verdict_says_where_the_force_stands_for_a_force_of_its_size(force, position, words):
    from helpers.present.wording.funnel_words import funnel_verdict

    result = _funnel(SPREAD, FUNNEL_HOUSEHOLDS, FUNNEL_NAMES, force=force, group=[])
    assert result.overdispersion.adjusted
    assert result.force_row()["position"] == position
    rate = result.force_row()["rate"]
    verdict = funnel_verdict(result)
    assert verdict == f"{force}'s rate of {rate:.2f} per 1,000 households {words}"


def test_the_verdict_on_limits_of_chance_alone_says_so():
    from helpers.present.wording.funnel_words import funnel_verdict

    # Forces differ no more than chance: exact Poisson limits, and the verdict says what they are.
    calm = [6.40, 6.38, 6.42, 6.39, 6.41, 6.40, 6.37, 6.43, 6.40, 6.40]
    result = _funnel(calm, FUNNEL_HOUSEHOLDS, FUNNEL_NAMES, force="Kent", group=[])
    assert not result.overdispersion.detected
    assert funnel_verdict(result).endswith(
        "The limits are those of chance alone (England and Wales rate 6.40 per 1,000 "
        "households): forces differ no more than chance would make them."
    )
    # Overdispersion found but no allowance set: the verdict says how many forces such limits
    # flag, so that "unusually high" is read for what it is.
    none = _funnel(SPREAD, FUNNEL_HOUSEHOLDS, FUNNEL_NAMES, force="Kent", group=[], method="none")
    outside = len(none.outside(0.998))
    assert outside >= 2
    assert funnel_verdict(none).endswith(
        "with no allowance for the differences every force shows: "
        f"{outside} of 10 forces lie outside the 99.8% limits."
    )


def test_a_force_with_no_figure_gets_a_verdict_that_says_so():
    from helpers.present.wording.funnel_words import funnel_verdict

    result = _funnel(SPREAD, FUNNEL_HOUSEHOLDS, FUNNEL_NAMES, force="G", group=[], drop=["G"])
    assert funnel_verdict(result) == "G has no figure for this period and is not plotted."


# ----- which limits are drawn ------------------------------------------------------------------
def test_the_limits_note_says_where_the_exact_poisson_limit_is_drawn():
    """Homicide-like counts (0.012 per 1,000, E = 2.4 to 10.8) with φ = 1.51: the additive
    limits, and at the small forces the exact Poisson limit, wider there, is the one drawn."""
    from helpers.present.wording.funnel_words import funnel_limits_note
    from helpers.stats.funnel import funnel_analysis

    populations = [200_000.0, 250_000, 300_000, 350_000, 400_000, 450_000,
                   500_000, 600_000, 650_000, 700_000, 800_000, 900_000]  # fmt: skip
    counts = [0.0, 2, 6, 2, 8, 3, 9, 4, 12, 5, 15, 7]
    names = [f"Force {i:02d}" for i in range(12)]
    frame = pd.DataFrame({"force": names, "count": counts, "denominator": populations})
    frame.loc[len(frame)] = ["England and Wales", 0.012 * sum(populations) / 1000, sum(populations)]
    result = funnel_analysis(frame, measure_id="homicide", title="Homicide", unit="rate_per_1000",
                             force="Force 00")  # fmt: skip
    exact = int(result.points["exact_limit"].sum())
    assert exact >= 1
    note = funnel_limits_note(result)
    assert note.startswith("The limits allow for the differences found between forces")
    assert "φ = 1.51" in note and "additive random effects" in note
    assert f"At {exact} forces with small expected counts the exact Poisson limit is wider" in (
        note.replace("At 1 force ", "At 1 forces ")
    )
    none = funnel_analysis(frame, measure_id="homicide", title="Homicide", unit="rate_per_1000",
                           force="Force 00", method="none")  # fmt: skip
    assert funnel_limits_note(none) == (
        "The limits are exact Poisson limits, with no allowance for the differences found "
        "between forces (φ = 1.51): the setting funnel.overdispersion is none."
    )
