"""The steps a section notebook shows (helpers.measures.compute and its neighbours), each one
changeable on its own, and a missing source passing through every step."""

from __future__ import annotations

from types import SimpleNamespace

from sample_figures import (
    AS,
    MSG,
    Q,
)

from helpers.core.config import default_catalogue
from helpers.measures.compute import compute_measure
from helpers.present.measures_table import (
    measures_table,
)
from helpers.present.wording.benchmark_words import benchmark_text


def test_the_steps_of_a_measure_can_each_be_changed(inputs, settings, raw_prc):
    """The public steps compute_measure runs, each one changeable on its own: another offence
    list changes the count (summed here by hand from the file), another comparison group the
    rank; the figure handed to a later step is never changed by it."""
    from helpers.measures import (
        assemble_result,
        compare_with_group,
        figure_at_quarter,
        period_counts,
        rolling_series,
        select_rows,
        trend_test,
    )

    measure = default_catalogue().measure("homicide")
    offences = select_rows(measure, inputs)
    assert set(offences["offence_subgroup"]) == {"Homicide"}
    murder_only = offences[offences["offence_code"] == "1"]
    rolling = rolling_series(measure, period_counts(measure, inputs, murder_only), inputs, settings)
    figure = figure_at_quarter(measure, rolling, Q, AS, settings, inputs)
    raw = raw_prc[
        (raw_prc["Force Name"] == AS)
        & (raw_prc["Offence Code"] == "1")
        & raw_prc["Financial Year"].isin(["2024/25"])
    ]
    assert figure.count == raw["Number of Offences"].sum()

    before = (benchmark_text(figure.benchmark), figure.rank, list(figure.notes))
    comparison = compare_with_group(figure, rolling, settings, inputs, group=["Kent", "Essex"])
    assert (benchmark_text(figure.benchmark), figure.rank, list(figure.notes)) == before
    assert comparison.rank_of == 3
    assert sorted(comparison.group["force"]) == sorted([AS, "Kent", "Essex"])
    assert comparison.label == "comparison group average"
    assert "/3 group (" in benchmark_text(comparison.benchmark) and "MSG" not in benchmark_text(
        comparison.benchmark
    )

    result = assemble_result(figure, comparison, trend_test(figure, rolling, settings), rolling)
    assert result.rank_of == 3 and result.trend is not None
    full = compute_measure(measure, inputs, Q, AS, settings)
    assert result.count < full.count and full.rank_of == len(MSG)


def test_a_measure_whose_source_is_missing_passes_through_every_step(inputs, settings):
    """A notebook's steps run when a local extract was not supplied: the result says why."""
    from helpers.measures import (
        assemble_result,
        compare_with_group,
        figure_at_quarter,
        period_counts,
        rolling_series,
        select_rows,
        trend_test,
    )

    measure = default_catalogue().measure("satisfaction_overall")
    missing = SimpleNamespace(missing={measure.source})
    rows = select_rows(measure, missing)
    rolling = rolling_series(measure, period_counts(measure, missing, rows), missing, settings)
    figure = figure_at_quarter(measure, rolling, Q, AS, settings, missing)
    result = assemble_result(
        figure,
        compare_with_group(figure, rolling, settings, missing),
        trend_test(figure, rolling, settings),
        rolling,
    )
    assert rows is None and rolling is None
    assert not result.available and "(victim_satisfaction)" in result.unavailable_reason
    same = compute_measure(measure, missing, Q, AS, settings)
    assert measures_table([result]).equals(measures_table([same]))
