"""report.ods: the layout the Government Analysis Function's guidance asks for, read back with
calamine, and (on a real build) every value equal to measures.csv and to the pages' tables."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from helpers.present import spreadsheet as ss

NUMBER_TEXT = re.compile(r"^-?[\d,]+(\.\d+)?$")


def _cover() -> ss.Cover:
    return ss.Cover(
        title="Performance Report: Kent: data tables",
        force="Kent",
        quarter="Quarter ending March 2025 (Q4 2024/25)",
        period="12 months from April 2024 to March 2025",
        published="2025-05-01",
        next_update="August 2025 (provisional)",
        sources=[("Police recorded crime (Home Office)", "file national/prc_pfa.csv.gz")],
        contact=["Performance team, performance@example.police.uk"],
        warning="SYNTHETIC SAMPLE DATA.",
    )


def _rows(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def test_written_spreadsheet_reads_back_with_the_guidances_layout(tmp_path):
    tables = [
        ss.SheetTable(
            "Homicide rate",
            ["Period ending", "Kent: rate per 1,000 residents"],
            [["Mar 2024", 0.0123], ["Jun 2024", float("nan")], ["Sep 2024", ss.SUPPRESSED]],
            notes=("Rates per 1,000 residents.",),
        ),
        ss.SheetTable(
            "Counts",
            ["Force", "Count: number"],
            [["Kent", 12], ["Essex", None]],
            notes=("Rates per 1,000 residents.", "Counts are 12-month totals."),
            sheet="Counts",
        ),
    ]
    path = tmp_path / "report.ods"
    names = ss.write_spreadsheet(path, _cover(), tables)
    assert names == ["Table_1", "Counts"]
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["Cover_sheet", "Contents", "Notes", "Table_1", "Counts"]

    first = _rows(path, "Table_1")
    assert first[0][0] == "Homicide rate [note 1]" and first[0][1:] == [""]
    assert first[1] == ["Period ending", "Kent: rate per 1,000 residents"]
    # "Period ending" is a date (the month's last day), shown as the month
    assert first[2:] == [
        [dt.date(2024, 3, 31), 0.0123],
        [dt.date(2024, 6, 30), "[x]"],
        [dt.date(2024, 9, 30), "[c]"],
    ]
    counts = _rows(path, "Counts")
    assert counts[0][0] == "Counts [note 1] [note 2]"
    assert counts[2:] == [["Kent", 12.0], ["Essex", "[x]"]]
    assert isinstance(counts[2][1], float)  # a number, not the text "12"

    notes = _rows(path, "Notes")
    assert notes[1:] == [
        ["Note number", "Note text"],
        ["note 1", "Rates per 1,000 residents."],
        ["note 2", "Counts are 12-month totals."],
    ]
    contents = _rows(path, "Contents")
    assert [r[0] for r in contents[2:]] == ["Notes", "Table_1", "Counts"]
    assert contents[3][1] == "Homicide rate"
    cover = [r[0] for r in _rows(path, "Cover_sheet")]
    assert cover[0] == "Performance Report: Kent: data tables"
    # the publication date is a date; the next update is given
    assert cover[cover.index("Published") + 1] == dt.date(2025, 5, 1)
    assert cover[cover.index("Next update") + 1] == "August 2025 (provisional)"
    assert "SYNTHETIC SAMPLE DATA." in cover and "Contact" in cover
    for mark in ("[c]", "[x]", "[z]"):
        assert any(str(line).startswith(f"{mark} ") for line in cover), mark

    with zipfile.ZipFile(path) as odf:
        content = odf.read("content.xml").decode()
    # links from the contents to each table, numbers typed as floats, nothing merged
    assert 'xlink:href="#Table_1.A1"' in content and 'xlink:href="#Counts.A1"' in content
    assert 'office:value-type="float" office:value="0.0123"' in content
    assert "number-columns-spanned" not in content and "number-rows-spanned" not in content


_NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "number": "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{_NS[prefix]}}}{local}"


def shown_numbers(path: Path, sheet: str) -> list[tuple[float, int | None, str]]:
    """Every number cell of `sheet` as (stored value, decimals its number format shows, the
    text it carries), read from the ODS's XML: what a reader of LibreOffice or Excel sees."""
    with zipfile.ZipFile(path) as odf:
        root = ET.fromstring(odf.read("content.xml"))
    decimals = {}
    for data in root.iter(_q("number:number-style")):
        number = data.find(_q("number:number"))
        decimals[data.get(_q("style:name"))] = int(number.get(_q("number:decimal-places")))
    cells = {}
    for style in root.iter(_q("style:style")):
        cells[style.get(_q("style:name"))] = decimals.get(style.get(_q("style:data-style-name")))
    table = next(t for t in root.iter(_q("table:table")) if t.get(_q("table:name")) == sheet)
    found = []
    for cell in table.iter(_q("table:table-cell")):
        if cell.get(_q("office:value-type")) == "float":
            text = "".join(cell.find(_q("text:p")).itertext())
            style = cell.get(_q("table:style-name"))
            found.append((float(cell.get(_q("office:value"))), cells.get(style), text))
    return found


def test_numbers_show_as_the_report_prints_them_and_keep_their_full_value(tmp_path):
    from helpers.present.formatting import format_value

    values = {
        "rate_per_1000": [0.0132780303, 0.00996, 3.451, 12.0, 0.0],
        "rate_per_1000_households": [6.93776, 0.41],
        "percent": [7.81234, 62.0, 100.0],
        "count": [1807497.0, 24.0],
        "ratio": [7.3505, 1.0448, 0.954],
    }
    headers = {
        "rate_per_1000": "Kent: rate per 1,000 residents",
        "rate_per_1000_households": "Value: rate per 1,000 households",
        "percent": "Kent: percentage (%)",
        "count": "Count (12 months): number",
        "ratio": "Compared with White: rate ratio",
    }
    tables = [
        ss.SheetTable(unit, ["Case", headers[unit]], [[f"case {i}", v] for i, v in enumerate(vs)])
        for unit, vs in values.items()
    ]
    path = tmp_path / "report.ods"
    ss.write_spreadsheet(path, _cover(), tables)
    for n, (unit, vs) in enumerate(values.items(), start=1):
        cells = shown_numbers(path, f"Table_{n}")
        assert [v for v, _, _ in cells] == vs  # the full value is kept
        for value, decimals, text in cells:
            printed = format_value(value, unit).rstrip("%x")
            assert text == printed, (unit, value)
            assert decimals == (len(printed.split(".")[1]) if "." in printed else 0), (unit, value)


def test_cell_formats_come_from_the_table_or_its_headers():
    table = ss.SheetTable(
        "T",
        ["Period ending", "Kent: rate per 1,000 residents", "Value: in the unit", "Note"],
        [["Mar 2024", 0.5, 2.0, "x"], ["Jun 2024", 0.6, 50.0, "y"]],
        formats=[None, None, ["ratio", "percent"], None],
    )
    assert ss.cell_formats(table) == [
        ["month", "rate_per_1000", "ratio", None],
        ["month", "rate_per_1000", "percent", None],
    ]
    assert ss.month_end("Feb 2024") == dt.date(2024, 2, 29)
    assert ss.month_end("2025-03") == dt.date(2025, 3, 31) and ss.month_end("Q4") is None
    bad = ss.SheetTable("T", ["a"], [[1]], formats=["furlongs"])
    with pytest.raises(ValueError, match="unknown format 'furlongs'"):
        ss.check_table(bad)


def test_every_measure_has_its_own_definition_for_its_tables_notes():
    """A definition is a table's note: one written "As above, Mixed." would be numbered once
    and cited by the workforce, stop-and-search and use-of-force tables alike."""
    from helpers.core.config import default_catalogue

    measures = default_catalogue().measures
    definitions = [m.definition for m in measures]
    assert all(definitions) and len(set(definitions)) == len(definitions)
    assert not [d for d in definitions if "as above" in d.lower()]


def test_a_malformed_table_or_sheet_name_writes_nothing(tmp_path):
    path = tmp_path / "report.ods"
    bad_row = ss.SheetTable("T", ["a", "b"], [[1]])
    with pytest.raises(ValueError, match="table 'T', row 1: 1 cells for 2 columns"):
        ss.write_spreadsheet(path, _cover(), [bad_row])
    for name in ("Notes", "Has space", "x" * 32):
        with pytest.raises(ValueError, match="sheet name"):
            ss.write_spreadsheet(path, _cover(), [ss.SheetTable("T", ["a"], [[1]], sheet=name)])
    with pytest.raises(ValueError, match="header"):
        ss.write_spreadsheet(path, _cover(), [ss.SheetTable("T", ["a", " "], [[1, 2]])])
    assert not path.exists()


def test_sheet_table_survives_notebook_metadata():
    import json

    table = ss.SheetTable("T", ["a", "b"], [[1, float("nan")], ["x", 2.5]], notes=("n",))
    back = ss.SheetTable.from_dict(json.loads(json.dumps(table.as_dict(), allow_nan=False)))
    assert back.rows == [[1, "[x]"], ["x", 2.5]] and back.notes == ["n"]


# ----- on a real build of the sample data ----------------------------------------------------


class _Tables(HTMLParser):
    """Every <table> of a page: its caption and the text of each body row's cells; `charts`
    holds the indexes of those under a chart (in ``details.chart-data``), in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self.charts: list[int] = []
        self._chart_data = False
        self._caption: list[str] | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._body = False

    def handle_starttag(self, tag, attrs):
        if tag == "details" and "chart-data" in (dict(attrs).get("class") or ""):
            self._chart_data = True
        if tag == "table":
            if self._chart_data:
                self.charts.append(len(self.tables))
            self.tables.append(("", []))
        elif tag == "caption":
            self._caption = []
        elif tag == "tbody":
            self._body = True
        elif tag == "tr" and self._body:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "details":
            self._chart_data = False
        if tag == "caption" and self._caption is not None:
            caption = "".join(self._caption).strip()
            self.tables[-1] = (caption, self.tables[-1][1])
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1][1].append(self._row)
            self._row = None
        elif tag == "tbody":
            self._body = False

    def handle_data(self, data):
        if self._caption is not None:
            self._caption.append(data)
        if self._cell is not None:
            self._cell.append(data)


_SHOWN_MISSING = {"n/a": "[x]", "Not applicable": "[z]", "Suppressed": "[c]", "<5": "[c]"}


def _same_as_shown(value, shown: str) -> bool:
    """`value` (from report.ods) is what the page shows, to the digits the page shows."""
    if isinstance(value, dt.date):  # a period ending, shown as its month
        return value.strftime("%b %Y") == shown
    if shown in _SHOWN_MISSING:
        return value == _SHOWN_MISSING[shown]
    number = shown.replace(",", "").rstrip("%x")
    if isinstance(value, float) and re.fullmatch(r"-?\d+(\.\d+)?", number):
        decimals = len(number.split(".")[1]) if "." in number else 0
        return abs(value - float(number)) <= 0.5 * 10**-decimals + 1e-12
    return str(value) == shown


@pytest.fixture(scope="module")
def book(built):
    path = built / "report.ods"
    assert path.is_file(), "the build wrote no report.ods"
    return CalamineWorkbook.from_path(str(path))


@pytest.mark.notebooks
def test_every_table_sheet_has_the_guidances_layout(built, book):
    names = book.sheet_names
    assert names[:5] == ["Cover_sheet", "Contents", "Notes", "Measures", "Changes"]
    assert names[-1] == "Sources"  # the methods page's sources and the periods they cover
    assert len(names) == len(set(names)) and all(len(n) <= 31 for n in names)
    contents = book.get_sheet_by_name("Contents").to_python()
    assert [r[0] for r in contents[3:]] == names[3:]  # every table is listed
    for name in names[3:]:
        rows = book.get_sheet_by_name(name).to_python()
        title, header, data = rows[0], rows[1], rows[2:]
        assert title[0] and not any(title[1:]), name
        assert all(str(h).strip() for h in header), f"{name}: a blank header"
        assert name == "Changes" or data, f"{name}: no rows"
        for row in data:
            assert any(v != "" for v in row), f"{name}: a blank row inside the table"
            for v in row:
                # numbers are numbers; a text cell never holds a number or a blank
                assert not (isinstance(v, str) and NUMBER_TEXT.match(v)), (name, v)
                assert v != "", f"{name}: an empty cell (use [c], [x] or [z])"
    cover = "\n".join(str(r[0]) for r in book.get_sheet_by_name("Cover_sheet").to_python())
    assert "SYNTHETIC SAMPLE DATA" in cover and "Avon and Somerset" in cover
    assert "[x] not available" in cover
    with zipfile.ZipFile(built / "report.ods") as odf:
        content = odf.read("content.xml").decode()
    assert all(f'xlink:href="#{n}.A1"' in content for n in names[3:])


@pytest.mark.notebooks
def test_measures_sheet_equals_measures_csv(built, book):
    csv = pd.read_csv(built / "measures.csv", dtype={"period_end": str})
    csv = csv[csv["is_report_force"]].reset_index(drop=True)
    rows = book.get_sheet_by_name("Measures").to_python()
    header, data = rows[1], rows[2:]
    assert len(data) == len(csv) == len(default_measures())
    column = {h: i for i, h in enumerate(header)}
    checks = {
        "Measure": "title",
        "Count (12 months): number": "count_12m",
        "Denominator (12 months): number": "denominator",
        "Value: in the unit": "value",
        "Lower 95% confidence limit: in the unit": "ci_low",
        "Comparator value: in the unit": "comparator_value",
        "England and Wales value: in the unit": "national_value",
        "Rank (1 = best)": "msg_rank",
        "Benchmark": "benchmark",
        "Trend / Outlook": "trend",
    }
    compared = 0
    for i, row in csv.iterrows():
        for header_text, name in checks.items():
            got, want = data[i][column[header_text]], row[name]
            if pd.isna(want):
                assert got in ("[x]", "[z]"), (row["measure"], name, got)
            else:
                assert got == want, (row["measure"], name, got, want)
                compared += 1
    assert compared > 300


def default_measures():
    from helpers.core.config import default_catalogue

    return default_catalogue().measures


@pytest.mark.notebooks
def test_chart_and_comparison_sheets_equal_the_pages_tables(built, book):
    parser = _Tables()
    parser.feed((built / "report.html").read_text(encoding="utf-8"))
    pages = dict(parser.tables[::-1])  # caption -> rows (the first of equal captions)
    charts = [parser.tables[i] for i in parser.charts]
    matched = {"chart": 0, "comparison": 0}
    for name in book.sheet_names[5:]:
        rows = book.get_sheet_by_name(name).to_python()
        title, data = re.sub(r"( \[note \d+\])+$", "", rows[0][0]), rows[2:]
        if title.endswith("(chart data)"):
            # the charts' tables, in page order; each caption is the chart's title and unit
            caption, shown = charts[matched["chart"]]
            assert caption.startswith(title.removesuffix(" (chart data)") + " ("), (name, caption)
            kind = "chart"
        else:
            caption = next((c for c in pages if c == title), None)
            if caption is None:  # the ethnic group tables name their suppression differently
                caption = next(c for c in pages if c.split(" (")[0] == title.split(" (")[0])
            shown = pages[caption]
            kind = "comparison"
        assert len(shown) == len(data), (name, caption)
        for got_row, shown_row in zip(data, shown, strict=True):
            assert len(got_row) == len(shown_row)
            for got, text in zip(got_row, shown_row, strict=True):
                assert _same_as_shown(got, text), (name, got, text)
        matched[kind] += 1
    assert matched["chart"] == len(charts) >= 30 and matched["comparison"] >= 10, matched


@pytest.mark.notebooks
def test_pages_link_to_the_spreadsheet_and_the_pdf_has_no_data_appendix(built):
    report = (built / "report.html").read_text(encoding="utf-8")
    # Said once, on the title page and in the contents, not under every chart.
    assert report.count('href="report.ods"') == 2
    section = (built / "sections" / "01_homicide.html").read_text(encoding="utf-8")
    assert 'href="../report.ods"' in section and 'href="report.ods"' not in section
    assert "Changes since the last report" in report
    changes = (built / "sections" / "89_changes.html").read_text(encoding="utf-8")
    import json

    manifest = json.loads((built / "manifest.json").read_text())
    if manifest["changes"]["previous"] is None:  # a fresh outputs folder (the test's build)
        assert "There is no previous report to compare with" in changes
    else:
        assert f"{manifest['changes']['changed']} figure(s) changed" in changes
    assert "report.ods" in manifest["outputs"]
    # 101 with the appendix; 66 with analyst tables; the sample narrative of every section adds some
    assert manifest["report"]["pdf"]["pages"] < 60
    assert set(manifest["measure_digests"]) == {m.id for m in default_measures()}


@pytest.mark.notebooks
def test_the_built_spreadsheet_reads_as_the_report_prints(built, book):
    """Dates are dates, numbers show at the report's precision, each chart's table cites its own
    measure's definition, the cover gives the publication date, the next update and the
    contact of params/, and the build warns while that contact is the placeholder."""
    import json

    from helpers.core.config import default_catalogue
    from helpers.pipeline.publication import CONTACT_PLACEHOLDER
    from helpers.present.formatting import format_value

    cover = [r[0] for r in book.get_sheet_by_name("Cover_sheet").to_python()]
    assert isinstance(cover[cover.index("Published") + 1], dt.date)
    assert (
        "(provisional), with the figures for the quarter ending June 2025"
        in (cover[cover.index("Next update") + 1])
    )
    assert CONTACT_PLACEHOLDER in cover
    manifest = json.loads((built / "manifest.json").read_text())
    assert any("publication.contact is still the placeholder" in w
               for w in manifest["inputs"]["warnings"])  # fmt: skip

    rows = book.get_sheet_by_name("Measures").to_python()
    header, data = rows[1], rows[2:]
    assert all(isinstance(r[header.index("12 months ending")], dt.date) for r in data)
    units = [r[header.index("Unit of the value columns")] for r in data]
    assert "rate_per_1000" not in units and "Rate per 1,000 residents" in units
    catalogue = default_catalogue()
    by_label = {
        "Rate per 1,000 residents": "rate_per_1000",
        "Rate per 1,000 households": "rate_per_1000_households",
        "Percentage (%)": "percent",
        "Number": "count",
        "Rate ratio": "ratio",
    }
    values = [r[header.index("Value: in the unit")] for r in data]
    shown = iter(shown_numbers(built / "report.ods", "Measures"))
    checked = 0
    for value, label in zip(values, units, strict=True):
        if not isinstance(value, float):
            continue
        stored, decimals, text = next(v for v in shown if v[0] == value)
        printed = format_value(stored, by_label[label]).rstrip("%x")
        assert text == printed and decimals == (len(printed.split(".")[1]) if "." in printed else 0)
        checked += 1
    assert checked == len(catalogue.measures)

    notes = {r[0]: r[1] for r in book.get_sheet_by_name("Notes").to_python()[2:]}
    titles = {}
    for name in book.sheet_names[3:]:
        title = book.get_sheet_by_name(name).to_python()[0][0]
        cited = [notes[f"note {n}"] for n in re.findall(r"\[note (\d+)\]", title)]
        titles[re.sub(r"( \[note \d+\])+$", "", title)] = cited
    charted = 0
    for m in catalogue.measures:
        cited = titles.get(f"{m.chart_title} (chart data)")
        if cited is None:  # drawn with another measure on one chart
            continue
        assert cited == [m.definition], m.id
        charted += 1
    # Two pairs drawn together: drugs disruptions with county lines, and rape charges/summons'
    # count (bars) with its rate (lines), each pair's table citing both definitions.
    assert charted == len(catalogue.measures) - 4
    together = next(c for t, c in titles.items() if t.startswith("Drugs Disruptions and County"))
    assert together == [catalogue.measure(m).definition
                        for m in ("drugs_disruptions", "county_lines_disrupted")]  # fmt: skip
    rape = titles["Rape Charge/Summons - 12 Month Rolling Volume and Rate (chart data)"]
    assert rape == [catalogue.measure(m).definition for m in ("rape_charges", "rape_charge_rate")]
    ethnic = [c for t, c in titles.items() if " by ethnic group, " in t]
    assert len(ethnic) == 2 and all(len(c) == 1 and "ethnic group of the people" in c[0]
                                    for c in ethnic)  # fmt: skip
