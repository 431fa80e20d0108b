"""Every section notebook executed on the sample data, through the real build and on its own.

This is the end-to-end check of `make report`: the notebooks, the helpers they call, the page
templates and the PDF, on the committed sample data.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pandas as pd
import papermill as pm
import pytest

from helpers.core.config import default_catalogue
from helpers.core.paths import NOTEBOOKS_DIR
from helpers.present.measures_table import MEASURES_COLUMNS
from helpers.present.wording.benchmark_words import is_valid_benchmark
from helpers.stats.trends import TREND_WORDS

QUARTER = "2025-03"

pytestmark = pytest.mark.notebooks


class _Report(HTMLParser):
    """Collects what a reviewer sees: images with their alt text, tables, summary rows, headings."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.headings: list[tuple[int, str]] = []
        self.summary_rows: list[list[str]] = []
        self.details = 0
        self._stack: list[str] = []
        self._in_summary_table = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._heading: tuple[int, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a)
        if tag == "details" and "chart-data" in (a.get("class") or ""):
            self.details += 1
        if tag == "table" and "measures-summary" in (a.get("class") or ""):
            self._in_summary_table = True
        if self._in_summary_table and tag == "tr":
            self._row = []
        if self._row is not None and tag in ("td", "th"):
            self._cell = []
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = (int(tag[1]), [])

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_summary_table = False
        if self._row is not None and tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        if tag == "tr" and self._row is not None:
            self.summary_rows.append(self._row)
            self._row = None
        if self._heading and tag == f"h{self._heading[0]}":
            self.headings.append((self._heading[0], "".join(self._heading[1]).strip()))
            self._heading = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._heading:
            self._heading[1].append(data)


@pytest.fixture(scope="module")
def report(built) -> _Report:
    parser = _Report()
    parser.feed((built / "report.html").read_text(encoding="utf-8"))
    return parser


def test_build_writes_every_output(built):
    for name in ("report.html", "report.pdf", "report.ods", "measures.csv", "manifest.json"):
        assert (built / name).stat().st_size > 0, name
    catalogue = default_catalogue()
    for section in catalogue.sections:
        assert (built / "notebooks" / section.notebook).exists()
    assert len(list((built / "sections").glob("*.html"))) >= len(catalogue.sections)
    # What the build handed the notebooks (measure results, input tables) is not published.
    assert [p.name for p in built.rglob(".*")] == []


def test_every_section_appears_in_order(report):
    titles = [t for _, t in report.headings]
    positions = []
    for section in default_catalogue().sections:
        wanted = f"{section.number}. {section.title}"
        assert wanted in titles, wanted
        positions.append(titles.index(wanted))
    assert positions == sorted(positions)


def test_every_measure_is_in_the_summary_with_allowed_words(report):
    rows = {r[0]: r for r in report.summary_rows if len(r) == 3}
    for measure in default_catalogue().measures:
        assert measure.title in rows, measure.title
        _, trend, benchmark = rows[measure.title]
        assert trend in TREND_WORDS, (measure.id, trend)
        assert is_valid_benchmark(benchmark), (measure.id, benchmark)


def test_every_chart_has_alt_text_and_a_data_table(report):
    charts = [i for i in report.images if (i.get("src") or "").startswith("data:image/svg+xml")]
    assert len(charts) >= len(default_catalogue().measures) - 5  # a few measures lack local data
    assert all((i.get("alt") or "").strip() for i in charts)
    assert report.details >= len(charts)


def test_each_crime_rate_has_its_funnel_plot_on_its_section_page(built):
    """After the trend chart: the funnel plot, its alt text, its data table and the verdict
    under it; how to read one is in the methods note, once."""
    catalogue = default_catalogue()
    crime_rates = [m for m in catalogue.measures if m.is_rate and m.source == "prc"]
    assert len(crime_rates) == 7
    for m in crime_rates:
        page = (built / "sections" / catalogue.section(m.section).notebook).with_suffix(".html")
        text = page.read_text(encoding="utf-8")
        start = text.index(f'id="measure-{m.id}"')
        funnel = text.index(f'id="funnel-{m.id}"', start)
        trend = text.index("Trend / Outlook:", start)
        assert trend < funnel, m.id
        block = text[funnel : funnel + 400_000]
        assert 'alt="Funnel plot of every force' in block, m.id
        assert "Avon and Somerset&#x27;s rate of" in block or "Avon and Somerset's rate of" in block
        assert "Funnel Plot of All Forces, year ending March 2025</summary>" in block, m.id
        verdict = block[block.index('<p class="funnel-verdict">') :]
        assert "for a force of its size" in verdict[: verdict.index("</p>")], m.id
    others = [m for m in catalogue.measures if m not in crime_rates]
    html = (built / "report.html").read_text(encoding="utf-8")
    assert not any(f'id="funnel-{m.id}"' in html for m in others)
    assert "Overdispersion between forces in each funnel plot" in html  # the methods note
    assert html.count("19 times in 20") == 1  # how to read a funnel plot: said once


def test_reviewers_see_code_only_if_they_ask_and_a_missing_narrative_is_flagged(built):
    text = (built / "report.html").read_text(encoding="utf-8")
    shown = re.sub(r'<details class="show-code"[^>]*>.*?</details>', "", text, flags=re.DOTALL)
    assert "from helpers.present.report import" not in shown
    assert "section.measure(" not in shown
    # ...and every code cell is shown by the page's one "Show the code" switch.
    assert "from helpers.present.report import SectionReport" in text
    assert text.count('<details class="show-code"') >= len(default_catalogue().sections) * 3
    assert "Narrative missing" not in text  # the sample narrative covers every section
    assert "county lines intensification weeks" in text
    assert "Planned action to drive performance" in text


def test_measures_csv_matches_the_catalogue(built):
    table = pd.read_csv(built / "measures.csv")
    mine = table[table["is_report_force"]]
    assert list(mine["measure"]) == [m.id for m in default_catalogue().measures]
    for column in (
        "count_12m",
        "denominator",
        "value",
        "msg_average",
        "msg_rank",
        "benchmark",
        "trend",
        "trend_statistic",
        "trend_p_value",
    ):
        assert column in table.columns


def test_a_section_runs_alone_with_papermill(tmp_path):
    """What a researcher does: one notebook, another force and quarter, nothing else."""
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(
        str(NOTEBOOKS_DIR / "04_neighbourhood_crime.ipynb"),
        str(out),
        parameters={"quarter": "2023/24 Q4", "force": "Kent Police"},
        cwd=str(tmp_path),
        progress_bar=False,
    )
    text = out.read_text(encoding="utf-8")
    assert "Kent · Quarter ending March 2024 (Q4 2023/24)" in text
    assert "Residential burglary (rate per 1,000 households)" in text


def _measure_of(rows: str) -> str:
    import csv

    return next(csv.reader(io.StringIO(rows)))[MEASURES_COLUMNS.index("measure")]


def _shown_measure_rows(notebook) -> dict[str, str]:
    """measure id -> the rows of measures.csv that the measure blocks of an executed notebook
    show (`report.MEASURE_ROWS_KEY` in each output's metadata)."""
    import nbformat

    from helpers.present.report.fragment import MEASURE_ROWS_KEY

    nb = nbformat.read(str(notebook), as_version=4)
    shown = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            metadata = output.get("metadata") or {}
            rows = (metadata.get("text/html") or {}).get(MEASURE_ROWS_KEY)
            if rows:
                shown[_measure_of(rows)] = rows
    return shown


def _measures_csv_rows(path) -> dict[str, str]:
    """measure id -> its rows of measures.csv (report force first, then its group), as text."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)[1:]
    rows: dict[str, str] = {}
    for line in lines:
        measure = _measure_of(line)
        rows[measure] = rows.get(measure, "") + line
    return rows


def test_each_section_page_shows_exactly_the_rows_of_measures_csv(built):
    """The notebooks compute their measures in their own cells, with the same steps as the
    build's measures.csv: every measure block shows the figures of its rows, byte for byte."""
    catalogue = default_catalogue()
    csv = _measures_csv_rows(built / "measures.csv")
    for section in catalogue.sections:
        shown = _shown_measure_rows(built / "notebooks" / section.notebook)
        wanted = [m.id for m in catalogue.measures_of(section.id)]
        assert sorted(shown) == sorted(wanted), section.id
        for measure in wanted:
            assert shown[measure] == csv[measure], measure


def test_a_section_run_alone_shows_the_rows_of_measures_csv(built, tmp_path):
    """Without the build (no offer to take: papermill alone), the same figures."""
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(
        str(NOTEBOOKS_DIR / "04_neighbourhood_crime.ipynb"),
        str(out),
        parameters={"quarter": QUARTER},
        cwd=str(tmp_path),
        progress_bar=False,
    )
    shown = _shown_measure_rows(out)
    csv = _measures_csv_rows(built / "measures.csv")
    assert len(shown) == 4
    for measure, rows in shown.items():
        assert rows == csv[measure], measure


def test_changing_a_step_changes_that_page(built, tmp_path):
    """A researcher's change to one step (another trend test, another comparison group) shows
    in the page it makes, and only there."""
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(
        str(NOTEBOOKS_DIR / "01_homicide.ipynb"),
        str(out),
        parameters={
            "quarter": QUARTER,
            "trend_method": "mann_kendall_rolling",
            "comparator_group": ["Kent", "Essex"],
        },
        cwd=str(tmp_path),
        progress_bar=False,
    )
    shown = _shown_measure_rows(out)["homicide"]
    csv = _measures_csv_rows(built / "measures.csv")["homicide"]
    assert shown != csv
    force_row = pd.read_csv(io.StringIO(shown), header=None, names=MEASURES_COLUMNS).iloc[0]
    built_row = pd.read_csv(io.StringIO(csv), header=None, names=MEASURES_COLUMNS).iloc[0]
    assert force_row["trend_method"] == "mann_kendall_rolling" != built_row["trend_method"]
    assert force_row["rank_of"] == 3 != built_row["rank_of"]
    assert force_row["value"] == built_row["value"]  # the figure itself is the same
    text = out.read_text(encoding="utf-8")
    assert "Mann-Kendall test corrected for the overlap of rolling windows" in text
    assert "Homicide (rate per 1,000 residents): comparison group" in text
    assert "Essex" in text and "Derbyshire" not in text.split("comparison group")[1][:3000]


def test_the_build_hands_nothing_to_the_notebooks_as_a_parameter(built):
    import nbformat

    for notebook in (built / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(str(notebook), as_version=4)
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        source = "".join(c.source for c in injected)
        assert "precomputed" not in source and "validate_inputs" not in source, notebook.name
        declared = "".join(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        assert "precomputed" not in declared and "validate_inputs" not in declared


def test_pdf_points_to_the_spreadsheet_for_chart_data_and_has_no_code(built):
    import contextlib
    import zlib

    data = (built / "report.pdf").read_bytes()
    parts = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(data[match.end() : data.find(b"endstream", match.end())]))
    objects = b"\n".join(parts)
    assert b"/Title (Appendix: data tables)" not in objects  # the data are in report.ods
    assert b"/Title (Changes since the last report)" in objects  # its own bookmark
    html = (built / "report.html").read_text(encoding="utf-8")
    assert html.count('class="chart-data"') >= 30  # on screen each table stays under its chart
