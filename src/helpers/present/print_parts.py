"""The printed report cut at its forced page breaks: parts that WeasyPrint lays out one by one.

Laying out the whole report is most of a rebuild after a narrative edit, though the edit moves
one section's pages. Cut where print starts a new page anyway (report.css, ``@media print``:
after the contents, before each section and each part's heading), each part can be laid out
alone, and a part whose HTML is unchanged is reused from an earlier build (`report_pdf`).

A part's document keeps the report's head and the ancestors of its elements (``body``,
``main``, the ``section.part`` around a part's sections), so every rule of report.css matches
as in the whole report; the head's stylesheet is taken out, to be parsed once for all parts.
What the whole document would compute across parts is given to each part (`print_rules`): the
running head the title page sets and, for the contents, each entry's page; page numbers are
stamped on the joined PDF. Links point at `LINK_BASE` while a part is laid out; the join
(`pdf_join`) turns them into links inside the PDF.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FRONT = "front"
# Where a part's internal links point while it is laid out alone; `pdf_join` resolves them.
LINK_BASE = "https://report-part.invalid/"
# A head element that changes with every build but prints nothing (the PDF's dates come from
# the front part): left out of the other parts, so that their key stays the same.
_VOLATILE_META = ("dcterms.created",)


@dataclass(frozen=True)
class PrintPart:
    """One run of pages: its name (``front``, a section's or a part's id) and its document."""

    name: str
    document: str


def _classes(element: Any) -> set[str]:
    return set((element.get("class") or "").split())


def _units(body: Any) -> list[tuple[Any, bool]]:
    """The elements the parts are made of, in order, each with whether print starts a new page
    before it: body's children, main's, and a part section's children."""
    units: list[tuple[Any, bool]] = []
    for child in body:
        children = [child]
        if child.tag == "main":
            children = []
            for item in child:
                if "part" in _classes(item) and item.tag == "section":
                    children.extend(item)
                else:
                    children.append(item)
        for element in children:
            if not isinstance(element.tag, str):
                continue  # a comment
            classes = _classes(element)
            previous = element.getprevious()
            first_in_part = (
                "report-section" in classes
                and "part" in _classes(element.getparent())
                and previous is not None
                and "part-heading" in _classes(previous)
            )
            starts = "part-heading" in classes
            starts = starts or ("report-section" in classes and not first_in_part)
            units.append((element, starts))
    return units


def _runs(units: list[tuple[Any, bool]]) -> list[list[Any]]:
    """`units` grouped into runs of pages. The contents end a page (``break-after``); what
    follows them up to the next forced break (main's "Show the code" switch, hidden in print)
    prints on that break's page, so it opens the next run, and the break adds no page."""
    runs: list[list[Any]] = []
    opened_by_break = ends_page = False
    for element, starts in units:
        if not runs or ends_page:
            runs.append([])
            opened_by_break = ends_page
        elif starts and not opened_by_break:
            runs.append([])
        if starts:
            opened_by_break = False
        runs[-1].append(element)
        ends_page = "contents" in _classes(element)  # .contents { break-after: page }
    return runs


def _name(element: Any) -> str:
    if "part-heading" in _classes(element):
        return str(element.getparent().get("id") or "part")
    return str(element.get("id") or element.tag)


def _unique(name: str, taken: set[str]) -> str:
    """`name`, or `name-2`, `name-3`...: a part's name keys its files in the build cache."""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}-{number}"
    return candidate


def _running_head(root: Any) -> str:
    found = root.xpath("//*[@data-running]")
    return str(found[0].get("data-running")) if found else ""


@dataclass(frozen=True)
class PrintCut:
    """The printed report in parts, and what every part shares: its head's stylesheet (parsed
    once for all parts), the running head the title page sets, the anchors the contents give
    a page number for."""

    parts: tuple[PrintPart, ...]
    stylesheet: str
    running_head: str
    contents: tuple[str, ...]


def cut(page: str) -> PrintCut:
    """The printable page (`print_form.printable`) as parts, in order."""
    import lxml.html

    parser = lxml.html.HTMLParser()
    root = lxml.html.document_fromstring(page, parser=parser)
    # Tags that do not nest are repaired by each parser its own way: WeasyPrint's (HTML5)
    # and this one could then disagree on what a part holds. Refused, so the report is laid
    # out as one document (`report_pdf.write_pdf`).
    for error in parser.error_log:
        if "mismatch" in error.message or "Unexpected end tag" in error.message:
            raise ValueError(
                f"the printed report's tags do not nest at line {error.line}: {error.message}"
            )
    running = _running_head(root)
    contents = tuple(
        str(href)[1:]
        for href in root.xpath("//*[contains(concat(' ', @class, ' '), ' contents ')]//a/@href")
        if str(href).startswith("#")
    )
    for link in root.xpath("//a[starts-with(@href, '#')]"):
        link.set("href", LINK_BASE + link.get("href"))
    styles = root.head.xpath("style")
    stylesheet = "\n".join(style.text or "" for style in styles)
    for element in [*styles, *root.head.xpath("script")]:
        root.head.remove(element)
    # Hidden in print, but its build time would change the last part's document every build.
    for footer in root.body.xpath("footer[contains(concat(' ', @class, ' '), ' site-footer ')]"):
        root.body.remove(footer)
    units = _units(root.body)
    starting = {element for element, starts in units if starts}
    parts: list[PrintPart] = []
    for number, run in enumerate(_runs(units)):
        name = FRONT if number == 0 else _name(next((e for e in run if e in starting), run[0]))
        name = _unique(name, {part.name for part in parts})
        parts.append(PrintPart(name, _document(root, run, keep_volatile=number == 0)))
    return PrintCut(tuple(parts), stylesheet, running, contents)


def _document(root: Any, run: list[Any], *, keep_volatile: bool) -> str:
    """A document of the head and `run`, inside copies (attributes only) of their ancestors."""
    import lxml.html

    html = lxml.html.Element("html", dict(root.attrib))
    head = copy.deepcopy(root.head)
    head.tail = "\n"
    if not keep_volatile:
        for meta in head.xpath("meta[@name]"):
            if meta.get("name") in _VOLATILE_META:
                head.remove(meta)
    html.append(head)
    shells: dict[Any, Any] = {}

    def shell(element: Any) -> Any:
        if element is root:
            return html
        if element not in shells:
            parent = shell(element.getparent())
            made = lxml.html.Element(element.tag, dict(element.attrib))
            made.text = "\n"
            made.tail = "\n"
            parent.append(made)
            shells[element] = made
        return shells[element]

    for element in run:
        shell(element.getparent()).append(copy.deepcopy(element))
    # A page break after the part's last element would add an empty page at its end.
    last = shell(run[-1].getparent())[-1]
    last.set("style", (last.get("style") or "") + ";break-after:auto")
    return lxml.html.tostring(html, doctype="<!DOCTYPE html>", encoding="unicode")


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def print_rules(
    part: PrintPart, running_head: str, contents_pages: Mapping[str, int] | None = None
) -> str:
    """The stylesheet after the report's that makes `part`, laid out alone, print as it does
    in the whole report: no page number (`report_pdf` stamps them on the joined PDF), the
    running head on every page but the report's first, and the contents' page numbers (anchor
    -> page) as given."""
    rules = ["@page { @bottom-center { content: none; } }"]
    if part.name != FRONT:
        running = _css_string(running_head)
        rules = [
            f"@page {{ @top-left {{ content: {running}; }} @bottom-center {{ content: none; }} }}",
            f"@page :first {{ @top-left {{ content: {running}; }} "
            "@top-right { content: string(section-running); } "
            "@bottom-center { content: none; } }",
        ]
    for anchor, number in sorted((contents_pages or {}).items()):
        target = _css_string(LINK_BASE + "#" + anchor)
        entry = f'.contents a[href={target}]::after {{ content: leader(".") " {number}"; }}'
        rules.append(f"@media print {{ {entry} }}")
    return "\n".join(rules) + "\n"


__all__ = ["FRONT", "LINK_BASE", "PrintCut", "PrintPart", "cut", "print_rules"]
