"""The glossary, and the methods and data note page."""

from __future__ import annotations

import html

import pandas as pd

from helpers.present.render import INPUT_FILES_CAPTION
from helpers.present.report.fragment import Html
from helpers.present.report.funnels import funnel_for, has_funnel_plot, outside_poisson
from helpers.present.report.summary import PageBase


class MethodsReport(PageBase):
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
        from helpers.present.wording.trend_words import method_note

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
            f"<p><strong>Trend / Outlook.</strong> {html.escape(method_note(s.trend))}</p>",
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
                    "Outside with Poisson limits only": outside_poisson(f),
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
