"""HTML pages and PDF of the report, from in-memory executed notebooks (no kernel needed)."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import re
import zlib
from collections import Counter
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers.core.quarters import FinancialQuarter
from helpers.present import render
from helpers.present.render import (
    Masthead,
    PageContent,
    find_external_resources,
    prepare_fragment,
)

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">'
    '<title>Homicide chart</title><polyline points="0,90 100,40 200,10" fill="none" '
    'stroke="black"/></svg>'
)
TABLE = (
    "<details><summary>Data table</summary><table><thead><tr><th>period</th><th>rate</th></tr>"
    "</thead><tbody><tr><td>Mar 2024</td><td>0.0123</td></tr></tbody></table></details>"
)


def executed_notebook(title: str) -> nbformat.NotebookNode:
    """What papermill leaves: parameters cells, code with outputs, markdown."""
    params = new_code_cell('force = "Kent"\nsecret_parameter = 1')
    params.metadata["tags"] = ["parameters"]
    injected = new_code_cell('force = "Avon and Somerset"')
    injected.metadata["tags"] = ["injected-parameters"]
    code = new_code_cell(
        "import helpers_code_reviewers_must_not_see",
        execution_count=3,
        outputs=[
            new_output(
                "display_data", data={"text/markdown": "## Facts\n\nSee [the facts](#Facts)."}
            ),
            new_output("stream", name="stderr", text="FutureWarning: for the log only\n"),
            new_output("display_data", data={"text/html": "<h3>Chart</h3>"}),
            new_output("display_data", data={"image/svg+xml": SVG}),
            new_output("display_data", data={"text/html": TABLE}),
        ],
    )
    nb = new_notebook(cells=[params, injected, new_markdown_cell(f"# {title}"), code])
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"c{i}"
    return nb


def section(id_: str, number: int, title: str, part: str | None) -> PageContent:
    heading = f"{number}. {title}" if part else title
    fragment = render.notebook_to_fragment(executed_notebook(heading))
    return PageContent(id_, number, title, part, f"{number:02d}_{id_}", fragment)


@pytest.fixture(scope="module")
def sections() -> list[PageContent]:
    return [
        section("summary", 0, "Measures summary", None),
        section("homicide", 1, "Homicide", "National Police and Crime Measures"),
        section("drugs", 3, "Drugs supply and county lines", "National Police and Crime Measures"),
        section("complaints", 12, "Complaints", "Police and Crime Plan priorities"),
        section("methods", 90, "Methods and data", None),
    ]


@pytest.fixture(scope="module")
def context() -> Masthead:
    return Masthead(
        FinancialQuarter.parse("2024-03"),
        "Avon and Somerset",
        datetime(2024, 5, 2, 9, 30, tzinfo=UTC),
    )


@pytest.fixture(scope="module")
def report(sections, context) -> str:
    return render.render_report(sections, context)


class Outline(HTMLParser):
    """Headings, ids, in-page links and resource attributes of a page."""

    def __init__(self, page: str):
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.ids: list[str] = []
        self.links: list[str] = []
        self.lang = None
        self.title = ""
        self._in: str | None = None
        self._text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "a" and (attrs.get("href") or "").startswith("#"):
            self.links.append(attrs["href"][1:])
        if re.fullmatch(r"h[1-6]|title", tag):
            self._in, self._text = tag, []

    def handle_data(self, data):
        if self._in:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == self._in:
            text = " ".join("".join(self._text).replace("¶", "").split())
            if tag == "title":
                self.title = text
            else:
                self.headings.append((int(tag[1]), text))
            self._in = None


# ----- fragments -------------------------------------------------------------------------------


SHOW_CODE = re.compile(
    r'<details class="show-code" open=""><summary>Code</summary>(.*?)</details>', re.S
)


def test_fragment_shows_outputs_and_code_only_behind_show_code_no_prompts_or_stderr():
    fragment = render.notebook_to_fragment(executed_notebook("1. Homicide"))
    assert [c.strip() for c in SHOW_CODE.findall(fragment)] == [
        "<pre><code>import helpers_code_reviewers_must_not_see</code></pre>"
    ]
    shown = SHOW_CODE.sub("", fragment)
    assert "helpers_code_reviewers_must_not_see" not in shown
    assert "secret_parameter" not in fragment and "Avon and Somerset" not in fragment
    assert "In&nbsp;[" not in fragment and "Out[" not in fragment
    assert "FutureWarning" not in fragment
    assert "Homicide chart" in fragment or "data:image/svg+xml" in fragment
    assert "<details>" in fragment and "0.0123" in fragment
    assert 'id="cell-id=' not in fragment
    assert render.stderr_messages(executed_notebook("x")) == ["FutureWarning: for the log only"]


def test_prepare_fragment_drops_the_repeated_title_and_renumbers_headings():
    fragment = (
        '<h2 id="section-homicide">1. Homicide</h2><p>intro</p>'
        '<h3 id="measures">Measures summary</h3><h5 id="deep">Deep</h5>'
    )
    prepared = prepare_fragment(fragment, anchor="homicide", title="Homicide", base_level=4)
    assert prepared.title_id == "section-homicide"
    assert "1. Homicide" not in prepared.body
    levels = re.findall(r"<h(\d)", prepared.body)
    assert levels == ["4", "5"]  # h3 -> h4 and h5 -> h5: the skipped level is closed up
    assert prepared.body.count("</h4>") == 1 and prepared.body.count("</h5>") == 1


def test_a_first_heading_that_is_not_the_title_is_kept():
    prepared = prepare_fragment("<h1>Introduction</h1>", anchor="a", title="Homicide", base_level=2)
    assert prepared.body == "<h2>Introduction</h2>" and prepared.title_id is None


def test_shared_heading_ids_are_prefixed_with_their_links_and_unique_ones_kept():
    fragment = (
        '<h3 id="Facts">Facts<a class="anchor-link" href="#Facts">¶</a></h3>'
        '<h3 id="measure-homicide">Homicide</h3><a href="#measure-homicide">x</a>'
    )
    body = prepare_fragment(
        fragment,
        anchor="homicide",
        title="Homicide section",
        base_level=4,
        prefix_ids={"Facts"},
    ).body
    assert 'id="homicide--Facts"' in body and 'href="#homicide--Facts"' in body
    assert 'id="measure-homicide"' in body and 'href="#measure-homicide"' in body


@pytest.mark.parametrize(
    "page",
    [
        '<script src="https://cdnjs.cloudflare.com/require.js"></script>',
        '<script src="static/local.js"></script>',
        '<link rel="stylesheet" href="//fonts.googleapis.com/css?family=Roboto">',
        '<img alt="chart" src="http://example.org/chart.png">',
        '<img alt="chart" src="chart.png">',
        '<img alt="c" srcset="data:image/png;base64,AA 1x, https://x.org/c@2x.png 2x">',
        "<style>body { background: url('https://x.org/bg.png') }</style>",
        '<style>@import "https://x.org/more.css";</style>',
        '<iframe src="https://www.youtube.com/embed/x"></iframe>',
        '<svg><image href="https://x.org/logo.svg"/></svg>',
    ],
)
def test_external_resources_are_found(page):
    assert find_external_resources(page)


def test_links_data_uris_and_fragments_are_not_external_resources():
    page = (
        '<a href="https://www.gov.uk/government/statistics">Home Office data</a>'
        '<img alt="chart" src="data:image/svg+xml;base64,PHN2Zz4=">'
        '<svg><use href="#glyph-1"/><rect style="clip-path: url(#clip1)"/></svg>'
        "<style>.x { background: url(data:image/png;base64,AA) }</style>"
    )
    assert find_external_resources(page) == []


# ----- pages ------------------------------------------------------------------------------------


def test_report_is_self_contained(report):
    assert find_external_resources(report) == []
    assert "<link" not in report and "<script src" not in report
    assert "mathjax" not in report.lower() and "require.js" not in report.lower()


def test_report_has_language_title_and_viewport(report):
    outline = Outline(report)
    assert outline.lang == "en-GB"
    assert outline.title == (
        "Performance Report: Avon and Somerset, Quarter ending March 2024 (Q4 2023/24)"
    )
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in report
    assert "@media (max-width: 40rem)" in report  # phones get their own layout


def test_title_page_names_report_quarter_force_and_build_date(report):
    title_page = report[report.index('class="title-page"') : report.index('id="contents"')]
    assert "<h1" in title_page and "Performance Report</h1>" in title_page
    assert "Quarter ending March 2024 (Q4 2023/24)" in title_page
    assert "Avon and Somerset" in title_page
    assert "2 May 2024" in title_page
    # The force's Police and Crime Plan, from params/report.yaml, as the original's cover has it.
    assert (
        "<dt>Police and Crime Plan</dt><dd>Avon and Somerset Police and Crime Plan 2021-2025"
        in (title_page)
    )


def test_a_force_without_a_plan_in_params_has_no_plan_line(sections):
    kent = Masthead(FinancialQuarter.parse("2024-03"), "Kent", datetime(2024, 5, 2, tzinfo=UTC))
    assert "Police and Crime Plan</dt>" not in render.render_report(sections, kent)


def test_headings_are_in_order_and_sections_in_catalogue_order(report):
    outline = Outline(report)
    levels = [level for level, _ in outline.headings]
    assert levels[0] == 1 and levels.count(1) == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, outline.headings
    texts = [text for _, text in outline.headings]
    expected = [
        "Contents",
        "Measures summary",
        "National Police and Crime Measures",
        "1. Homicide",
        "3. Drugs supply and county lines",
        "Police and Crime Plan priorities",
        "12. Complaints",
        "Methods and data",
    ]
    assert [t for t in texts if t in expected] == expected
    # The notebook's own "# 1. Homicide" is not repeated under the page's heading.
    assert texts.count("1. Homicide") == 1


def test_ids_are_unique_and_every_in_page_link_resolves(report):
    outline = Outline(report)
    duplicates = [i for i, n in Counter(outline.ids).items() if n > 1]
    assert duplicates == []
    assert set(outline.links) <= set(outline.ids), set(outline.links) - set(outline.ids)


def test_contents_lists_every_section_and_navigation_links_neighbours(report, sections):
    contents = report[report.index('id="contents"') : report.index("</nav>")]
    for s in sections:
        assert f'href="#{s.anchor}"' in contents
    homicide = report[report.index('id="homicide"') :]
    nav = homicide[homicide.index('<nav class="section-nav"') :]
    nav = nav[: nav.index("</nav>")]
    assert 'href="#summary"' in nav and 'href="#drugs"' in nav and 'href="#contents"' in nav


def test_section_page_stands_alone_and_links_to_its_neighbours(sections, context):
    page = render.render_section_page(sections, 1, context)
    outline = Outline(page)
    assert outline.lang == "en-GB" and outline.title.startswith("1. Homicide: Performance Report")
    assert outline.headings[0] == (1, "1. Homicide")
    levels = [level for level, _ in outline.headings]
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels))
    assert 'href="00_summary.html"' in page and 'href="03_drugs.html"' in page
    assert 'href="../report.html#contents"' in page
    assert find_external_resources(page) == []


def test_show_code_escapes_the_source_and_skips_empty_cells():
    nb = new_notebook(cells=[new_code_cell("x = '<b>&</b>'"), new_code_cell("  \n")])
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"c{i}"
    fragment = render.notebook_to_fragment(nb)
    assert SHOW_CODE.findall(fragment) == [
        "\n<pre><code>x = '&lt;b&gt;&amp;&lt;/b&gt;'</code></pre>\n"
    ]


def test_printable_opens_every_details_element_and_drops_the_code():
    page = (
        "<details><summary>a</summary>x</details><details open><summary>b</summary></details>"
        '<details class="show-code"><summary>Show code</summary><pre><code>1 + 1</code></pre>'
        "</details>"
    )
    printed = render.printable(page)
    assert printed.count("<details open") == 2 and "1 + 1" not in printed


def test_printed_report_points_to_the_spreadsheet_once_a_section_for_what_it_leaves_out(
    report, sections
):
    chart_data = (
        '<details class="chart-data"><summary>Data table: Homicide rate</summary>\n'
        "<table><caption>Homicide rate</caption><tr><th>Mar 2024</th><td>0.0123</td></tr>"
        "</table>\n</details>"
    )
    ranked = (
        '<div class="analyst comparison">\n<div class="table-scroll" role="region">\n'
        "<table><caption>Ranked forces</caption><tr><td>1</td></tr></table>\n</div>\n</div>"
    )
    tested = (
        '<details class="analyst test-detail"><summary>How the trend was tested</summary>\n'
        "<p>Test: regression, p = 0.12.</p>\n</details>"
    )
    with_charts = report.replace(TABLE, TABLE + chart_data * 2 + ranked + tested)
    printed = render.printable(with_charts)
    # No data table, ranked table or test detail in print...
    assert 'class="chart-data"' not in printed and "Homicide rate</caption>" not in printed
    assert "Ranked forces" not in printed and "p = 0.12" not in printed
    assert "Appendix" not in printed
    # ...and one sentence per section, where the first of them was, saying where they are.
    pointers = re.findall(r'<p class="print-pointer">(.*?)</p>', printed)
    assert len(pointers) == len(sections)
    assert all(
        "report.ods" in p and "named after its chart" in p and "ranked" in p and "tested" in p
        for p in pointers
    )
    # The screen page keeps its tables.
    assert with_charts.count("Homicide rate</caption>") == 2 * len(sections)


def test_section_pages_link_to_the_spreadsheet_one_folder_up(sections, context):
    fragment = '<p>All the data are in <a href="report.ods">report.ods</a>.</p>'
    page = render.render_section_page(
        [dataclasses.replace(sections[0], fragment=fragment)], 0, context
    )
    assert page.count('href="../report.ods"') == 2  # the header's link and the fragment's
    assert 'href="report.ods"' not in page
    assert 'href="report.ods"' in render.render_report(sections, context)
    assert not render.find_external_resources(page)


# ----- PDF --------------------------------------------------------------------------------------


def pdf_objects(data: bytes) -> bytes:
    """The PDF's bytes with every deflated stream (object streams included) inflated."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", match.end())
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(data[match.end() : end]))
    return b"\n".join(parts)


@pytest.fixture(scope="module")
def pdf(report, tmp_path_factory) -> tuple[Path, render.PdfInfo]:
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    return path, render.write_pdf(report, path)


def test_pdf_is_a4(pdf):
    path, info = pdf
    assert info.page_size_mm == (210.0, 297.0)
    boxes = re.findall(
        rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf_objects(path.read_bytes())
    )
    assert len(boxes) == info.pages
    for width, height in boxes:  # A4 in points: 595.28 x 841.89
        assert abs(float(width) - 595.28) < 0.1 and abs(float(height) - 841.89) < 0.1


# The outline of the `report` fixture: one entry per part and section, sections under parts.
REPORT_BOOKMARKS = [
    (1, "Contents"),
    (1, "Measures summary"),
    (1, "National Police and Crime Measures"),
    (2, "1. Homicide"),
    (2, "3. Drugs supply and county lines"),
    (1, "Police and Crime Plan priorities"),
    (2, "12. Complaints"),
    (1, "Methods and data"),
]


def test_pdf_has_bookmarks_for_parts_and_sections(pdf):
    path, info = pdf
    assert info.bookmarks == REPORT_BOOKMARKS
    objects = pdf_objects(path.read_bytes())
    assert b"/Outlines" in objects and b"/Title (1. Homicide)" in objects


def test_pdf_metadata_has_title_and_language_and_is_tagged(pdf):
    path, info = pdf
    objects = pdf_objects(path.read_bytes())
    assert b"/Lang (en-GB)" in objects
    assert (
        b"/Title (Performance Report: Avon and Somerset, Quarter ending March 2024 "
        b"\\(Q4 2023/24\\))"
    ) in objects
    assert info.variant == "pdf/ua-1" and b"/StructTreeRoot" in objects


def _page_texts(report: str) -> list[str]:
    import weasyprint

    document = weasyprint.HTML(string=render.printable(report)).render()

    def texts(box):
        if hasattr(box, "text"):
            yield box.text
        for child in getattr(box, "children", []):
            yield from texts(child)

    return [" ".join(texts(page._page_box)) for page in document.pages]


@pytest.fixture(scope="module")
def page_texts(report) -> list[str]:
    return _page_texts(report)


def test_pdf_pages_are_numbered_page_n_of_m(page_texts):
    total = len(page_texts)
    for number, text in enumerate(page_texts[1:], start=2):
        assert f"Page {number} of {total}" in text
    assert "Page 1 of" not in page_texts[0]  # the title page carries no number


def test_pdf_has_a_contents_page_with_page_numbers_and_a_page_per_section(page_texts):
    contents = page_texts[1]
    assert "Contents" in contents and "1. Homicide" in contents
    homicide_page = (
        next(
            i
            for i, t in enumerate(page_texts)
            if "Homicide chart" in t or ("1. Homicide" in t and i > 1)
        )
        + 1
    )
    assert re.search(rf"1\. Homicide[ .]*{homicide_page}\b", contents), contents


def test_pdf_starts_each_section_on_a_new_page(page_texts, sections):
    starts = [t.lstrip() for t in page_texts]
    for s in sections:
        opening = [s.heading] if s.part is None else [s.heading, f"{s.part} {s.heading}"]
        assert any(t.startswith(tuple(opening)) for t in starts), s.heading


def test_pdf_prints_the_data_tables_and_no_navigation(page_texts):
    everything = " ".join(page_texts)
    assert everything.count("0.0123") == 5  # one table per section, opened for print
    assert "Previous:" not in everything and "Next:" not in everything


def test_the_printed_report_is_laid_out_in_one_pass_but_for_the_contents(report, monkeypatch):
    """Page numbers looked up in the body (target-counter) make WeasyPrint lay pages out again,
    each change cascading to the pages after it: that cost a third of the PDF's time. Only the
    contents page looks page numbers up, so each page is made once, the contents page and the
    one after it twice."""
    from weasyprint.layout import page as layout_page

    chart_data = (
        '<details class="chart-data"><summary>Data table: Homicide rate</summary>\n'
        "<table><caption>Homicide rate</caption><tr><th>Mar 2024</th><td>0.0123</td></tr>"
        "</table>\n</details>"
    )
    made: list[int] = []
    remake = layout_page.remake_page

    def counting(index, *args, **kwargs):
        made.append(index)
        return remake(index, *args, **kwargs)

    monkeypatch.setattr(layout_page, "remake_page", counting)
    import weasyprint

    printed = render.printable(report.replace(TABLE, TABLE + chart_data))
    pages = len(weasyprint.HTML(string=printed).render().pages)
    assert pages > 5 and "print-pointer" in printed
    assert len(made) <= pages + 2, sorted(made)


# ----- print form of the charts and the methods page -----------------------------------------

SVG_NS = "{http://www.w3.org/2000/svg}"


def _matplotlib_svg() -> str:
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot([1, 2, 3], [2, 1, 3], linestyle=(0, (6, 3)), marker="s", color="#D55E00")
    ax.set_title("A 'quoted' & <escaped> title")
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def test_print_svg_turns_matplotlib_styles_into_the_same_attributes():
    import xml.etree.ElementTree as ET

    svg = _matplotlib_svg()
    assert ' style="' in svg and "<metadata>" in svg and "*{" in svg
    before = ET.fromstring(svg.encode())
    after = ET.fromstring(render.print_svg(svg).encode())
    assert not [e for e in after.iter() if "style" in e.attrib]
    assert after.find(f"{SVG_NS}metadata") is None
    assert after.get("stroke-linejoin") == "round" and after.get("stroke-linecap") == "butt"
    kept = [e for e in before.iter() if e.tag not in (f"{SVG_NS}style",)]
    kept = [e for e in kept if not e.tag.startswith(f"{SVG_NS}metadata")]
    drawn = list(after.iter())
    metadata = before.find(f"{SVG_NS}metadata")
    inside = set(metadata.iter()) if metadata is not None else set()
    kept = [e for e in kept if e not in inside]
    assert [e.tag for e in kept] == [e.tag for e in drawn]
    for old, new in zip(kept, drawn, strict=True):
        expected = {k: v for k, v in old.attrib.items() if k != "style"}
        for declaration in old.get("style", "").split(";"):
            name, _, value = declaration.partition(":")
            if name.strip():
                expected[name.strip()] = value.strip()
        if old is before:
            continue  # the root also carries the stylesheet's rule (checked above)
        assert new.attrib == expected
        assert (new.text or "").strip() == (old.text or "").strip()


def test_print_svg_lets_a_style_win_over_an_attribute_and_leaves_important_alone():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg"><path fill="red" d="M 0 0" style="fill: blue"/>'
        '<path d="M 1 1" style="stroke: green !important"/></svg>'
    )
    printed = render.print_svg(svg)
    assert '<path fill="blue" d="M 0 0"/>' in printed
    assert 'style="stroke: green !important"' in printed


def test_printable_keeps_each_chart_and_its_alt_text_with_a_lean_svg():
    import base64

    svg = _matplotlib_svg()
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    page = f'<figure class="chart"><img src="{uri}" alt="Rates rose."></figure>'
    printed = render.printable(page)
    found = re.fullmatch(
        r'<figure class="chart"><img src="data:image/svg\+xml;base64,([^"]+)" '
        r'alt="Rates rose."></figure>',
        printed,
    )
    assert found is not None
    assert base64.b64decode(found.group(1)).decode() == render.print_svg(svg)


def test_printed_methods_page_names_where_the_input_files_are_listed():
    rows = "".join(
        f'<tr><th scope="row">local/x/{q}.csv</th><td>abc{q}</td></tr>' for q in range(3)
    )
    files = (
        f'<table class="data-table">\n<caption>{render.INPUT_FILES_CAPTION}</caption>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>"
    )
    sources = '<table class="data-table">\n<caption>Sources</caption><tr><td>a</td></tr></table>'
    printed = render.printable(sources + "\n" + files)
    assert "local/x/1.csv" not in printed and render.INPUT_FILES_CAPTION not in printed
    assert "This build read 3 input files." in printed and "manifest.json" in printed
    assert printed.startswith(sources)


def test_print_svg_leaves_the_styles_of_an_svg_with_its_own_stylesheet():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg"><style type="text/css">.a {fill: red}</style>'
        '<path class="a" d="M 0 0" style="fill: blue"/></svg>'
    )
    # As an attribute, fill="blue" would lose to the rule for .a: the style must stay.
    assert render.print_svg(svg) == svg


def test_a_pdf_that_cannot_be_joined_is_laid_out_as_one_tagged_document(
    report, tmp_path, monkeypatch
):
    """A failure of the part-by-part PDF (here the join) costs time, not the tagged PDF."""
    from helpers.present import pdf_join

    def broken(*args, **kwargs):
        raise ValueError("a join that fails")

    class Empty:
        def pdf_part(self, name, key):
            return None

        def store_pdf_part(self, name, key, pdf, layout):
            pass

    monkeypatch.setattr(pdf_join, "join", broken)
    path = tmp_path / "report.pdf"
    info = render.write_pdf(report, path, store=Empty())
    assert info.variant == "pdf/ua-1" and info.parts_laid_out == 1
    assert any(
        "could not be made part by part (ValueError: a join that fails)" in w for w in info.warnings
    )
    assert b"/StructTreeRoot" in pdf_objects(path.read_bytes())


def test_the_printed_input_files_leave_no_scroll_box_half_closed():
    """The list of input files goes with its scroll box (whose attributes come in any order),
    and the box's closing tag only with its opening tag: an unclosed <div> made an HTML parser
    other than WeasyPrint's put everything after it inside the methods page."""
    rows = '<tr><th scope="row">local/x/1.csv</th><td>abc</td></tr>'
    table = (
        f'<table class="data-table">\n<caption>{render.INPUT_FILES_CAPTION}</caption>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>"
    )
    boxed = f'<div aria-label="Input files" class="table-scroll" role="region">\n{table}\n</div>'
    for page in (f"<section>{boxed}</section>", f"<section><div>{table}\n</div></section>"):
        printed = render.printable(page)
        assert render.INPUT_FILES_CAPTION not in printed
        assert printed.count("<div") == printed.count("</div>"), printed
