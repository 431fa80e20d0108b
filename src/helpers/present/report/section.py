"""`SectionReport`: the blocks a section notebook displays, one page per section."""

from __future__ import annotations

import html
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.core.config import Section, Settings
from helpers.core.quarters import FinancialQuarter
from helpers.present.report.blocks import comparison_table, offences_table
from helpers.present.report.context import ReportContext, sample_data_banner
from helpers.present.report.ethnic_groups import ethnic_group_table
from helpers.present.report.fragment import MEASURE_ROWS_KEY, REFRESH_KEY, Html
from helpers.present.report.funnels import funnel_block, has_funnel_plot
from helpers.present.report.refresh import narrative_html
from helpers.present.wording.benchmark_words import benchmark_text
from helpers.present.wording.trend_words import trend_explanation

if TYPE_CHECKING:
    # helpers.measures.compute (scipy, statsmodels: about 0.8 s to import) is imported where a
    # measure is computed: a rebuild that only re-renders the narrative computes none.
    from helpers.measures.result import MeasureResult


class SectionReport:
    """One section page: heading, measures summary, one block per measure, narrative.

    A section notebook computes its measures in its own cells with the steps of
    `helpers.measures.compute` and hands each result to `record` (or straight to `measure`); the
    measures it does not record come from `ReportContext.results`, the same steps."""

    def __init__(self, section: Section, context: ReportContext):
        self.section = section
        self.context = context
        self.measures = context.catalogue.measures_of(section.id)
        self._recorded: dict[str, MeasureResult] = {}
        self._summary_handle: Any = None

    @classmethod
    def load(cls, section_id: str, **parameters: Any) -> SectionReport:
        context = ReportContext.from_parameters(**parameters)
        return cls(context.catalogue.section(section_id), context)

    # ----- what the steps need ------------------------------------------------------------
    @property
    def inputs(self) -> Any:
        return self.context.inputs

    @property
    def settings(self) -> Settings:
        return self.context.settings

    @property
    def force(self) -> str:
        return self.context.force

    @property
    def quarter(self) -> FinancialQuarter:
        return self.context.quarter

    def declaration(self, measure_id: str) -> Any:
        """The measure as params/measures.yaml declares it (`config.Measure`)."""
        return self.context.catalogue.measure(measure_id)

    @cached_property
    def _computed(self) -> dict[str, MeasureResult]:
        return {r.measure.id: r for r in self.context.results(self.measures)}

    @property
    def results(self) -> dict[str, MeasureResult]:
        """Every measure of the section: the ones the notebook recorded, the rest computed."""
        if all(m.id in self._recorded for m in self.measures):
            return {m.id: self._recorded[m.id] for m in self.measures}
        return {m.id: self._recorded.get(m.id) or self._computed[m.id] for m in self.measures}

    def record(self, result: MeasureResult) -> MeasureResult:
        """Make `result` the one this page shows for its measure (the summary shown above is
        brought up to date if its words change)."""
        self._recorded[result.measure.id] = result
        if self._summary_handle is not None and self._summary_html().text != self._summary_text:
            self._summary_text = self._summary_html().text
            self._summary_handle.update(self._summary_html())
        return result

    def _result(self, measure: str | MeasureResult) -> MeasureResult:
        if isinstance(measure, str):
            return self.results[measure]
        return self.record(measure)

    # ----- page parts ---------------------------------------------------------------------
    def heading(self) -> Html:
        from helpers.core.plan import police_and_crime_plan

        c = self.context
        # The priority of the force's Police and Crime Plan this section serves (params/), as
        # the Commissioner's own report heads its sections.
        plan = police_and_crime_plan(c.force)
        priority = plan.priority(self.section.id) if plan is not None else None
        served = (
            f'<p class="plan-priority">{html.escape(plan.name)}: {html.escape(priority)}</p>\n'
            if plan is not None and priority
            else ""
        )
        text = (
            f'<h2 id="section-{self.section.id}">{self.section.number}. '
            f"{html.escape(self.section.title)}</h2>\n{served}"
            f'<p class="section-meta">{html.escape(c.force)} · {html.escape(c.quarter.title)} · '
            f"{html.escape(self.section.part)}</p>\n{sample_data_banner(c)}"
        )
        return Html(text)

    def _summary_html(self) -> Html:
        from helpers.present.tables import measures_summary_table

        results = self.results.values()
        if not results:
            return Html('<p class="flag" role="note">This section has no numerical measure.</p>')
        rows = pd.DataFrame(
            {
                "measure": [r.measure.title for r in results],
                "trend": [r.trend_word for r in results],
                "benchmark": [benchmark_text(r.benchmark) for r in results],
            }
        )
        table = measures_summary_table(rows, caption=f"Measures summary: {self.section.title}")
        return Html(f"<h3>Measures summary</h3>\n{table}")

    def summary(self) -> Html | None:
        """The section's measures summary. In a notebook it is displayed (and None returned)
        so that `record` can bring it up to date when a later cell changes a measure."""
        summary = self._summary_html()
        self._summary_text = summary.text
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:
            return summary
        if get_ipython() is None:
            return summary
        self._summary_handle = display(summary, display_id=True)
        return None

    def offences(self, rows: pd.DataFrame | None, measure_id: str) -> Html:
        """The offences a crime measure counts (its input rows), with the force's count of each
        in the 12 months to the quarter."""
        return offences_table(rows, self.declaration(measure_id), self.force, self.quarter)

    def measure(
        self,
        measure: str | MeasureResult,
        *,
        chart: bool = True,
        volume: str | MeasureResult | None = None,
    ) -> Html:
        """The chart, its data table and the facts generated from the data for one measure
        (a result from the notebook's steps, recorded; or a measure id). `chart=False` leaves
        the chart out, for a measure drawn with another on one chart (`counts_together`, or
        `volume`: a count drawn as bars on its own axis under this measure's rate, as the
        Commissioner's report draws rape charges/summons; its data in the chart's table)."""
        from helpers.present.charts import trend_chart, volume_rate_chart
        from helpers.present.wording.sentences import interval_fact, measure_facts, render_facts

        result = self._result(measure)
        m = result.measure
        shown = {MEASURE_ROWS_KEY: measures_csv_rows(result)}
        parts = [f'<h3 id="measure-{m.id}">{html.escape(m.title)}</h3>']
        if not result.available:
            facts = " ".join(measure_facts(result))
            parts.append(f'<p class="flag" role="note">{html.escape(facts)}</p>')
            return Html("\n".join(parts), shown)
        facts = measure_facts(result)
        facts.insert(1, interval_fact(result, self.context.settings.benchmark.confidence))
        parts.append(render_facts(facts))
        if not chart:
            return self._without_chart(result, parts, shown)
        series = result.series
        window = self.context.settings.trend.window_quarters * 3 + 24
        series = series[series["period"] > self.context.quarter.period - window]
        options: dict[str, Any] = dict(
            unit=m.unit,
            force_name=result.force,
            comparator_label=result.comparator_label if m.comparator != "national" else None,
            relation=result.relation if m.comparator != "national" else None,
            # England and Wales's count is on another scale (4,314 against a force's 108): on
            # one axis the force's line would lie flat at zero. A count shows the force alone.
            show_national=m.unit != "count" and bool(series["national_value"].notna().any()),
            # Percentages that move between 70% and 80% would look flat on an axis from zero.
            y_from_zero=not m.is_percent,
            tested=result.trend.tested if result.trend is not None else (),
            exceptional=(
                result.trend.exceptional.period
                if result.trend is not None and result.trend.exceptional is not None
                else None
            ),
        )
        counted = None if volume is None else self._result(volume)
        if counted is not None and counted.available and counted.series is not None:
            counts = counted.series.set_index("period")["force_value"].rename("volume")
            drawn = volume_rate_chart(
                series.join(counts, on="period"),
                title=f"{counted.measure.chart_title} and Rate",
                volume_label=_label(counted.measure.title),
                **options,
            )
        else:
            drawn = trend_chart(series, title=m.chart_title, **options)
        # The heading, its sentences and the chart are one block, never parted by a page
        # break in print (report.css: .measure-lead).
        parts = [f'<div class="measure-lead">{"".join(parts)}{drawn._repr_html_()}</div>']
        defined = (m,) if counted is None else (counted.measure, m)
        tables = (drawn.sheet_table(tuple(d.definition for d in defined if d.definition)),)
        if m.definition:
            parts.append(
                f'<p class="definition"><strong>Definition.</strong> '
                f"{html.escape(m.definition)}</p>"
            )
        parts.append(trend_note(result.trend_word, trend_explanation(result)))
        if has_funnel_plot(m):
            funnel = self.funnel(result)
            parts.append(funnel.text)
            tables = (*tables, *funnel.tables)
        return Html("\n".join(parts), shown, tables=tables)

    def _without_chart(self, result: MeasureResult, parts: list[str], shown: dict) -> Html:
        m = result.measure
        if m.definition:
            parts.append(
                f'<p class="definition"><strong>Definition.</strong> '
                f"{html.escape(m.definition)}</p>"
            )
        parts.append(trend_note(result.trend_word, trend_explanation(result)))
        return Html("\n".join(parts), shown)

    def counts_together(self, first: str, second: str, *, title: str) -> Html:
        """Two of the section's counts on one chart, as the Commissioner's report draws drugs
        disruptions and county lines disrupted; the data table cites both definitions."""
        from helpers.present.charts import counts_chart

        one, two = self.results[first], self.results[second]
        if not (one.available or two.available):
            return Html("")
        window = self.context.settings.trend.window_quarters * 3 + 24
        frames = []
        for key, result in (("first", one), ("second", two)):
            if result.series is None:
                continue
            frames.append(result.series.set_index("period")["force_value"].rename(key))
        series = pd.concat(frames, axis=1).reindex(columns=["first", "second"]).reset_index()
        series = series[series["period"] > self.context.quarter.period - window]
        chart = counts_chart(
            series,
            title=title,
            labels=(_label(one.measure.title), _label(two.measure.title)),
            force_name=self.force,
        )
        notes = tuple(m.definition for m in (one.measure, two.measure) if m.definition)
        # A heading of its own, kept with the chart on one page in print (.measure-lead), as
        # every measure's chart is.
        second_label = _label(two.measure.title)
        heading = f"{_label(one.measure.title)} and {second_label[0].lower()}{second_label[1:]}"
        lead = (
            f'<div class="measure-lead"><h3 id="chart-{first}-{second}">'
            f"{html.escape(heading)}</h3>{chart._repr_html_()}</div>"
        )
        return Html(lead, tables=(chart.sheet_table(notes),))

    def funnel(self, measure: str | MeasureResult) -> Html:
        """Where the force stands among all forces: the measure's funnel plot (crime rates)."""
        c = self.context
        return funnel_block(self._result(measure), c.settings, inputs=lambda: c.inputs)

    def comparison(self, measure: str | MeasureResult) -> Html:
        """The ranked comparison group behind a measure's benchmark."""
        return comparison_table(self._result(measure))

    def ethnic_group_counts(self, source: str) -> Html:
        """12-month counts by ethnic group (below force level: disclosure control applies)."""
        c = self.context
        return ethnic_group_table(
            c.inputs, source, c.force, c.quarter, c.settings.disclosure_min_count
        )

    def measures_blocks(self) -> Html:
        results = self.results
        blocks = [self.measure(results[m.id]) for m in self.measures]
        return Html(
            "\n".join(b.text for b in blocks), tables=tuple(t for b in blocks for t in b.tables)
        )

    def narrative(self) -> Html:
        """The analysts' narrative. The build re-renders it from the file when it makes the
        pages (`refresh_narrative_outputs`): a narrative edit needs no re-execution."""
        quarter = self.context.quarter
        meta = {"kind": "narrative", "section": self.section.id, "quarter": quarter.code}
        return Html(
            narrative_html(self.context.narrative_dir, quarter, self.section.id),
            {REFRESH_KEY: meta},
        )


def trend_note(word: str, explanation: str) -> str:
    """The trend word, and how the test reached it in a disclosure: the test's name, points and
    p-value are for analysts (printed only in report.html; `render.printable` leaves the
    disclosure out of the PDF and says where it is). Where no test could be made, the reason
    is what every reader needs: it stays beside the word."""
    text = f'<p class="trend-word">Trend / Outlook: <strong>{html.escape(word)}</strong>.</p>'
    if not explanation:
        return text
    if word == "Not available":
        return (
            f'<p class="trend-word">Trend / Outlook: <strong>{html.escape(word)}</strong>. '
            f"{html.escape(explanation)}</p>"
        )
    return (
        f'{text}\n<details class="analyst test-detail"><summary>How the trend was tested'
        f'</summary>\n<p class="method-note">{html.escape(explanation)}</p>\n</details>'
    )


def measures_csv_rows(result: MeasureResult) -> str:
    """The rows of measures.csv that `result` makes, as measures.csv writes them."""
    from helpers.present.measures_table import measures_csv_text, measures_table

    return measures_csv_text(measures_table([result]), header=False)


def _label(title: str) -> str:
    """A measure's title without its unit: "Drugs disruptions (number, 12 months)" -> "Drugs
    disruptions"."""
    return title.split(" (")[0]
