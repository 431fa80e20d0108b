"""The glossary, and the methods and data note page."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

from helpers.present.render import INPUT_FILES_CAPTION
from helpers.present.report.fragment import Html
from helpers.present.report.funnels import funnel_for, has_funnel_plot, outside_poisson
from helpers.present.report.summary import PageBase


def data_folder_name(data_dir: str | Path) -> str:
    """The data folder as a reader may see it (HTML): relative to the project where it lies
    inside it, else by its own name. An absolute path names the machine that built the report,
    not the data, and would differ between two builds of the same report."""
    from helpers.core.paths import PROJECT_ROOT, resolve

    folder = resolve(data_dir)
    try:
        shown = folder.resolve().relative_to(PROJECT_ROOT.resolve()).as_posix()
    except ValueError:
        return (
            f"<code>{html.escape(folder.name)}</code> (a folder outside the project, "
            "named in manifest.json)"
        )
    return f"<code>{html.escape(shown)}</code> (in the project)"


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
        from helpers.inputs.published import is_year_ending
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
                if is_year_ending(table):  # annual tables (use of force, police powers)
                    unit = "years ending"
                covers = f"{unit} {period_long(first)} to {period_long(last)}"
            elif "mid_year" in table and len(table):
                covers = f"mid-{table['mid_year'].min()} to mid-{table['mid_year'].max()}"
            else:
                census = re.search(r"Census \d{4}", source.description)
                edition = census[0] if census else "one edition"
                covers = f"one edition ({edition})" if len(table) else "empty"
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
            f"<p>Data folder: {data_folder_name(self.context.settings.data_dir)}. "
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
            "<p><strong>Trend / Outlook.</strong> "
            f"{html.escape(method_note(s.trend, noise_estimated=True))}</p>",
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
        """How to read a funnel plot (said here once, not under every plot), how its limits are
        set, and which limits each crime rate's plot drew: every sentence true of what is drawn.
        """
        from helpers.present.tables import data_table
        from helpers.present.wording.funnel_words import FUNNEL_LIMIT_KINDS
        from helpers.stats.funnel import FunnelError

        s = self.context.settings.funnel
        funnels = []
        for r in self.all_results:
            if not (has_funnel_plot(r.measure) and r.available):
                continue
            try:
                f = funnel_for(r, self.context.settings)
            except FunnelError:
                continue
            if f is not None:
                funnels.append((r, f))
        reading = (
            '<p id="funnel-plots"><strong>Funnel plots.</strong> Each crime rate is compared '
            "with every force's in a funnel plot (Spiegelhalter, <em>Funnel plots for comparing "
            "institutional performance</em>, Statistics in Medicine 2005): each force's 12-month "
            "rate against its population (households for residential burglary), the England "
            "and Wales rate as the centre line, and two pairs of limits, the inner at 95% and "
            "the outer at 99.8%. A small force's rate moves more from year to year by chance "
            "than a large force's, so the limits are wider for small forces. A force inside the "
            "inner limits is within the range expected for a force of its size; one outside the "
            "outer limits is unusual for a force of its size: a question to ask, not a verdict. "
            "The sentence under each plot says where the force stands. Forces with no figure "
            "for the period are left out and named. The benchmark and the funnel plot ask "
            "different questions, and both can be true: the benchmark tests the force against "
            "the rest of its group, allowing for chance alone, so a large force can be above "
            'its group by a real but small amount, and it says by how much ("2% above MSG '
            'average rates"); the funnel plot asks whether the force is unusual for a force '
            "of its size, given how much forces differ.</p>"
        )
        allowance = {
            "additive": "adds a between-force variance τ² (DerSimonian and Laird's moment "
            "estimator) to each force's own sampling variance s²: the limits are "
            "θ<sub>0</sub>(1 ± z√(s² + τ²))², s = 1/(2√E), where about 95% (99.8%) of forces of "
            "that size would fall given the differences found between forces. They narrow for "
            "larger forces only down to θ<sub>0</sub>(1 ± zτ)², because differences between "
            "forces do not shrink with a force's size. This additive model is the default (as "
            "in FunnelPlotR): a multiplicative factor large enough for the small forces still "
            "flags most large ones, and with φ in the hundreds it makes the small forces' "
            "limits meaninglessly wide",
            "multiplicative": "multiplies each force's sampling variance s² by φ: the limits "
            "are θ<sub>0</sub>(1 ± z√φ·s)², s = 1/(2√E)",
            "none": "makes no allowance for it: the limits are exact Poisson limits whatever "
            "the data show, and a force outside them may differ only as much as every force "
            "does",
        }[s.overdispersion]
        limits = (
            "<p><strong>How the limits are set.</strong> Where forces differ no more than chance "
            "would make them, the limits are exact Poisson limits (the interpolated quantiles "
            "of the Poisson distribution of the count a force of that size would have at the "
            "England and Wales rate): a force with the England and Wales rate would fall inside "
            "the inner limits 19 times in 20 and inside the outer limits 998 times in 1,000 by "
            "chance alone, and the limits narrow steadily as forces grow. Recorded crime "
            "usually varies between forces far more than chance allows (recording practice, "
            "demography, geography): with such limits most forces would fall outside them. "
            "This overdispersion is estimated from the data: each force's z-score on the "
            "square-root scale, z = 2(√O − √E), which stabilises the Poisson variance and holds "
            f"a count of zero, winsorised at {s.winsorise:.0%} and {1 - s.winsorise:.0%}; φ is "
            "the mean of their squares, and there is overdispersion when nφ &gt; n − 1. Where "
            f"there is, this report {allowance}. The setting is "
            "<code>funnel.overdispersion</code> in params/report.yaml.</p>"
        )
        parts = [reading, limits]
        if s.overdispersion != "none":
            parts.append(
                "<p>An adjusted limit is never drawn narrower than the exact Poisson one: on "
                "each side the wider of the two is drawn. Where expected counts are small (a few "
                "homicides a year in a small force), the adjusted limits on the square-root "
                "scale fall inside the exact Poisson limits on the low side, and a force would "
                "otherwise be below the lower limit only because of an adjustment meant to widen "
                "them. The table says, for each plot, which limits were drawn.</p>"
            )
        rows = []
        for r, f in funnels:
            od = f.overdispersion
            exact = int(f.points["exact_limit"].sum()) if "exact_limit" in f.points else 0
            if od.adjusted:
                drawn = FUNNEL_LIMIT_KINDS[od.method].capitalize()
                if exact:
                    drawn += f"; exact Poisson where wider ({exact} of {od.n} forces)"
            elif od.detected:
                drawn = "Exact Poisson (no allowance set)"
            else:
                drawn = "Exact Poisson (no overdispersion found)"
            rows.append(
                {
                    "Measure": r.measure.title,
                    "Forces": od.n,
                    "φ (winsorised)": round(od.phi, 2),
                    "τ (square-root scale)": round(od.tau2**0.5, 3),
                    "Limits drawn": drawn,
                    "Outside 99.8% limits (as drawn)": len(f.outside(0.998)),
                    "Outside with Poisson limits only": outside_poisson(f),
                }
            )
        if rows:
            table = data_table(
                pd.DataFrame(rows), caption="Overdispersion between forces in each funnel plot"
            )
            parts.append(f'<div class="analyst annex">\n{table}\n</div>')
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
        # Each section prints its measures' definitions; the table of them all is for
        # report.html (`render.printable` leaves it out of the PDF and says where it is).
        return Html(
            '<h3 id="definitions">Definitions</h3>\n<div class="analyst annex">\n'
            + data_table(frame, caption="How each measure is defined")
            + "\n</div>"
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
