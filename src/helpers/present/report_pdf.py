"""report.pdf: the report laid out by WeasyPrint one part at a time, parts reused when unchanged.

The printed report (`print_form.printable`) is cut at its forced page breaks (`print_parts`).
Each part is laid out alone and written as a tagged PDF, unless a `PartStore` (the build cache)
holds the PDF of a part with the same document, which is then reused: after a narrative edit
only the edited section and the front (title and contents, which carry the build's date and
every section's page number) are laid out again. The parts are joined into one tagged PDF
(`pdf_join`) and every page numbered from a small document of page numbers, so that a part's
PDF never depends on the page it starts on.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from helpers.core.exceptions import RenderError
from helpers.present.print_form import printable
from helpers.present.print_parts import FRONT, PrintCut, PrintPart, cut, print_rules

# The PDF variant tried first; plain PDF if WeasyPrint cannot make it (see `write_pdf`).
PDF_VARIANT = "pdf/ua-1"
PAGE_NUMBERS = "page-numbers"
_PX_TO_PT = 0.75
_PX_TO_MM = 25.4 / 96


@dataclass
class PdfInfo:
    """What the PDF step made: pages, bookmarks (flattened, in order), the PDF variant, and
    the parts laid out (the rest were reused)."""

    pages: int
    page_size_mm: tuple[float, float]
    bookmarks: list[tuple[int, str]]  # (level, label)
    variant: str | None
    warnings: list[str] = field(default_factory=list)
    parts_laid_out: int = 0
    parts_reused: int = 0


@dataclass(frozen=True)
class PartLayout:
    """Where a part's anchors and bookmarks fall in its own PDF (page in the part, x, y in PDF
    points from the page's lower left), and its pages: what the join needs besides the file."""

    pages: int
    page_size_mm: tuple[float, float]
    anchors: dict[str, tuple[int, float, float]]
    bookmarks: tuple[tuple[int, str, int, float, float], ...]  # level, label, page, x, y

    def to_json(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "page_size_mm": list(self.page_size_mm),
            "anchors": {k: list(v) for k, v in self.anchors.items()},
            "bookmarks": [list(b) for b in self.bookmarks],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PartLayout:
        return cls(
            pages=int(data["pages"]),
            page_size_mm=(float(data["page_size_mm"][0]), float(data["page_size_mm"][1])),
            anchors={k: (int(p), float(x), float(y)) for k, (p, x, y) in data["anchors"].items()},
            bookmarks=tuple(
                (int(level), str(label), int(p), float(x), float(y))
                for level, label, p, x, y in data["bookmarks"]
            ),
        )


class PartStore(Protocol):
    """Where part PDFs are kept between builds (the build cache: `pipeline.incremental`)."""

    def pdf_part(self, name: str, key: str) -> tuple[Path, PartLayout] | None: ...

    def store_pdf_part(self, name: str, key: str, pdf: Path, layout: PartLayout) -> None: ...


@lru_cache(maxsize=1)
def printer_digest() -> str:
    """What a PDF depends on besides report.html: the modules that print it (the print form,
    the cut into parts, this module, the join) and WeasyPrint's and pikepdf's versions. A
    build reuses report.pdf, or a part of it, only when all are unchanged."""
    from importlib.metadata import version

    from helpers.present import pdf_join, print_form, print_parts

    modules = (print_form, print_parts, pdf_join)
    source = Path(__file__).read_bytes() + b"".join(Path(m.__file__).read_bytes() for m in modules)  # type: ignore[arg-type]
    versions = f"weasyprint {version('weasyprint')} pikepdf {version('pikepdf')}"
    return hashlib.sha256(source + versions.encode()).hexdigest()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _weasyprint_warnings() -> Iterator[list[str]]:
    """WeasyPrint warns through logging (unknown CSS in notebook output, refused fetches):
    collect it for build.log rather than printing it between the build's progress lines."""
    handler = _Collect()
    loggers = [logging.getLogger("weasyprint"), logging.getLogger("weasyprint.progress")]
    saved = [(lg, lg.propagate) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.propagate = False
    try:
        yield handler.messages
    finally:
        for lg, propagate in saved:
            lg.removeHandler(handler)
            lg.propagate = propagate


def _layout(document: Any) -> PartLayout:
    first = document.pages[0]
    anchors = {}
    for number, page in enumerate(document.pages):
        for name, (x, y, *_box) in page.anchors.items():
            anchors.setdefault(name, (number, x * _PX_TO_PT, (page.height - y) * _PX_TO_PT))
    return PartLayout(
        pages=len(document.pages),
        page_size_mm=(round(first.width * _PX_TO_MM, 1), round(first.height * _PX_TO_MM, 1)),
        anchors=anchors,
        # Each page's own list: its levels as the CSS gives them (the document's tree would
        # make a part's first bookmark level 1 whatever its level in the whole report).
        bookmarks=tuple(
            (level, label, number, x * _PX_TO_PT, (page.height - y) * _PX_TO_PT)
            for number, page in enumerate(document.pages)
            for level, label, (x, y), _state in page.bookmarks
        ),
    )


class _Printer:
    """Lays out documents with WeasyPrint under the report's stylesheet (parsed once), fetching
    nothing from a network (only data: URIs), so that a stray external reference cannot hang
    an offline build."""

    def __init__(self, base_url: str | Path | None, variant: str | None, stylesheet: str) -> None:
        import weasyprint
        from weasyprint.urls import URLFetcher

        self.base_url = str(base_url) if base_url is not None else None
        self.variant = variant
        self.fetcher = URLFetcher(allowed_protocols={"data"}, timeout=1)
        self.stylesheet = stylesheet
        self.css = weasyprint.CSS(
            string=stylesheet, base_url=self.base_url, url_fetcher=self.fetcher
        )

    def key(self, document: str, rules: str, *, tagged: bool) -> str:
        """What decides a part's PDF: the print code, the variant, the stylesheets, the part."""
        digest = hashlib.sha256(f"{printer_digest()} {self.variant if tagged else None}\n".encode())
        for text in (self.stylesheet, rules, document):
            digest.update(hashlib.sha256(text.encode("utf-8")).digest())
        return digest.hexdigest()

    def render(self, document: str, rules: str = "", *, tagged: bool = True) -> Any:
        import weasyprint

        html = weasyprint.HTML(string=document, base_url=self.base_url, url_fetcher=self.fetcher)
        sheets = [self.css, weasyprint.CSS(string=rules)] if rules else [self.css]
        return html.render(stylesheets=sheets, pdf_tags=tagged and self.variant is not None)

    def write(self, laid_out: Any, target: Path, *, tagged: bool = True) -> None:
        variant = self.variant if tagged else None
        laid_out.write_pdf(target, **({"pdf_variant": variant} if variant else {}))


def _page_numbers_document(pages: int) -> str:
    """`pages` empty pages: with the report's @page rules, what each page's number is drawn
    from."""
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><title>Page numbers</title></head><body>'
        + '<div style="break-before: page"></div>' * pages
        + "</body></html>"
    )


_HEADS_OFF = "@page { @top-left { content: none; } @top-right { content: none; } }\n"


def _parts_pdf(
    page: str, target: Path, printer_for: Any, store: PartStore | None, work: Path
) -> PdfInfo:
    printed: PrintCut = cut(printable(page))
    printer: _Printer = printer_for(printed.stylesheet)
    files: dict[str, Path] = {}
    layouts: dict[str, PartLayout] = {}
    laid_out = reused = 0

    def made(part: PrintPart, rules: str, *, tagged: bool = True) -> None:
        nonlocal laid_out, reused
        key = printer.key(part.document, rules, tagged=tagged)
        found = store.pdf_part(part.name, key) if store is not None else None
        if found is not None:
            files[part.name], layouts[part.name] = found
            reused += 1
            return
        result = printer.render(part.document, rules, tagged=tagged)
        if not result.pages:
            raise RenderError(f"WeasyPrint laid out no page for the part {part.name!r}")
        path = work / f"{len(files):02d}-{part.name}.pdf"
        printer.write(result, path, tagged=tagged)
        files[part.name], layouts[part.name] = path, _layout(result)
        laid_out += 1
        if store is not None:
            store.store_pdf_part(part.name, key, path, layouts[part.name])

    front, rest = printed.parts[0], printed.parts[1:]
    for part in rest:
        made(part, print_rules(part, printed.running_head))
    # The front's pages come before every number it prints: assume two, check, and lay it
    # out again in the rare case that the contents ran onto a third page.
    front_pages = 2
    for _attempt in range(3):
        pages = _contents_pages(printed, layouts, front_pages)
        made(front, print_rules(front, printed.running_head, pages))
        if layouts[FRONT].pages == front_pages:
            break
        front_pages = layouts[FRONT].pages
        del files[FRONT], layouts[FRONT]
    else:
        raise RenderError("the contents pages did not settle on a number of pages")
    starts, total = {}, 0
    for part in printed.parts:
        starts[part.name] = total
        total += layouts[part.name].pages
    numbers = PrintPart(PAGE_NUMBERS, _page_numbers_document(total))
    made(numbers, _HEADS_OFF, tagged=False)
    anchors, bookmarks = {}, []
    for part in printed.parts:
        layout, start = layouts[part.name], starts[part.name]
        for name, (number, x, y) in layout.anchors.items():
            anchors.setdefault(name, (start + number, x, y))
        bookmarks += [(lv, label, (start + p, x, y)) for lv, label, p, x, y in layout.bookmarks]
    from helpers.present import pdf_join

    missing = pdf_join.join(
        [files[part.name] for part in printed.parts],
        files[PAGE_NUMBERS],
        target,
        anchors=anchors,
        bookmarks=bookmarks,
    )
    warnings = [f"a link points at #{name}, which is nowhere in the report" for name in missing]
    return PdfInfo(
        pages=total,
        page_size_mm=layouts[FRONT].page_size_mm,
        bookmarks=[(level, label) for level, label, _place in bookmarks],
        variant=printer.variant,
        warnings=warnings,
        parts_laid_out=laid_out,
        parts_reused=reused,
    )


def _contents_pages(
    printed: PrintCut, layouts: dict[str, PartLayout], front_pages: int
) -> dict[str, int]:
    """The page of each contents entry, given the front's own pages."""
    page_of: dict[str, int] = {}
    start = front_pages
    for part in printed.parts[1:]:
        for name, (number, _x, _y) in layouts[part.name].anchors.items():
            page_of.setdefault(name, start + number + 1)
        start += layouts[part.name].pages
    return {name: page_of[name] for name in printed.contents if name in page_of}


def _whole_pdf(page: str, target: Path, base_url: str | Path | None) -> PdfInfo:
    """The report laid out as one untagged document (the fallback when the tagged variant
    cannot be made)."""
    document = _Printer(base_url, None, "").render(printable(page), tagged=False)
    if not document.pages:
        raise RenderError("WeasyPrint produced a PDF with no pages")
    document.write_pdf(target)
    layout = _layout(document)
    return PdfInfo(
        pages=layout.pages,
        page_size_mm=layout.page_size_mm,
        bookmarks=[(level, label) for level, label, *_place in layout.bookmarks],
        variant=None,
        parts_laid_out=1,
    )


def write_pdf(
    page: str,
    target: Path,
    *,
    base_url: str | Path | None = None,
    variant: str | None = PDF_VARIANT,
    store: PartStore | None = None,
) -> PdfInfo:
    """`page` (the assembled report.html) printed to `target`, part by part (module doc),
    reusing from `store` each part whose document is unchanged.

    The tagged PDF/UA-1 variant is tried first; if WeasyPrint cannot make it the report is
    written as one plain PDF and the reason recorded in `warnings`.
    """
    with _weasyprint_warnings() as warnings, tempfile.TemporaryDirectory() as work:
        if variant is None:
            info = _whole_pdf(page, target, base_url)
        else:
            try:
                printer = functools.partial(_Printer, base_url, variant)
                info = _parts_pdf(page, target, printer, store, Path(work))
            except RenderError:
                raise
            except Exception as exc:  # any failure of the variant falls back to a plain PDF
                warnings.append(
                    f"PDF variant {variant} failed ({type(exc).__name__}: {exc}); wrote a plain PDF"
                )
                info = _whole_pdf(page, target, base_url)
    info.warnings = [*warnings, *info.warnings]
    return info


__all__ = [
    "PAGE_NUMBERS",
    "PDF_VARIANT",
    "PartLayout",
    "PartStore",
    "PdfInfo",
    "printer_digest",
    "write_pdf",
]
