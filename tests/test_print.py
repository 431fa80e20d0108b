"""The built PDF as a reader holds it: type no smaller than can be read, no heading left alone at
the foot of a page, a measure's heading on the page of its chart, a length a Commissioner reads,
and nothing of the machine that built it (in the PDF or the HTML).

Reads the sample build of `tests/conftest.py::built` (its report.pdf) with pdfplumber. The PDF is
tagged (PDF/UA-1): text drawn by a chart is marked content of a Figure, so chart text and body
text are told apart by their tag, not guessed from their size.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers.core.config import default_catalogue

pdfplumber = pytest.importorskip("pdfplumber")

pytestmark = pytest.mark.print

BODY_MIN_PT = 9.0  # body, table, caption and running-head text
CHART_MIN_PT = 7.5  # text a chart draws, at the size it is printed
# The original report gives about two pages per priority. The sample report prints 46 charts
# (a crime rate has a trend chart and a funnel plot), about 2.7 pages a section, and the front and
# back matter (title, contents, summary, changes, glossary and methods) about 7: 49 pages, with
# room for the narrative of each section (the PDF was 66 pages with every analyst table).
PAGES_PER_SECTION = 4.0
# Words a draft leaves for its author: the sample report reads like a published one. The contact
# of report.ods is still the shipped placeholder ("Replace these lines ...", the build warns):
# neither the HTML nor the PDF may print it.
PLACEHOLDERS = re.compile(
    r"\bTODO\b|\blorem\b|placeholder|Narrative missing|Replace these lines", re.IGNORECASE
)
MACHINE_PATHS = re.compile(r"(?<![\w.])/(?:tmp|home|root|work|Users)/")
_SPACE = re.compile(r"\s+")
_FOOTER = re.compile(r"^Page \d+ of \d+$")


@pytest.fixture(scope="module")
def pdf(built: Path):
    with pdfplumber.open(built / "report.pdf") as document:
        yield document


@pytest.fixture(scope="module")
def page_chars(pdf) -> list[list[dict]]:
    return [page.chars for page in pdf.pages]


def _printed_size(char: dict) -> float:
    """A character's size in points. pdfminer gives the height of its box, which for text a
    chart draws turned a quarter (the y axis's label) is the advance, not the size: there the
    box's width is the size."""
    return char["size"] if char["upright"] else char["width"]


def _norm(text: str) -> str:
    return _SPACE.sub("", text)


def test_body_text_is_at_least_9_pt_and_chart_text_at_least_7_5_pt(page_chars):
    small: dict[str, dict[str, list[str]]] = {"body": {}, "chart": {}}
    for number, chars in enumerate(page_chars, start=1):
        for c in chars:
            if not c["text"].strip():
                continue
            kind = "chart" if c.get("tag") == "Figure" else "body"
            if _printed_size(c) < (CHART_MIN_PT if kind == "chart" else BODY_MIN_PT) - 0.05:
                key = f"page {number}, {_printed_size(c):.1f} pt"
                small[kind].setdefault(key, []).append(c["text"])
    body = {k: "".join(v)[:50] for k, v in small["body"].items()}
    chart = {k: "".join(v)[:50] for k, v in small["chart"].items()}
    assert not body, f"body or table text under {BODY_MIN_PT} pt: {body}"
    assert not chart, f"chart text under {CHART_MIN_PT} pt as printed: {chart}"


class _Headings(HTMLParser):
    """The text of every heading of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self._depth = 0
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self._depth += 1
            self._text = []

    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag) and self._depth:
            self._depth -= 1
            self.headings.append(html.unescape("".join(self._text)).replace("¶", ""))

    def handle_data(self, data):
        if self._depth:
            self._text.append(data)


def _body_lines(page) -> list[str]:
    """The page's lines of text, top to bottom, without the running heads and page number."""
    top_margin = 15 / 25.4 * 72  # @page margin-top: the running heads are above it
    lines = [
        line["text"].strip()
        for line in page.extract_text_lines()
        if line["top"] > top_margin and line["text"].strip()
    ]
    return [line for line in lines if not _FOOTER.match(line)]


def test_no_heading_is_the_last_text_on_a_page(pdf, built):
    parser = _Headings()
    parser.feed((built / "report.html").read_text(encoding="utf-8"))
    headings = {_norm(h) for h in parser.headings if _norm(h)}
    alone = []
    for number, page in enumerate(pdf.pages[:-1], start=1):
        lines = _body_lines(page)
        if not lines:
            continue
        # A heading ends the page whole (the last line) or wrapped (the last two lines).
        if _norm(lines[-1]) in headings or _norm("".join(lines[-2:])) in headings:
            alone.append(f"page {number}: {lines[-1]!r}")
    assert not alone, f"a heading left alone at the foot of a page: {alone}"


_MEASURE_LEAD = re.compile(
    r'<div class="measure-lead">\s*<h([34])[^>]*>(.*?)</h\1>.*?<figcaption>(.*?)</figcaption>',
    re.DOTALL,
)


def _plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).replace("¶", "")


def test_each_measure_heading_is_printed_on_the_page_of_its_chart(pdf, page_chars, built):
    """A measure's heading and sentences introduce its chart (report.html's block of them,
    ``.measure-lead``, whose chart may draw another measure too, as rape charges/summons'
    volume under the rate): they stay on its page."""
    texts = [
        _norm("".join(c["text"] for c in chars if c.get("tag") != "Figure")) for chars in page_chars
    ]
    figures = [
        _norm("".join(c["text"] for c in chars if c.get("tag") == "Figure")) for chars in page_chars
    ]
    page = (built / "report.html").read_text(encoding="utf-8")
    leads = [(_plain(h), _plain(t)) for _, h, t in _MEASURE_LEAD.findall(page)]
    assert len(leads) >= len(default_catalogue().sections), "too few measures with a chart found"
    parted, missing = [], []
    for heading, chart_title in leads:
        # Spaces dropped: the chart's title may wrap onto two lines.
        pages = [i for i, text in enumerate(figures) if _norm(chart_title) in text]
        if not pages:
            missing.append(chart_title)
            continue
        if _norm(heading) not in texts[pages[0]]:
            parted.append(f"{heading} (chart on page {pages[0] + 1})")
    assert not missing, f"charts whose title is not in the PDF: {missing}"
    assert not parted, f"measure headings parted from their chart: {parted}"


def test_the_pdf_gives_about_two_pages_to_a_section(pdf):
    sections = len(default_catalogue().sections)
    assert len(pdf.pages) <= PAGES_PER_SECTION * sections, (
        f"{len(pdf.pages)} pages for {sections} sections"
    )


def test_no_path_of_the_build_machine_in_the_pdf_or_the_html(pdf, built):
    found = []
    for number, page in enumerate(pdf.pages, start=1):
        found += [f"PDF page {number}: {m}" for m in MACHINE_PATHS.findall(page.extract_text())]
    for path in [built / "report.html", *sorted((built / "sections").glob("*.html"))]:
        # Charts are data: URIs, whose base64 may hold any five characters.
        text = re.sub(r"data:[^\"')\s]+", "", path.read_text(encoding="utf-8"))
        found += [f"{path.name}: {m}" for m in MACHINE_PATHS.findall(html.unescape(text))]
    assert not found, f"paths of the build machine printed: {found[:10]}"


class _Text(HTMLParser):
    """The text a reader sees on a page (and its alt texts), without scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        self.parts += [value for name, value in attrs if name in ("alt", "title") and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def _placeholders(text: str) -> list[str]:
    return [text[max(0, m.start() - 40) : m.end() + 40] for m in PLACEHOLDERS.finditer(text)]


def test_no_placeholder_text_in_the_pdf_or_the_html(pdf, built):
    found = []
    for number, page in enumerate(pdf.pages, start=1):
        found += [f"PDF page {number}: {t!r}" for t in _placeholders(page.extract_text() or "")]
    for path in [built / "report.html", *sorted((built / "sections").glob("*.html"))]:
        parser = _Text()
        parser.feed(path.read_text(encoding="utf-8"))
        found += [f"{path.name}: {t!r}" for t in _placeholders(" ".join(parser.parts))]
    assert not found, f"placeholder text printed: {found[:10]}"


def test_the_placeholder_check_finds_what_a_draft_leaves():
    """The patterns above catch the drafts' words as a build printed them."""
    assert _placeholders("Narrative missing: no file params/narrative/2025-03/homicide.md")
    assert _placeholders("Replace these lines with the team's email address and telephone number")
    assert _placeholders("TODO: write the planned actions")
    assert _placeholders("Lorem ipsum dolor sit amet")
    assert not _placeholders("Today's figures for Todos Santos and Toddington; lorems")
