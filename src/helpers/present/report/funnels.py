"""Funnel plots: which measures get one, its analysis, its block and its tables."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.core.config import Settings
from helpers.core.forces import default_forces
from helpers.present.report.fragment import Html

if TYPE_CHECKING:
    # helpers.measures.compute (scipy, statsmodels: about 0.8 s to import) is imported where a
    # measure is computed: a rebuild that only re-renders the narrative computes none.
    from helpers.measures.result import MeasureResult


def has_funnel_plot(measure: Any) -> bool:
    """Crime rates (police recorded crime per 1,000 residents or households) get a funnel plot."""
    return bool(measure.is_rate and measure.source == "prc")


def funnel_for(result: MeasureResult, settings: Settings, inputs: Any = None) -> Any:
    """The `helpers.stats.funnel.FunnelResult` of a rate measure's result, or None without data.

    Every force at the quarter comes with the result (`MeasureResult.all_forces`); a result made
    without it (an older pickle) has it computed again from `inputs` (a callable giving them).
    """
    from helpers.stats.funnel import funnel_analysis

    m = result.measure
    at_quarter = result.all_forces
    if at_quarter is None:
        if inputs is None:
            return None
        from helpers.measures.series import all_forces_series

        series = all_forces_series(m, inputs(), settings)
        at_quarter = series[series["period"] == result.quarter.period]
    forces = default_forces()
    has_msg = forces.get(result.force).has_msg
    return funnel_analysis(
        at_quarter,
        measure_id=m.id,
        title=m.title,
        unit=m.unit,
        force=result.force,
        group=forces.comparison_group(result.force) if has_msg else (),
        period_label=result.quarter.year_ending,
        method=settings.funnel.overdispersion,
        winsorise_by=settings.funnel.winsorise,
    )


def funnel_tables(results: Iterable[MeasureResult], settings: Settings) -> dict[str, pd.DataFrame]:
    """measure id -> the tidy table of its funnel plot (`helpers.stats.funnel.funnel_table`: a title
    in `.attrs["title"]`, column units in `.attrs["units"]`), for every crime rate in `results`
    with a plot: what the report's spreadsheet adds beside its other tables."""
    from helpers.present.wording.funnel_words import funnel_limits_note
    from helpers.stats.funnel import FunnelError, funnel_table, left_out_sentences

    tables = {}
    for result in results:
        if not (has_funnel_plot(result.measure) and result.available):
            continue
        try:
            funnel = funnel_for(result, settings)
        except FunnelError:
            continue
        if funnel is not None:
            table = funnel_table(funnel)
            table.attrs["notes"] = [funnel_limits_note(funnel), *left_out_sentences(funnel)]
            tables[result.measure.id] = table
    return tables


def funnel_block(result: MeasureResult, settings: Settings, inputs: Any = None) -> Html:
    """A measure's funnel plot with its heading, the chart (its collapsible data table) and
    the verdict under it, in words a reader acts on ("within the range expected for a force of
    its size"): the part of a measure's block after its trend. How to read a funnel plot and
    how its limits are set is said once, in the methods note, not under every plot."""
    from helpers.present.charts import funnel_chart
    from helpers.present.charts.funnel_plot import funnel_top, off_chart
    from helpers.present.wording.funnel_words import (
        funnel_limits_note,
        funnel_off_chart,
        funnel_verdict,
    )
    from helpers.stats.funnel import FunnelError, left_out_sentences

    m = result.measure
    heading = (
        f'<h4 id="funnel-{m.id}">Where {html.escape(result.force)} stands among all forces</h4>'
    )
    if not result.available:
        return Html("")
    try:
        funnel = funnel_for(result, settings, inputs)
    except FunnelError as exc:
        return Html(f'{heading}\n<p class="flag" role="note">{html.escape(str(exc))}.</p>')
    if funnel is None:
        return Html("")
    chart = funnel_chart(funnel)
    _, left_off = off_chart(funnel, funnel_top(funnel))
    under = " ".join(
        [funnel_verdict(funnel), *funnel_off_chart(funnel, left_off), *left_out_sentences(funnel)]
    )
    notes = (funnel_limits_note(funnel), *left_out_sentences(funnel))
    return Html(
        "\n".join(
            [
                heading,
                chart._repr_html_(),
                f'<p class="funnel-verdict">{html.escape(under)}</p>',
                '<p class="method-note">How to read a funnel plot, and how its limits are set: '
                '"Funnel plots" in the methods note.</p>',
            ]
        ),
        tables=(chart.sheet_table(notes),),
    )


def outside_poisson(funnel: Any) -> int:
    """Forces outside the 99.8% limits had the limits been pure Poisson: the overdispersion's
    evidence, beside the forces outside the limits the report draws."""
    from helpers.stats.funnel import funnel_limits

    p = funnel.points
    low, high = funnel_limits(p["denominator"].to_numpy(), funnel.target, 0.998)
    rate = p["rate"].to_numpy()
    return int(((rate < low) | (rate > high)).sum())
