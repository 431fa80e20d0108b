"""The report as it is printed: what `render.write_pdf` lays out, made from report.html.

A Commissioner reads the PDF; an analyst reads report.html and report.ods. So print leaves out
the code, each chart's data table, every force's ranked table, the offence-code tables, the
trend tests' details and the methods page's long tables, and each section says in one sentence
where they are; every other <details> is printed open; each chart's SVG is rewritten in the form
WeasyPrint draws fastest, looking the same.
"""

from __future__ import annotations

import base64
import html as html_lib
import re
from typing import Any

_DETAILS_OPEN = re.compile(r"<details(?![^>]*\sopen\b)", re.IGNORECASE)
_SHOW_CODE = re.compile(r'<details class="show-code"[^>]*>.*?</details>\s*', re.DOTALL)
_CHART_DATA = re.compile(
    r'<details class="chart-data"[^>]*>\s*<summary>(.*?)</summary>(.*?)</details>', re.DOTALL
)
SPREADSHEET = "report.ods"


# What the PDF leaves out of a section, for analysts (report.html and report.ods keep it).
_ANALYST_BLOCKS = {
    "offences": re.compile(r'<details class="offences analyst">.*?</details>\s*', re.DOTALL),
    "comparison": re.compile(
        r'<div class="analyst comparison">.*?</table>\s*</div>\s*</div>\s*', re.DOTALL
    ),
    "test-detail": re.compile(r'<details class="analyst test-detail">.*?</details>\s*', re.DOTALL),
    "annex": re.compile(r'<div class="analyst annex">.*?</table>\s*</div>\s*</div>\s*', re.DOTALL),
}
_SECTION_START = re.compile(r'(?=<section class="report-section")')
_IN_SPREADSHEET = {
    "chart": "the numbers behind this section's charts (each in a table named after its chart)",
    "comparison": "every force's figures, ranked",
    "offences": "the offences each crime figure counts",
}
_CUT = "\x00"


def _print_pointer(removed: set[str]) -> str:
    """One sentence saying where what the PDF left out of a section is."""
    tables = [text for kind, text in _IN_SPREADSHEET.items() if kind in removed]
    clauses = []
    if tables:
        listed = tables[0] if len(tables) == 1 else ", ".join(tables[:-1]) + " and " + tables[-1]
        clauses.append(
            f"{listed} are in {SPREADSHEET}, the spreadsheet published with this report, "
            "and in report.html"
        )
    if "test-detail" in removed:
        clauses.append("how each trend was tested is in report.html")
    if "annex" in removed:
        clauses.append(
            "the tables of every measure's definition and of each funnel plot's allowance for "
            "variation between forces are in report.html"
        )
    text = "; ".join(clauses)
    return f'<p class="print-pointer">{html_lib.escape(text[0].upper() + text[1:])}.</p>'


def _analyst_material_out(section: str) -> str:
    """One section as a Commissioner reads it in print: each chart's data table
    (``details.chart-data``), every force's ranked table, the offence-code tables and the trend
    tests' details left out, and one sentence, where the first of them was, saying where they
    are. The spreadsheet and the HTML are where an analyst reads them; in the sample report they
    took 8 of the PDF's 66 pages."""
    removed: set[str] = set()

    def cut(kind: str) -> Any:
        def drop(_: re.Match[str]) -> str:
            removed.add(kind)
            return _CUT

        return drop

    section = _CHART_DATA.sub(cut("chart"), section)
    for kind, block in _ANALYST_BLOCKS.items():
        section = block.sub(cut(kind), section)
    if not removed:
        return section
    first = section.index(_CUT)
    section = section[:first] + _print_pointer(removed) + section[first + 1 :]
    return section.replace(_CUT, "")


def _print_sections(page: str) -> str:
    return "".join(_analyst_material_out(part) for part in _SECTION_START.split(page))


# The methods page's list of the files a build read, each with the start of its checksum: for
# re-running and checking the build (manifest.json holds the full checksums), not for reading.
INPUT_FILES_CAPTION = "Input files read by this build"
# The table's scroll box goes with it, its closing tag only if its opening tag was matched.
_INPUT_FILES_TABLE = re.compile(
    r'(<div\b[^>]*\sclass="table-scroll"[^>]*>\s*)?<table class="data-table[^"]*">\s*<caption>'
    + re.escape(INPUT_FILES_CAPTION)
    + r"</caption>.*?</table>(?(1)\s*</div>)",
    re.DOTALL,
)
_TABLE_ROW = re.compile(r"<tr>\s*<th scope=\"row\">")


def _input_files_reference(page: str) -> str:
    """The list of input files and their checksums (176 rows, 4 pages) replaced, in print, by
    a sentence saying how many there are and where they are listed: a print reader cannot
    check a checksum, and the list is in report.html and manifest.json, published with it."""

    def refer(m: re.Match[str]) -> str:
        files = len(_TABLE_ROW.findall(m.group(0)))
        return (
            f'<p class="input-files-ref">This build read {files} input files. Each one, with its '
            "SHA-256 checksum, is listed in report.html (this section) and in manifest.json, "
            "both published with this report.</p>"
        )

    return _INPUT_FILES_TABLE.sub(refer, page)


_SVG_URI = re.compile(r'(<img\b[^>]*?\ssrc=")data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')
_SVG_TAG = re.compile(r"<([A-Za-z][\w:.-]*)(\s[^<>]*?)?(/?)>")
_SVG_ATTRIBUTE = re.compile(r'\s+([\w:.-]+)="([^"]*)"')
_SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
# Matplotlib's one stylesheet: a rule for every element, which WeasyPrint matches against each.
_SVG_STAR_RULE = re.compile(r'<style type="text/css">\s*\*\s*\{([^{}<]*)\}\s*</style>')


def _declarations(style: str) -> dict[str, str] | None:
    """``name: value`` pairs of a style string; None if one is !important (left as CSS)."""
    found = {}
    for declaration in html_lib.unescape(style).split(";"):
        name, colon, value = declaration.partition(":")
        if colon and name.strip() and value.strip():
            if "!" in value:
                return None
            found[name.strip().lower()] = value.strip()
    return found


def _as_attributes(m: re.Match[str], defaults: dict[str, str]) -> str:
    tag, attributes, close = m.group(1), m.group(2) or "", m.group(3)
    pairs = dict(_SVG_ATTRIBUTE.findall(attributes))
    if tag == "svg":
        # The stylesheet's rule for every element, as inherited attributes of the root.
        pairs.update({k: html_lib.escape(v, quote=True) for k, v in defaults.items()})
    elif "style" not in pairs:
        return m.group(0)
    if "style" in pairs:
        declarations = _declarations(pairs["style"])
        if declarations is None:
            return m.group(0)
        del pairs["style"]  # a style declaration wins over an attribute of the same name
        pairs.update({k: html_lib.escape(v, quote=True) for k, v in declarations.items()})
    written = "".join(f' {name}="{value}"' for name, value in pairs.items())
    return f"<{tag}{written}{close}>"


def print_svg(svg: str) -> str:
    """A chart's SVG as WeasyPrint draws it fastest, looking the same: Matplotlib's
    ``style="..."`` declarations as presentation attributes and its one ``* {...}`` rule as
    attributes of the root element (WeasyPrint parses every style string with its CSS parser
    and matches every rule against every element), and no RDF metadata (never drawn)."""
    svg = _SVG_METADATA.sub("", svg, count=1)
    rule = _SVG_STAR_RULE.search(svg)
    rest = svg if rule is None else svg[: rule.start()] + svg[rule.end() :]
    defaults = {} if rule is None else _declarations(rule.group(1))
    if defaults is None or "<style" in rest:
        # Another stylesheet (or an !important) would win over presentation attributes.
        return svg
    return _SVG_TAG.sub(lambda m: _as_attributes(m, defaults), rest)


def _lean_charts(page: str) -> str:
    def lean(m: re.Match[str]) -> str:
        svg = base64.b64decode(m.group(2)).decode("utf-8")
        encoded = base64.b64encode(print_svg(svg).encode("utf-8")).decode("ascii")
        return f'{m.group(1)}data:image/svg+xml;base64,{encoded}"'

    return _SVG_URI.sub(lean, page)


def printable(page: str) -> str:
    """The page as it is printed (the PDF): the code reviewers may open on screen left out;
    each chart's data table replaced by a sentence naming its table in report.ods (the
    spreadsheet holds every number), and the list of input files by a sentence naming where
    it is; every remaining <details> open, printed in full; the charts' SVG in the form
    WeasyPrint draws fastest (`print_svg`)."""
    page = _SHOW_CODE.sub("", page)
    page = _print_sections(page)
    page = _input_files_reference(page)
    page = _lean_charts(page)
    return _DETAILS_OPEN.sub("<details open", page)
