"""What a section notebook calls: one object per report page, each part displayable in Jupyter.

A section notebook reads like the page it makes::

    section = SectionReport.load("homicide", quarter=quarter, force=force, data_dir=data_dir)
    section.heading()
    section.summary()
    section.measure("homicide")
    section.narrative()

Every method returns an object with `_repr_html_`, so the last expression of a cell is the output
the reviewer reads; nbconvert later drops the code.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.core.config import Catalogue, Section, Settings, default_catalogue, load_settings
from helpers.core.forces import ENGLAND_AND_WALES, default_forces
from helpers.core.paths import resolve
from helpers.core.quarters import FinancialQuarter, resolve_quarter
from helpers.inputs.schemas import not_supplied
from helpers.present.render import INPUT_FILES_CAPTION
from helpers.present.wording.benchmark_words import benchmark_text

if TYPE_CHECKING:
    # helpers.measures.compute (scipy, statsmodels: about 0.8 s to import) is imported where a
    # measure is computed: a rebuild that only re-renders the narrative computes none.
    from helpers.measures.result import MeasureResult

# Output metadata key of the parts the build re-renders from the narrative files at render time
# (`refresh_narrative_outputs`), so that a narrative edit never re-executes a notebook.
REFRESH_KEY = "helpers_refresh"


# Output metadata key of the rows of measures.csv (its text, without the header) of the result a
# measure's block shows: what tests compare with the build's measures.csv.
MEASURE_ROWS_KEY = "helpers_measures_csv"


# Output metadata key of the tables a part of a page shows (`spreadsheet.SheetTable.as_dict`):
# the build collects them from the executed notebooks, in page order, into report.ods.
TABLES_KEY = "helpers_tables"


@dataclass(frozen=True)
class Html:
    """A fragment of trusted HTML built by the helpers (every data value escaped on the way in).

    `metadata` travels with the output in the executed notebook (IPython's (data, metadata)
    form of `_repr_html_`); so do `tables`, the spreadsheet tables
    (`helpers.present.spreadsheet`) of the numbers this fragment shows, under `TABLES_KEY`:
    whatever a notebook displays with tables goes into report.ods.
    """

    text: str
    metadata: dict[str, Any] | None = None
    tables: tuple[Any, ...] = ()

    def _repr_html_(self) -> str | tuple[str, dict[str, Any]]:
        metadata = dict(self.metadata or {})
        if self.tables:
            metadata[TABLES_KEY] = [t.as_dict() for t in self.tables]
        if metadata:
            return self.text, metadata
        return self.text

    def __str__(self) -> str:
        return self.text


def settings_for(
    *,
    force: str | None = None,
    quarter: str | None = None,
    data_dir: str | None = None,
    narrative_dir: str | None = None,
    trend_method: str | None = None,
    trend_alpha: float | None = None,
    trend_window_quarters: int | None = None,
) -> Settings:
    """Settings from params/report.yaml overridden by a notebook's parameters."""
    return load_settings(
        force=force,
        quarter=quarter,
        data_dir=data_dir,
        narrative_dir=narrative_dir,
        trend_method=trend_method,
        trend_alpha=trend_alpha,
        trend_window_quarters=trend_window_quarters,
    )


@dataclass
class ReportContext:
    """The inputs, force and quarter shared by every page of one build.

    `parameters` are the notebook's own (quarter, force, data_dir, trend_*): where a build
    offers its inputs and measure results for exactly these parameters and inputs
    (`helpers.measures.handoff`), the context takes them, and the build's settings, instead of
    reading and computing again; otherwise it computes everything itself."""

    settings: Settings
    catalogue: Catalogue = field(default_factory=default_catalogue)
    parameters: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        offer = self.offer
        if offer is not None and offer.settings is not None:
            self.settings = offer.settings  # what the build computed measures.csv with

    @cached_property
    def offer(self) -> Any:
        """The build's `handoff.Offer` for this notebook's parameters and inputs, or None."""
        if not self.parameters:
            return None
        from helpers.inputs.datasets import load_inputs, load_tables
        from helpers.measures import handoff

        try:
            # The same object serves as `inputs`: its files are hashed once.
            self._inputs = load_inputs(resolve(self.settings.data_dir))
            files = self._inputs.files
        except Exception:
            return None  # the inputs report their own problem when they are used
        found = handoff.find(handoff.offer_key(self.parameters, files))
        if found is not None and found.tables is not None:
            # Only a shortcut: whatever goes wrong, the files are read as without it.
            with contextlib.suppress(Exception):
                load_tables(found.tables)
        return found

    @cached_property
    def inputs(self) -> Any:
        from helpers.inputs.datasets import load_inputs

        # Tables the build offered are keyed on the files' sha256: used without reading again.
        made = getattr(self, "_inputs", None)
        if made is not None and Path(made.data_dir) == resolve(self.settings.data_dir):
            return made
        return load_inputs(resolve(self.settings.data_dir))

    @cached_property
    def _precomputed_results(self) -> dict[str, MeasureResult]:
        if self.offer is None:
            return {}
        import pickle

        with open(self.offer.results, "rb") as handle:
            results: list[MeasureResult] = pickle.load(handle)
        return {r.measure.id: r for r in results if r.force == self.force}

    @cached_property
    def force(self) -> str:
        return default_forces().canonical(self.settings.force)

    @cached_property
    def quarter(self) -> FinancialQuarter:
        known = next(iter(self._precomputed_results.values()), None)
        if known is not None:  # the build resolved (and checked) the quarter already
            return known.quarter
        return resolve_quarter(self.settings.quarter, self.inputs.latest_quarter)

    @property
    def narrative_dir(self) -> Path:
        return resolve(self.settings.narrative_dir)

    @property
    def is_sample_data(self) -> bool:
        return bool(getattr(self.inputs, "is_synthetic", False))

    def results(self, measures: Iterable[Any]) -> list[MeasureResult]:
        """The results of `measures`: the build's (the objects measures.csv was written from)
        where it offered them, otherwise computed now by the same steps."""
        measures = list(measures)
        known = self._precomputed_results
        if known and all(m.id in known for m in measures):
            return [known[m.id] for m in measures]
        from helpers.measures.compute import compute_measures

        return compute_measures(measures, self.inputs, self.quarter, self.force, self.settings)

    @classmethod
    def from_parameters(cls, **parameters: Any) -> ReportContext:
        """A context from a notebook's parameters (the settings it overrides)."""
        return cls(settings_for(**parameters), parameters=dict(parameters))


def sample_data_banner(context: ReportContext) -> str:
    if not context.is_sample_data:
        return real_data_banner(context)
    return (
        '<p class="flag" role="note"><strong>Synthetic sample data.</strong> These figures are '
        "generated for demonstration and testing; they are not real police data.</p>"
    )


def real_data_banner(context: ReportContext) -> str:
    """Which data a report built from `python -m helpers import-real` used (its README says)."""
    readme = Path(context.inputs.data_dir) / "README.md"
    try:
        first = readme.read_text(encoding="utf-8").split("\n", 1)[0]
    except (OSError, UnicodeDecodeError):
        return ""
    if "REAL published data" not in first:
        return ""
    return (
        '<p class="flag" role="note"><strong>Real published data.</strong> Home Office police '
        "recorded crime (to June 2023), ONS population and households (to mid-2018), Census 2021 "
        "ethnic groups and Home Office use of force (to March 2020), as published; sections "
        "whose inputs were not supplied say so.</p>"
    )


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
        c = self.context
        text = (
            f'<h2 id="section-{self.section.id}">{self.section.number}. '
            f"{html.escape(self.section.title)}</h2>\n"
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

    def measure(self, measure: str | MeasureResult) -> Html:
        """The chart, its data table and the facts generated from the data for one measure
        (a result from the notebook's steps, recorded; or a measure id)."""
        from helpers.present.charts import trend_chart
        from helpers.present.wording.sentences import measure_facts, render_facts

        result = self._result(measure)
        m = result.measure
        shown = {MEASURE_ROWS_KEY: measures_csv_rows(result)}
        parts = [f'<h3 id="measure-{m.id}">{html.escape(m.title)}</h3>']
        if not result.available:
            facts = " ".join(measure_facts(result))
            parts.append(f'<p class="flag" role="note">{html.escape(facts)}</p>')
            return Html("\n".join(parts), shown)
        parts.append(render_facts(measure_facts(result)))
        series = result.series
        window = self.context.settings.trend.window_quarters * 3 + 24
        series = series[series["period"] > self.context.quarter.period - window]
        chart = trend_chart(
            series,
            title=m.chart_title,
            unit=m.unit,
            force_name=result.force,
            comparator_label=result.comparator_label if m.comparator != "national" else None,
            relation=result.relation if m.comparator != "national" else None,
            show_national=bool(series["national_value"].notna().any()),
            # Percentages that move between 70% and 80% would look flat on an axis from zero.
            y_from_zero=not m.is_percent,
        )
        parts.append(chart._repr_html_())
        tables = (chart.sheet_table((m.definition,) if m.definition else ()),)
        if m.definition:
            parts.append(
                f'<p class="definition"><strong>Definition.</strong> '
                f"{html.escape(m.definition)}</p>"
            )
        parts.append(
            f'<p class="method-note">Trend / Outlook: <strong>{html.escape(result.trend_word)}'
            f"</strong>. {html.escape(trend_explanation(result))}</p>"
        )
        if has_funnel_plot(m):
            funnel = self.funnel(result)
            parts.append(funnel.text)
            tables = (*tables, *funnel.tables)
        return Html("\n".join(parts), shown, tables=tables)

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


def narrative_html(narrative_dir: Path, quarter: FinancialQuarter | str, section_id: str) -> str:
    from helpers.present.narrative import load_narrative, render_narrative

    return render_narrative(load_narrative(narrative_dir, quarter, section_id))


def status_html(
    data_items: Iterable[str],
    narrative_dir: Path,
    quarter: FinancialQuarter | str,
    section_ids: Iterable[str],
) -> str:
    """The summary's "Before publication" block: `data_items` (already escaped HTML) and the
    flags of every section's narrative."""
    from helpers.present.narrative import narrative_status_summary

    items = list(data_items)
    for n in narrative_status_summary(narrative_dir, quarter, list(section_ids)):
        items.extend(html.escape(flag) for flag in n.flags)
    if not items:
        return '<p class="status-ok">All data supplied; every narrative reviewed.</p>'
    body = "".join(f"<li>{i}</li>" for i in items)
    return f'<h3>Before publication</h3>\n<div class="flag" role="note"><ul>{body}</ul></div>'


def refresh_narrative_outputs(nb: Any, narrative_dir: Path) -> int:
    """Re-render, in an executed notebook (`nbformat.NotebookNode`, changed in place), every
    output that comes from the narrative files: `SectionReport.narrative()` and
    `SummaryReport.status()`. Returns how many outputs were replaced."""
    replaced = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            # IPython files a `_repr_html_` metadata under the MIME type it belongs to.
            metadata = output.get("metadata") or {}
            meta = (metadata.get("text/html") or {}).get(REFRESH_KEY) or metadata.get(REFRESH_KEY)
            if not meta or "text/html" not in output.get("data", {}):
                continue
            if meta.get("kind") == "narrative":
                text = narrative_html(narrative_dir, meta["quarter"], meta["section"])
            elif meta.get("kind") == "status":
                text = status_html(
                    meta.get("data_items", []), narrative_dir, meta["quarter"], meta["sections"]
                )
            else:
                continue
            output["data"]["text/html"] = text
            replaced += 1
    return replaced


# What each ethnicity source counts: (column, what a row is, the people it is about).
GROUP_COUNT_SOURCES = {
    "stop_search": ("searches", "Stop and searches", "searched"),
    "use_of_force": ("incidents", "Use-of-force incidents", "subjects"),
}
SUPPRESSED = "Suppressed"


def ethnic_group_table(
    inputs: Any, source: str, force: str, quarter: FinancialQuarter, min_count: int
) -> Html:
    """The force's 12-month counts by ethnic group beside the Census population, with the rate
    per 1,000 and the ratio to White.

    A breakdown of a force's figure is below force level, so the disclosure rule applies
    (`tables.disclosure_suppress`): a count from 1 to `min_count` - 1 is shown as "<min_count",
    and the rate and ratio of that row are suppressed too (they would give the count back).
    No total row: with it, one suppressed cell could be worked out by subtraction.
    """
    from helpers.present.formatting import format_value
    from helpers.present.tables import data_table, disclosure_suppress

    column, what, _ = GROUP_COUNT_SOURCES[source]
    frame = inputs.get(source) if hasattr(inputs, "get") else getattr(inputs, source, None)
    if frame is None:
        return Html(f'<p class="flag" role="note">{not_supplied(source)} ({source}).</p>')
    first, last = quarter.window(12)
    rows = frame[(frame["force"] == force) & frame["period"].between(first, last)]
    counts = rows.groupby("ethnic_group", sort=False)[column].sum()
    population = inputs.population_ethnicity
    residents = population[population["force"] == force].set_index("ethnic_group")["population"]
    groups = ["White", "Black", "Asian", "Mixed", "Other", "Not recorded"]
    count = [int(counts.get(g, 0)) for g in groups]
    people = [residents.get(g) for g in groups]
    rate = [
        n * 1000 / p if p is not None and not pd.isna(p) and p > 0 else None
        for n, p in zip(count, people, strict=True)
    ]
    white = rate[0]
    ratio = [r / white if r is not None and white else None for r in rate]
    table = pd.DataFrame(
        {
            "Ethnic group": groups,
            f"{what} (12 months)": count,
            "Residents (Census 2021)": [
                format_value(p, "count") if p is not None else "Not applicable" for p in people
            ],
            "Rate per 1,000 residents": [
                format_value(r, "rate_per_1000") if r is not None else "Not applicable"
                for r in rate
            ],
            "Compared with White": [
                format_value(r, "ratio") if r is not None else "Not applicable" for r in ratio
            ],
        }
    )
    count_column = f"{what} (12 months)"
    suppressed = disclosure_suppress(table, [count_column], min_count)
    hidden = suppressed[count_column].astype(str).str.startswith("<")
    for derived in ("Rate per 1,000 residents", "Compared with White"):
        suppressed[derived] = suppressed[derived].where(~hidden, SUPPRESSED)
    if white is None or hidden.iloc[0]:
        suppressed["Compared with White"] = SUPPRESSED if hidden.iloc[0] else "Not applicable"
    caption = (
        f"{what} by ethnic group, {force}, {quarter.year_ending} (counts from 1 to "
        f"{min_count - 1} are shown as <{min_count}, with their rate and ratio suppressed)"
    )
    title = (
        f"{what} by ethnic group, {force}, {quarter.year_ending} (counts from 1 to "
        f"{min_count - 1}, with their rate and ratio, are suppressed: [c])"
    )
    sheet = _ethnic_group_sheet(title, what, groups, count, people, rate, ratio, hidden, white)
    return Html(
        data_table(suppressed, caption=caption, unit={count_column: "count"}), tables=(sheet,)
    )


def _ethnic_group_sheet(
    title: str,
    what: str,
    groups: list[str],
    count: list[int],
    people: list[Any],
    rate: list[float | None],
    ratio: list[float | None],
    hidden: pd.Series,
    white: float | None,
) -> Any:
    """The ethnic group table for report.ods: the same suppression, as the guidance's [c]."""
    from helpers.present.spreadsheet import NOT_APPLICABLE, SUPPRESSED, SheetTable

    rows = []
    for i, group in enumerate(groups):
        if hidden.iloc[i]:
            rows.append([group, SUPPRESSED, people[i], SUPPRESSED, SUPPRESSED])
            continue
        compared = ratio[i]
        if hidden.iloc[0] or white is None:
            compared = SUPPRESSED if hidden.iloc[0] else None
        rows.append(
            [
                group,
                count[i],
                NOT_APPLICABLE if people[i] is None or pd.isna(people[i]) else people[i],
                NOT_APPLICABLE if rate[i] is None else rate[i],
                NOT_APPLICABLE if compared is None else compared,
            ]
        )
    return SheetTable(
        title=title,
        columns=[
            "Ethnic group",
            f"{what} (12 months): number",
            "Residents (Census 2021): number",
            "Rate per 1,000 residents",
            "Compared with White: rate ratio",
        ],
        rows=rows,
        kind="comparison",
    )


def measures_csv_rows(result: MeasureResult) -> str:
    """The rows of measures.csv that `result` makes, as measures.csv writes them."""
    from helpers.present.measures_table import measures_csv_text, measures_table

    return measures_csv_text(measures_table([result]), header=False)


def offences_table(
    rows: pd.DataFrame | None, measure: Any, force: str, quarter: FinancialQuarter
) -> Html:
    """The offences a police recorded crime measure counts (`measures.select_rows`), each with
    the force's offences recorded in the 12 months to the quarter; nothing for other sources."""
    from helpers.present.spreadsheet import SheetTable
    from helpers.present.tables import data_table

    if rows is None or measure.source != "prc" or rows.empty:
        return Html("")
    first, last = quarter.window(12)
    offences = rows[["offence_code", "offence_description"]].drop_duplicates("offence_code")
    mine = rows[(rows["force"] == force) & rows["period"].between(first, last)]
    counts = mine.groupby("offence_code", observed=True)["count"].sum()
    offences = offences.sort_values("offence_code").assign(
        count=lambda f: f["offence_code"].map(counts).fillna(0)
    )
    column = f"Offences recorded, {quarter.year_ending}"
    # A code such as 1 or 4.1 is a name, not a number: written after the offence, as text.
    named = [
        f"{name} ({code})"
        for code, name in zip(
            offences["offence_code"].astype(str), offences["offence_description"], strict=True
        )
    ]
    offence = "Offence (Home Office offence code)"
    frame = pd.DataFrame({offence: named, column: offences["count"].to_numpy()})
    caption = f"{measure.title}: the offences counted, {force}"
    sheet = SheetTable(
        title=f"{caption}, {quarter.year_ending}",
        columns=[offence, f"{column}: number"],
        rows=[list(r) for r in frame.itertuples(index=False)],
        kind="offences",
    )
    # Closed on screen (a serious violence list is long); printed open (`render.printable`).
    summary = f"The offences counted ({len(frame)} offence codes of police recorded crime)"
    return Html(
        f'<details class="offences"><summary>{html.escape(summary)}</summary>\n'
        '<p class="method-note">The offences of the Home Office police recorded crime data '
        f"that the figure counts, and how many of each {html.escape(force)} recorded in the "
        "12 months:</p>\n"
        + data_table(frame, caption=caption, unit={column: "count"})
        + "\n</details>",
        tables=(sheet,),
    )


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
    from helpers.stats.funnel import FunnelError, funnel_table

    tables = {}
    for result in results:
        if not (has_funnel_plot(result.measure) and result.available):
            continue
        try:
            funnel = funnel_for(result, settings)
        except FunnelError:
            continue
        if funnel is not None:
            tables[result.measure.id] = funnel_table(funnel)
    return tables


def funnel_block(result: MeasureResult, settings: Settings, inputs: Any = None) -> Html:
    """A measure's funnel plot with its heading, a sentence on reading it, the chart, its
    collapsible data table and the method: the part of a measure's block after its trend."""
    from helpers.present.charts import funnel_chart
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
    per = "household" if funnel.denominator_name == "households" else "resident"
    intro = (
        f"Each force's rate is plotted against its number of {per}s. A force with the "
        f"{funnel.target_label} would fall inside the inner (95%) limits 19 times in 20 and "
        "inside the outer (99.8%) limits 998 times in 1,000 by chance alone; the limits narrow "
        "for larger forces, whose rates are measured more precisely. A force outside the 99.8% "
        "limits is unusual: a question to ask, not a verdict."
    )
    method = " ".join([funnel.overdispersion.describe(), *left_out_sentences(funnel)])
    return Html(
        "\n".join(
            [
                heading,
                f'<p class="funnel-intro">{html.escape(intro)}</p>',
                chart._repr_html_(),
                f'<p class="method-note">{html.escape(method)} See the methods note.</p>',
            ]
        ),
        tables=(chart.sheet_table((method,)),),
    )


def _outside_poisson(funnel: Any) -> int:
    """Forces outside the 99.8% limits had the limits been pure Poisson: the overdispersion's
    evidence, beside the forces outside the limits the report draws."""
    from helpers.stats.funnel import funnel_limits

    p = funnel.points
    low, high = funnel_limits(p["denominator"].to_numpy(), funnel.target, 0.998)
    rate = p["rate"].to_numpy()
    return int(((rate < low) | (rate > high)).sum())


def national_label() -> str:
    return ENGLAND_AND_WALES


def trend_explanation(result: MeasureResult) -> str:
    """One sentence on how the trend word was reached: the test, its points and its p-value."""
    t = result.trend
    if t is None:
        return ""
    names = {
        "mann_kendall_rolling": "Mann-Kendall test corrected for the overlap of rolling windows",
        "mann_kendall_hamed_rao": "Mann-Kendall test with the Hamed-Rao correction",
        "seasonal_mann_kendall": "seasonal Mann-Kendall test",
        "rate_ratio": "test of the latest 12 months against the 12 before",
        "spc": "statistical process control (XmR) rules",
        "regression_ar1": "regression allowing for quarter-to-quarter variation that persists",
        "quasi_poisson": "quasi-Poisson (quasi-binomial) regression",
    }
    text = f"Test: {names.get(t.method, t.method)}"
    if t.n_points:
        text += f", {t.n_points} points"
    if t.p_value is not None and not pd.isna(t.p_value):
        text += f", p = {t.p_value:.2f}" if t.p_value >= 0.01 else ", p < 0.01"
    text += "."
    if t.note:  # the test's notes are joined clauses: print them as one sentence
        note = t.note.strip()
        text += f" {note[0].upper()}{note[1:]}" + ("" if note.endswith(".") else ".")
    return text


def comparison_table(result: MeasureResult) -> Html:
    """The comparison group at the quarter, ranked: every force's count, denominator and value."""
    from helpers.present.formatting import format_column, format_value
    from helpers.present.tables import data_table

    if result.group_values is None or result.group_values.empty:
        return Html("")
    m = result.measure
    g = result.group_values
    denominator_name = "Households" if m.unit == "rate_per_1000_households" else "Residents"
    if m.is_percent:
        denominator_name = "Denominator (12 months)"
    frame = pd.DataFrame(
        {
            "Rank": g["rank"].astype(int).to_numpy(),
            "Force": g["force"].to_numpy(),
            "Count (12 months)": [format_value(v, "count") for v in g["count"]],
            denominator_name: [format_value(v, "count") for v in g["denominator"]],
            # Ranks are computed on unrounded values: print enough digits to tell them apart.
            "Value": format_column(list(g["value"]), m.unit),
        }
    )
    group = {"MSG average": "most similar group", None: "all forces"}.get(
        result.comparator_label, "comparison group"
    )
    caption = (
        f"{m.title}: {group}, {result.quarter.year_ending} (1 = best; "
        f"{'higher' if m.polarity == 'higher_is_better' else 'lower'} is better)"
    )
    from helpers.present.formatting import axis_label
    from helpers.present.spreadsheet import SheetTable

    sheet = SheetTable(
        title=caption,
        columns=[
            "Rank (1 = best)",
            "Force",
            "Count (12 months): number",
            f"{denominator_name}: number",
            f"Value: {axis_label(m.unit).lower()}",
        ],
        rows=[
            [int(r), f, c, d, v]
            for r, f, c, d, v in zip(
                g["rank"], g["force"], g["count"], g["denominator"], g["value"], strict=True
            )
        ],
        kind="comparison",
    )
    return Html(data_table(frame, caption=caption), tables=(sheet,))


class _PageBase:
    """Shared loading for the pages that span every section."""

    title = ""
    anchor = ""

    def __init__(self, context: ReportContext):
        self.context = context

    @classmethod
    def load(cls, **parameters: Any) -> _PageBase:
        return cls(ReportContext.from_parameters(**parameters))

    @cached_property
    def all_results(self) -> list[MeasureResult]:
        return self.context.results(self.context.catalogue.measures)

    def heading(self) -> Html:
        c = self.context
        return Html(
            f'<h2 id="{self.anchor}">{html.escape(self.title)}</h2>\n'
            f'<p class="section-meta">{html.escape(c.force)} · {html.escape(c.quarter.title)}</p>\n'
            f"{sample_data_banner(c)}"
        )


class SummaryReport(_PageBase):
    """The measures summary: every measure on one page, grouped by section."""

    title = "Measures summary"
    anchor = "measures-summary"

    def table(self) -> Html:
        from helpers.present.tables import measures_summary_table

        sections = {s.id: s for s in self.context.catalogue.sections}
        rows = pd.DataFrame(
            {
                "section": [
                    f"{sections[r.measure.section].number}. {sections[r.measure.section].title}"
                    for r in self.all_results
                ],
                "measure": [r.measure.title for r in self.all_results],
                "trend": [r.trend_word for r in self.all_results],
                "benchmark": [benchmark_text(r.benchmark) for r in self.all_results],
            }
        )
        caption = f"Every measure, {self.context.quarter.title}, {self.context.force}"
        return Html(measures_summary_table(rows, caption=caption))

    def status(self) -> Html:
        """What a reviewer must know before trusting the page: missing data, unwritten narrative.

        The narrative part is re-rendered by the build from the files (see `narrative`)."""
        items = []
        missing = sorted({r.measure.source for r in self.all_results if not r.available})
        for source in missing:
            sections = sorted(
                {
                    r.measure.section
                    for r in self.all_results
                    if r.measure.source == source and not r.available
                }
            )
            items.append(
                f"Data not available for {html.escape(', '.join(sections))} "
                f"(source: {html.escape(source)})."
            )
        ids = [s.id for s in self.context.catalogue.sections]
        quarter = self.context.quarter
        meta = {"kind": "status", "data_items": items, "sections": ids, "quarter": quarter.code}
        return Html(
            status_html(items, self.context.narrative_dir, quarter, ids), {REFRESH_KEY: meta}
        )


class MethodsReport(_PageBase):
    """Glossary, and the methods and data note: sources, vintages, definitions, tests, caveats."""

    title = "Glossary, methods and data"
    anchor = "methods"

    def glossary(self) -> Html:
        import yaml

        from helpers.core.paths import PARAMS_DIR

        terms = yaml.safe_load((PARAMS_DIR / "glossary.yaml").read_text(encoding="utf-8"))["terms"]
        items = "\n".join(
            f"<dt>{html.escape(t['term'])}</dt><dd>{html.escape(t['meaning'])}</dd>" for t in terms
        )
        return Html(f'<h3 id="glossary">Glossary</h3>\n<dl class="glossary">\n{items}\n</dl>')

    def sources(self) -> Html:
        from helpers.inputs.schemas import SOURCES
        from helpers.present.formatting import period_long
        from helpers.present.tables import data_table

        inputs = self.context.inputs
        coverage = []
        for name, source in SOURCES.items():
            table = inputs.get(name)
            if table is None:
                covers = "not supplied"
            elif "period" in table and len(table):
                first, last = table["period"].min(), table["period"].max()
                unit = "quarters ending" if source.frequency == "quarterly" else "months"
                covers = f"{unit} {period_long(first)} to {period_long(last)}"
            elif "mid_year" in table and len(table):
                covers = f"mid-{table['mid_year'].min()} to mid-{table['mid_year'].max()}"
            else:
                covers = "one edition (Census 2021)" if len(table) else "empty"
            coverage.append(
                {
                    "Input": source.description,
                    "Publisher": source.publisher,
                    "Path": source.path,
                    "Covers": covers,
                }
            )
        caption = "Sources and the periods they cover"
        sources = data_table(pd.DataFrame(coverage), caption=caption)
        from helpers.present.spreadsheet import SheetTable

        sheet = SheetTable(
            title=caption,
            columns=["Input", "Publisher", "Path in the data folder", "Periods covered"],
            rows=[list(row.values()) for row in coverage],
            sheet="Sources",
            description="Sources and their vintages: the periods each input covers",
            kind="sources",
        )
        rows = [
            {"File": path, "SHA-256 (first 12)": digest[:12]}
            for path, digest in sorted(inputs.files.items())
        ]
        files = sources + "\n" + data_table(pd.DataFrame(rows), caption=INPUT_FILES_CAPTION)
        text = (
            '<h3 id="sources">Data sources</h3>\n'
            f"<p>Data folder: <code>{html.escape(str(self.context.settings.data_dir))}</code>. "
            "Every file's full checksum is in manifest.json; docs/DATA.md describes each source, "
            "its publisher and its vintage.</p>\n" + files
        )
        return Html(text, tables=(sheet,))

    def statistics(self) -> Html:
        from helpers.present.tables import data_table
        from helpers.stats.trends import describe_method

        s = self.context.settings
        rates = [r for r in self.all_results if r.measure.is_rate and r.available]
        years = pd.DataFrame(
            {
                "Measure": [r.measure.title for r in rates],
                "Denominator": [
                    "households" if r.measure.unit == "rate_per_1000_households" else "residents"
                    for r in rates
                ],
                "Mid-year estimate wanted": [r.denominator_year_wanted for r in rates],
                "Mid-year estimate used": [r.denominator_year for r in rates],
            }
        )
        fallback = any(r.uses_population_fallback for r in rates)
        parts = [
            '<h3 id="statistics">Statistical methods</h3>',
            f"<p><strong>Trend / Outlook.</strong> {html.escape(describe_method(s.trend))}</p>",
            "<p><strong>Rates</strong> are per 1,000 residents (residential burglary: per 1,000 "
            "households) with the ONS mid-year estimate for the Police Force Area. A 12-month "
            "rate uses the estimate for the year in which the 12 months' midpoint falls; where "
            "that year's estimate was not supplied (or, for the latest quarters, is not yet "
            "published), the latest earlier estimate is used and the measure says which."
            + (
                " <strong>This report uses an earlier estimate for at least one measure</strong> "
                "(see the table)."
                if fallback
                else ""
            )
            + "</p>",
            "<p><strong>Missing periods.</strong> The Home Office leaves out an offence with "
            "nothing recorded, so inside a quarter a force reported, an absent offence counts as "
            "zero. A force with no rows at all for a quarter, or a local extract with no file "
            "for one, did not report it: every 12-month figure that includes that period is "
            '"Not available" with the reason, never a total of the other periods. A comparison '
            "force with such a gap, or with a negative 12-month total (Home Office adjustments "
            "exceeding the offences recorded), is left out of the group average and ranking for "
            "that period, and the measure says which force and why.</p>",
            "<p><strong>Benchmarks.</strong> The MSG average shown is the group's total count "
            "over its total population (the force included), not an average of rates. Whether "
            'the force is "above", "below" or "similar to" it is tested against the rest of the '
            "group, the other members pooled, so that a large force does not pull the "
            "comparison towards itself: for rates, the exact conditional interval of the rate "
            "ratio force / rest (similar when it contains 1); for percentages, Newcombe's "
            "hybrid score interval of the difference force - rest (similar when it contains 0); "
            f"both at {s.benchmark.confidence:.0%}. England and Wales comparisons are tested the "
            "same way against England and Wales without the force. A force's own interval, "
            f"shown beside its figure, uses Byar's method for {s.benchmark.byar_min_count} or "
            "more events, the exact Poisson interval below that, and the Wilson score interval "
            "for percentages. Disproportionality ratios use the exact conditional (binomial) "
            "interval, which holds for small and zero counts. Rank 1 is best: the lowest rate "
            "for crime, the highest for proactive measures, satisfaction and confidence; "
            "comparison tables print enough digits to tell ranked values apart.</p>",
        ]
        if not years.empty:
            parts.append(data_table(years, caption="Population year used by each rate"))
        parts.extend(self._funnel_method())
        return Html("\n".join(parts))

    def _funnel_method(self) -> list[str]:
        """The funnel plots' method, and the overdispersion each crime rate's plot allowed for."""
        from helpers.present.tables import data_table
        from helpers.stats.funnel import FunnelError

        s = self.context.settings.funnel
        chosen = {
            "additive": "an additive random effect: a between-force variance τ² (DerSimonian and "
            "Laird's moment estimator) added to each force's own sampling variance",
            "multiplicative": "a multiplicative factor: each force's sampling variance "
            "multiplied by φ",
            "none": "no allowance: exact Poisson limits whatever the data show",
        }[s.overdispersion]
        text = (
            "<p><strong>Funnel plots.</strong> Each crime rate is compared with every force's in "
            "a funnel plot (Spiegelhalter, <em>Funnel plots for comparing institutional "
            "performance</em>, Statistics in Medicine 2005): the rate against the population "
            "(households for residential burglary), the England and Wales rate as the centre "
            "line, and the 95% and 99.8% limits within which a force with that rate would fall "
            "by chance. Forces with no figure for the period are left out and named. Without "
            "overdispersion the limits are exact Poisson limits (the interpolated quantiles of "
            "the Poisson distribution of the count the force would have at the England and "
            "Wales rate), because homicide counts are small. Recorded crime varies between "
            "forces far more than chance allows (recording practice, demography, geography): "
            "with Poisson limits most forces fall outside them. This overdispersion is "
            "estimated from the data: each force's z-score on the square-root scale, "
            "z = 2(√O − √E), which stabilises the Poisson variance and holds a count of zero, "
            f"winsorised at {s.winsorise:.0%} and {1 - s.winsorise:.0%}; φ is the mean of "
            "their squares, and there is overdispersion when nφ &gt; n − 1. This report "
            f"allows for it with {html.escape(chosen)}; the limits are then "
            "θ<sub>0</sub>(1 ± z√(s² + τ²))², s = 1/(2√E). The additive model is the default "
            "(as in FunnelPlotR) because differences between forces do not shrink with a "
            "force's size: a multiplicative factor large enough for the small forces still "
            "flags most large ones, and with φ in the hundreds it makes the small forces' "
            "limits meaninglessly wide. The setting is <code>funnel.overdispersion</code> in "
            "params/report.yaml.</p>"
        )
        rows = []
        for r in self.all_results:
            if not (has_funnel_plot(r.measure) and r.available):
                continue
            try:
                f = funnel_for(r, self.context.settings)
            except FunnelError:
                continue
            if f is None:
                continue
            od = f.overdispersion
            rows.append(
                {
                    "Measure": r.measure.title,
                    "Forces": od.n,
                    "φ (winsorised)": round(od.phi, 2),
                    "τ (square-root scale)": round(od.tau2**0.5, 3),
                    "Limits": {
                        "additive": "Additive random effects",
                        "multiplicative": "Multiplicative",
                        "none": "Exact Poisson",
                    }[od.method],
                    "Outside 99.8% limits (as drawn)": len(f.outside(0.998)),
                    "Outside with Poisson limits only": _outside_poisson(f),
                }
            )
        parts = [text]
        if rows:
            parts.append(
                data_table(
                    pd.DataFrame(rows),
                    caption="Overdispersion between forces in each funnel plot",
                )
            )
        return parts

    def definitions(self) -> Html:
        from helpers.present.tables import data_table

        sections = {s.id: s for s in self.context.catalogue.sections}
        polarity = {
            "lower_is_better": "Lower is better",
            "higher_is_better": "Higher is better",
            "neutral": "Neither",
        }
        frame = pd.DataFrame(
            {
                "Section": [sections[m.section].title for m in self.context.catalogue.measures],
                "Measure": [m.title for m in self.context.catalogue.measures],
                "Definition": [m.definition for m in self.context.catalogue.measures],
                "Polarity": [polarity[m.polarity] for m in self.context.catalogue.measures],
            }
        )
        return Html(
            '<h3 id="definitions">Definitions</h3>\n'
            + data_table(frame, caption="How each measure is defined")
        )

    def caveats(self) -> Html:
        items = [
            "Police recorded crime reflects what is reported to and recorded by the police, and "
            "police activity, as well as the amount of crime. Changes in recording practice move "
            "the figures.",
            "Serious violence uses homicide plus violence with injury, the nearest definition in "
            "the published offence-code data; it is wider than the Home Office's own definition.",
            "Counts below the disclosure threshold "
            f"({self.context.settings.disclosure_min_count}) are suppressed in tables below force "
            "level; 12-month force totals are always shown.",
            "Local extracts (victim satisfaction, confidence survey, drugs disruptions, cyber "
            "crime, complaint reviews, information rights) come from the force's own systems and "
            "have no national comparison.",
            "Disproportionality ratios leave out records whose ethnicity was not recorded; the "
            "share not recorded is shown beside them.",
        ]
        if self.context.is_sample_data:
            items.insert(
                0,
                "This report was built from SYNTHETIC sample data generated for "
                "demonstration and testing. None of its figures are real.",
            )
        body = "".join(f"<li>{html.escape(i)}</li>" for i in items)
        return Html(f'<h3 id="caveats">Caveats</h3>\n<ul>{body}</ul>')
