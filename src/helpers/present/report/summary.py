"""The pages spanning every section (`PageBase`), and the measures summary page."""

from __future__ import annotations

import html
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.present.report.context import ReportContext, sample_data_banner
from helpers.present.report.fragment import REFRESH_KEY, Html
from helpers.present.report.refresh import status_html
from helpers.present.wording.benchmark_words import benchmark_text

if TYPE_CHECKING:
    # helpers.measures.compute (scipy, statsmodels: about 0.8 s to import) is imported where a
    # measure is computed: a rebuild that only re-renders the narrative computes none.
    from helpers.measures.result import MeasureResult


class PageBase:
    """Shared loading for the pages that span every section."""

    title = ""
    anchor = ""

    def __init__(self, context: ReportContext):
        self.context = context

    @classmethod
    def load(cls, **parameters: Any) -> PageBase:
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


class SummaryReport(PageBase):
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
