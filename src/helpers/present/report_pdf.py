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

import hashlib
import logging
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from helpers.core.exceptions import RenderError
from helpers.present import pdf_join
from helpers.present.pdf_join import Place
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


@dataclass(frozen=True)
class _PartJob:
    """One part to lay out and write, in whichever process: its document, the report's
    stylesheet and the part's own rules after it, and the PDF variant (None: untagged)."""

    name: str
    document: str
    rules: str
    stylesheet: str
    base_url: str | None
    variant: str | None
    target: Path

    @property
    def key(self) -> str:
        """What decides the part's PDF: the print code, the variant, the stylesheets, the part."""
        digest = hashlib.sha256(f"{printer_digest()} {self.variant}\n".encode())
        for text in (self.stylesheet, self.rules, self.document):
            digest.update(hashlib.sha256(text.encode("utf-8")).digest())
        return digest.hexdigest()


def _fetcher() -> Any:
    """Nothing fetched from a network (only data: URIs), so that a stray external reference
    cannot hang an offline build."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, timeout=1)


@lru_cache(maxsize=1)
def _fonts() -> Any:
    """One font configuration per process for every part it lays out: a new one per document
    loads Fontconfig's configuration again and starts Pango's caches cold."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@lru_cache(maxsize=2)
def _parsed(stylesheet: str, base_url: str | None) -> Any:
    """The report's stylesheet parsed once per process, for every part it lays out."""
    import weasyprint

    return weasyprint.CSS(
        string=stylesheet, base_url=base_url, url_fetcher=_fetcher(), font_config=_fonts()
    )


def _lay_out(job: _PartJob) -> tuple[PartLayout, list[str]]:
    """`job`'s part laid out and written to `job.target`; its layout and WeasyPrint's warnings."""
    import weasyprint

    with _weasyprint_warnings() as warnings:
        html = weasyprint.HTML(string=job.document, base_url=job.base_url, url_fetcher=_fetcher())
        sheets = [_parsed(job.stylesheet, job.base_url)]
        if job.rules:
            sheets.append(weasyprint.CSS(string=job.rules))
        result = html.render(
            stylesheets=sheets, pdf_tags=job.variant is not None, font_config=_fonts()
        )
        if not result.pages:
            raise RenderError(f"WeasyPrint laid out no page for the part {job.name!r}")
        result.write_pdf(job.target, **({"pdf_variant": job.variant} if job.variant else {}))
    return _layout(result), list(warnings)


# Fewer parts than this are laid out in this process: starting processes would cost more.
_PARALLEL_FROM = 4


def _lay_out_all(jobs: Sequence[_PartJob], processes: int) -> list[tuple[PartLayout, list[str]]]:
    """Every job laid out, in `processes` forked processes when there are enough (a cold
    build), the longest first so that the processes finish together; results in job order."""
    if processes <= 1 or len(jobs) < _PARALLEL_FROM:
        return [_lay_out(job) for job in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i].document))
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(min(processes, len(jobs)), mp_context=context) as pool:
        done = dict(zip(order, pool.map(_lay_out, [jobs[i] for i in order]), strict=True))
    return [done[i] for i in range(len(jobs))]


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
    page: str,
    target: Path,
    *,
    base_url: str | None,
    variant: str,
    store: PartStore | None,
    work: Path,
    processes: int,
) -> PdfInfo:
    printed: PrintCut = cut(printable(page))
    files: dict[str, Path] = {}
    layouts: dict[str, PartLayout] = {}
    warnings: list[str] = []
    laid_out = reused = 0

    def job(part: PrintPart, rules: str, *, tagged: bool = True) -> _PartJob:
        return _PartJob(
            part.name,
            part.document,
            rules,
            printed.stylesheet,
            base_url,
            variant if tagged else None,
            work / f"{part.name}.{len(files) + laid_out}.pdf",
        )

    def lay_out(jobs: Sequence[_PartJob], processes: int = 1) -> None:
        """Each job's part from the store, or laid out (and stored)."""
        nonlocal laid_out, reused
        missing = []
        for each in jobs:
            found = store.pdf_part(each.name, each.key) if store is not None else None
            if found is None:
                missing.append(each)
            else:
                files[each.name], layouts[each.name] = found
                reused += 1
        for each, (layout, said) in zip(missing, _lay_out_all(missing, processes), strict=True):
            files[each.name], layouts[each.name] = each.target, layout
            warnings.extend(said)
            laid_out += 1
            if store is not None:
                store.store_pdf_part(each.name, each.key, each.target, layout)

    front, rest = printed.parts[0], printed.parts[1:]
    lay_out([job(part, print_rules(part, printed.running_head)) for part in rest], processes)
    # The front's pages come before every number it prints: assume two, check, and lay it
    # out again in the rare case that the contents ran onto a third page.
    front_pages = 2
    for _attempt in range(3):
        pages = _contents_pages(printed, layouts, front_pages)
        lay_out([job(front, print_rules(front, printed.running_head, pages))])
        if layouts[FRONT].pages == front_pages:
            break
        front_pages = layouts[FRONT].pages
        del files[FRONT], layouts[FRONT]
    else:
        raise RenderError("the contents pages did not settle on a number of pages")
    anchors, bookmarks, total = _placed(printed.parts, layouts, 0)
    numbers = PrintPart(PAGE_NUMBERS, _page_numbers_document(total))
    lay_out([job(numbers, _HEADS_OFF, tagged=False)])
    missing = pdf_join.join(
        [files[part.name] for part in printed.parts],
        files[PAGE_NUMBERS],
        target,
        anchors=anchors,
        bookmarks=bookmarks,
    )
    warnings += [f"a link points at #{name}, which is nowhere in the report" for name in missing]
    return PdfInfo(
        pages=total,
        page_size_mm=layouts[FRONT].page_size_mm,
        bookmarks=[(level, label) for level, label, _place in bookmarks],
        variant=variant,
        warnings=warnings,
        parts_laid_out=laid_out,
        parts_reused=reused,
    )


def _placed(
    parts: Sequence[PrintPart], layouts: dict[str, PartLayout], start: int
) -> tuple[dict[str, Place], list[tuple[int, str, Place]], int]:
    """The parts' anchors (the first of a name) and bookmarks at their pages in the joined PDF,
    the first part starting at page index `start`; and the index after the last page."""
    anchors: dict[str, Place] = {}
    bookmarks: list[tuple[int, str, Place]] = []
    for part in parts:
        layout = layouts[part.name]
        for name, (number, x, y) in layout.anchors.items():
            anchors.setdefault(name, (start + number, x, y))
        bookmarks += [(lv, label, (start + p, x, y)) for lv, label, p, x, y in layout.bookmarks]
        start += layout.pages
    return anchors, bookmarks, start


def _contents_pages(
    printed: PrintCut, layouts: dict[str, PartLayout], front_pages: int
) -> dict[str, int]:
    """The page number of each contents entry, given the front's own pages."""
    anchors, _bookmarks, _end = _placed(printed.parts[1:], layouts, front_pages)
    return {name: anchors[name][0] + 1 for name in printed.contents if name in anchors}


def _whole_pdf(page: str, target: Path, base_url: str | None, variant: str | None) -> PdfInfo:
    """The report laid out as one document: what a batch of forces writes (nothing of it can
    be reused, and its cores are busy: one layout costs the least), and the fallback when the
    parts cannot be made."""
    import weasyprint

    html = weasyprint.HTML(string=printable(page), base_url=base_url, url_fetcher=_fetcher())
    document = html.render(pdf_tags=variant is not None)
    if not document.pages:
        raise RenderError("WeasyPrint produced a PDF with no pages")
    document.write_pdf(target, **({"pdf_variant": variant} if variant else {}))
    layout = _layout(document)
    return PdfInfo(
        pages=layout.pages,
        page_size_mm=layout.page_size_mm,
        bookmarks=[(level, label) for level, label, *_place in layout.bookmarks],
        variant=variant,
        parts_laid_out=1,
    )


def write_pdf(
    page: str,
    target: Path,
    *,
    base_url: str | Path | None = None,
    variant: str | None = PDF_VARIANT,
    store: PartStore | None = None,
    processes: int = 1,
) -> PdfInfo:
    """`page` (the assembled report.html) printed to `target`.

    Given a `store` or more than one process, part by part (module doc): each part whose
    document is unchanged reused from `store`, the others laid out in up to `processes`
    processes. Else as one document (a batch's PDF workers: nothing to reuse, no core free).
    The tagged PDF/UA-1 variant is tried first; if it cannot be made, the report is written as
    one plain PDF and the reason recorded in `warnings`.
    """
    base = str(base_url) if base_url is not None else None
    by_parts = variant is not None and (store is not None or processes > 1)
    with _weasyprint_warnings() as warnings, tempfile.TemporaryDirectory() as work:
        info = None
        if by_parts:
            try:
                info = _parts_pdf(
                    page,
                    target,
                    base_url=base,
                    variant=variant,
                    store=store,
                    work=Path(work),
                    processes=processes,
                )
            except RenderError:
                raise
            except Exception as exc:  # the whole document, laid out at once, still prints
                warnings.append(
                    f"report.pdf could not be made part by part ({type(exc).__name__}: {exc}); "
                    "laid out as one document"
                )
        if info is None:
            try:
                info = _whole_pdf(page, target, base, variant)
            except RenderError:
                raise
            except Exception as exc:  # any failure of the variant falls back to a plain PDF
                if variant is None:
                    raise
                warnings.append(
                    f"PDF variant {variant} failed ({type(exc).__name__}: {exc}); wrote a plain PDF"
                )
                info = _whole_pdf(page, target, base, None)
    # Each part's layout repeats the stylesheet's warnings: build.log says each once.
    info.warnings = list(dict.fromkeys([*warnings, *info.warnings]))
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
