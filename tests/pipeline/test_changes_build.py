"""The changes page of a real build against the last quarter's real build: a count revised in an
earlier quarter is shown, what moved comes first, and the page and the sheet say it in words.

Two builds of the sample data (the summary, homicide and methods pages only, to keep it short):
2024-12 as first published, then 2025-03 from a copy in which the Home Office revised Avon and
Somerset's murders of 2023/24 Q1 (April to June 2023) up by 3. That quarter is outside the 12
months to December 2024, so only the charts both reports draw show the revision.
"""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from helpers.pipeline import cli
from helpers.pipeline.plan import report_plan
from helpers.pipeline.steps import BuildSteps

ROOT = Path(__file__).resolve().parents[2]
FORCE = "Avon and Somerset"
SLUG = "avon-and-somerset"
PRC = "national/prc_pfa.csv.gz"
SECTIONS = {"summary", "homicide", "methods"}
# The 12-month windows that hold April to June 2023: the chart points a revision there moves.
REVISED_PERIODS = ("Jun 2023", "Sep 2023", "Dec 2023", "Mar 2024")

pytestmark = pytest.mark.notebooks


def _steps() -> BuildSteps:
    plan = [s for s in report_plan() if s.id in SECTIONS]
    return dataclasses.replace(BuildSteps.project(), plan=lambda: list(plan), pdf_worker=False)


def _build(data: Path, outputs: Path, quarter: str) -> tuple[int, str]:
    out = io.StringIO()
    argv = ["--quarter", quarter, "--data-dir", str(data), "--outputs", str(outputs)]
    status = cli.main([*argv, "--jobs", "2", "--no-pdf"], steps=_steps(), stream=out)
    return status, out.getvalue()


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("changes")
    outputs = tmp / "outputs"
    status, said = _build(ROOT / "data" / "sample", outputs, "2024-12")
    assert status == 0, said
    data = tmp / "revised"
    shutil.copytree(ROOT / "data" / "sample", data)
    prc = pd.read_csv(data / PRC, dtype=str, keep_default_na=False)
    row = (
        (prc["Financial Year"] == "2023/24")
        & (prc["Financial Quarter"] == "1")
        & (prc["Force Name"] == FORCE)
        & (prc["Offence Code"] == "1")
    )
    assert row.sum() == 1
    prc.loc[row, "Number of Offences"] = str(int(prc.loc[row, "Number of Offences"].iloc[0]) + 3)
    prc.to_csv(data / PRC, index=False, compression="gzip")
    status, said = _build(data, outputs, "2025-03")
    assert status == 0, said
    return outputs / "2024-12" / SLUG, outputs / "2025-03" / SLUG


def _page(folder: Path) -> str:
    return (folder / "sections" / "89_changes.html").read_text(encoding="utf-8")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


class _Tables(HTMLParser):
    """The first table of an HTML fragment as a DataFrame (its header row as the columns)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.done = False

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th") and self.rows:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and not self.done:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table" and self.rows:
            self.done = True

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def _first_table(html: str) -> pd.DataFrame:
    parser = _Tables()
    parser.feed(html)
    header, *rows = parser.rows
    return pd.DataFrame(rows, columns=header)


def test_a_count_revised_in_an_earlier_quarter_is_on_the_page(two_builds):
    _, current = two_builds
    page = _page(current)
    assert "No figure that both reports show changed" not in page
    revised = page[page.index("Revised figures") :]
    table = _first_table(revised)
    homicide = table[table["Measure"].str.startswith("Homicide")]
    # The homicide chart, the only page of the build that shows the quarter's murders.
    assert list(homicide["Shown in"]) == ["Homicide - 12 Month Rolling Rates per 1000 Residents"]
    chart = homicide
    periods = chart.iloc[0]["Periods"]
    assert all(p in periods for p in REVISED_PERIODS), periods
    assert "the Home Office revised its police recorded crime file" in chart.iloc[0]["Likely cause"]
    # The spreadsheet lists each revised point of the force's line: the four windows, +3 each.
    book = CalamineWorkbook.from_path(str(current / "report.ods"))
    rows = book.get_sheet_by_name("Changes").to_python()[2:]
    force_points = {
        r[3]: r[6]
        for r in rows
        if r[0] == "Revised figures"
        and r[1].endswith("Homicide - 12 Month Rolling Rates per 1000 Residents")
        and r[2].startswith(FORCE)
    }
    assert set(force_points) == set(REVISED_PERIODS)
    old = pd.read_csv(two_builds[0] / "measures.csv")
    population = old[(old["measure"] == "homicide") & old["is_report_force"]]["denominator"]
    # A rate per 1,000: 3 more murders over about the same population (within 5%).
    for difference in force_points.values():
        assert difference == pytest.approx(3 / float(population.iloc[0]) * 1000, rel=0.05)


def test_what_moved_comes_first_in_plain_words(two_builds):
    previous, current = two_builds
    page = _page(current)
    assert page.index("What moved since the last report") < page.index("Revised figures")
    old = pd.read_csv(previous / "measures.csv")
    new = pd.read_csv(current / "measures.csv")
    old, new = (f[f["is_report_force"]].set_index("measure") for f in (old, new))
    moved = {
        (new.loc[m, "title"], what)
        for m in new.index
        for column, what in (("trend", "Trend"), ("benchmark", "Benchmark"))
        if str(old.loc[m, column]) != str(new.loc[m, column])
    }
    assert moved, "the sample data should move at least one measure between the quarters"
    first = page[: page.index("Revised figures")]
    table = _first_table(first)
    assert set(zip(table["Measure"], table["What changed"], strict=True)) >= moved
    for title, what in moved:
        row = table[(table["Measure"] == title) & (table["What changed"] == what)].iloc[0]
        m = new.index[new["title"] == title][0]
        column = what.lower()
        assert (row.iloc[2], row.iloc[3]) == (old.loc[m, column], new.loc[m, column])
    # Causes in words; no checksum, time stamp or command on the page (it is printed).
    text = _text(page)
    assert "SHA-256" not in text and "PREVIOUS=" not in text and "make " not in text
    assert not re.search(r"\d{2}:\d{2}:\d{2}|[0-9a-f]{12}", text)


def test_the_changes_sheet_holds_both_parts_and_is_never_an_empty_header(two_builds):
    previous, current = two_builds
    first = CalamineWorkbook.from_path(str(previous / "report.ods"))
    rows = first.get_sheet_by_name("Changes").to_python()
    assert rows[2][0] == "Nothing compared" and "no previous report" in rows[2][1]
    assert "PREVIOUS=" not in _text(_page(previous))
    book = CalamineWorkbook.from_path(str(current / "report.ods"))
    parts = [r[0] for r in book.get_sheet_by_name("Changes").to_python()[2:]]
    assert parts[0] == "What moved since the last report" and "Revised figures" in parts
    assert parts == sorted(parts, key=lambda p: p != "What moved since the last report")


def test_a_report_built_before_tables_json_is_compared_from_its_spreadsheet(two_builds, tmp_path):
    import json

    from helpers.pipeline import changes as ch

    previous, current = two_builds
    older = tmp_path / "older"
    shutil.copytree(previous, older)
    (older / "tables.json").unlink()
    tables = json.loads((current / "tables.json").read_text(encoding="utf-8"))
    measures = pd.read_csv(current / "measures.csv", dtype={"period_end": str})
    manifest = json.loads((current / "manifest.json").read_text(encoding="utf-8"))

    def revised(folder: Path) -> set[tuple[str, str, str, float | None]]:
        found, _ = ch.find_previous(tmp_path, "2025-03", SLUG, given=folder)
        assert found is not None and found.tables is not None
        changes = ch.compare(found, measures, manifest, quarter="2025-03", tables=tables)
        assert changes.tables_kept and changes.tables_compared > 0
        return {(c.where, c.period, c.figure, c.difference) for c in changes.changes if c.where}

    from_json, from_ods = revised(previous), revised(older)
    assert from_ods == from_json
    assert {period for _, period, _, _ in from_ods} == set(REVISED_PERIODS)
