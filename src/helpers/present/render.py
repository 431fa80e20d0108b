"""HTML pages and the PDF of the report, made from executed section notebooks.

A reviewer sees no code unless they ask: nbconvert's HTML exporter runs in-process (no `jupyter
nbconvert` start-up per notebook) with prompts excluded and each code cell's source in a
<details class="show-code"> that the page shows only when its one "Show the code" switch is on
(no script needed; hidden in print), and each notebook's HTML becomes a
*fragment* placed in the project's own page templates (`templates/*.html.j2`, `report.css`). Every
page is self-contained: CSS inline, images already data URIs or inline SVG, no script or font
from a network (police networks are closed). The PDF is made once, from the assembled report,
by WeasyPrint.
"""

from __future__ import annotations

import html as html_lib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from helpers.core.paths import TEMPLATES_DIR
from helpers.core.quarters import FinancialQuarter
from helpers.present.print_form import INPUT_FILES_CAPTION as INPUT_FILES_CAPTION
from helpers.present.print_form import SPREADSHEET
from helpers.present.print_form import print_svg as print_svg
from helpers.present.print_form import printable as printable
from helpers.present.report_pdf import PDF_VARIANT as PDF_VARIANT
from helpers.present.report_pdf import PdfInfo as PdfInfo
from helpers.present.report_pdf import printer_digest as printer_digest
from helpers.present.report_pdf import write_pdf as write_pdf

REPORT_TITLE = "Performance Report"
LANG = "en-GB"
GENERATOR = "police-performance-report (helpers.pipeline.build)"
# Cells the reader never sees: papermill's parameter cells, and the usual Jupyter tags.
REMOVE_CELL_TAGS = frozenset(
    {"parameters", "injected-parameters", "remove-cell", "remove_cell", "hide-cell"}
)
REMOVE_OUTPUT_TAGS = frozenset({"remove-output", "remove_output", "hide-output"})

_HEADING_TAG = re.compile(r"<(/?)h([1-6])(?=[\s>/])", re.IGNORECASE)
_HEADING_ELEMENT = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1\s*>", re.IGNORECASE | re.DOTALL)
_HEADING_ID = re.compile(r"(<h[1-6]\b[^>]*?\sid=\")([^\"]+)(\")", re.IGNORECASE)
_CELL_ID_ATTR = re.compile(r'\sid="cell-id=[^"]*"')
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_LEADING_NUMBER = re.compile(r"^\d+[.):]?\s+")

# ----- notebook -> fragment ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _exporter() -> Any:
    """One HTMLExporter per process: making one (templates, filters) costs more than converting."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    config.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    return HTMLExporter(
        config=config,
        extra_template_basedirs=[str(TEMPLATES_DIR / "nbconvert")],
        template_name="fragment",
        # The fragment template puts each code cell's source in a <details class="show-code">.
        exclude_input=False,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )


def read_notebook(notebook: Path | Any) -> Any:
    """An executed notebook as an `nbformat.NotebookNode` (a path is read; a node is returned)."""
    import nbformat

    if isinstance(notebook, str | Path):
        return nbformat.read(str(notebook), as_version=4)
    return notebook


def notebook_to_fragment(notebook: Path | Any) -> str:
    """The reader's view of an executed notebook as an HTML fragment: outputs and text, no
    prompts, and each code cell's source in a ``<details class="show-code">``, which the page
    shows only when its "Show the code" switch is on.

    `notebook` is a path or an `nbformat.NotebookNode`. Output written to stderr (warnings) is
    left out; `stderr_messages` lists it for the build log.
    """
    nb = _join_silent_code_cells(read_notebook(notebook))
    body, _ = _exporter().from_notebook_node(nb)
    return _CELL_ID_ATTR.sub("", body).strip()


def _join_silent_code_cells(nb: Any) -> Any:
    """A copy of `nb` in which each run of consecutive code cells without output (the steps a
    section notebook computes a measure with) is one cell: one code block for the reader,
    not one per step. Cells the reader never sees (tags) are left as they are."""
    import copy

    def silent(cell: Any) -> bool:
        tags = set(cell.get("metadata", {}).get("tags", []))
        return (
            cell.get("cell_type") == "code"
            and not cell.get("outputs")
            and not tags & (REMOVE_CELL_TAGS | REMOVE_OUTPUT_TAGS)
            and bool(str(cell.get("source", "")).strip())
        )

    cells: list[Any] = []
    for cell in nb.cells:
        if cells and silent(cell) and silent(cells[-1]):
            cells[-1].source = f"{cells[-1].source.rstrip()}\n\n{cell.source.strip()}"
            continue
        cells.append(copy.deepcopy(cell) if silent(cell) else cell)
    joined = copy.copy(nb)
    joined.cells = cells
    return joined


def stderr_messages(notebook: Path | Any) -> list[str]:
    """The text a notebook's cells wrote to stderr: kept out of the report, written to the log."""
    nb = read_notebook(notebook)
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                found.append(str(output.get("text", "")).strip())
    return [m for m in found if m]


def heading_text(html_fragment: str) -> str:
    """Visible text of a piece of HTML (tags and the nbconvert pilcrow removed)."""
    text = html_lib.unescape(_TAG.sub("", html_fragment)).replace("¶", "")
    return _SPACE.sub(" ", text).strip()


def _same_title(text: str, title: str) -> bool:
    def norm(s: str) -> str:
        return _LEADING_NUMBER.sub("", s).strip().casefold()

    return norm(text) == norm(title)


@dataclass(frozen=True)
class PreparedFragment:
    body: str
    title_id: str | None  # id of the notebook's own section heading, which the page now carries


def heading_ids(fragment: str) -> set[str]:
    return {m.group(2) for m in _HEADING_ID.finditer(fragment)}


def prepare_fragment(
    fragment: str,
    *,
    anchor: str,
    title: str,
    base_level: int,
    prefix_ids: set[str] | frozenset[str] = frozenset(),
) -> PreparedFragment:
    """Fit a notebook's HTML into a page whose section heading (level `base_level - 1`) the
    template writes.

    - A first heading that repeats the section title is dropped (the template writes it) and its
      id returned, so that links to it keep working.
    - Headings are renumbered so that the notebook's top level becomes `base_level` and no level
      is skipped (accessibility: headings in order), capped at h6.
    - Heading ids in `prefix_ids` (those that more than one assembled section uses, such as
      nbconvert's "Measures-Summary") get the prefix `anchor--`, and links to them inside the
      fragment follow. Ids used once are kept, so that links between sections still work.
    """
    title_id = None
    first = _HEADING_ELEMENT.search(fragment)
    if first and _same_title(heading_text(first.group(2)), title):
        own = _HEADING_ID.search(first.group(0))
        title_id = own.group(2) if own else None
        fragment = fragment[: first.start()] + fragment[first.end() :]

    levels = sorted({int(m.group(2)) for m in _HEADING_TAG.finditer(fragment)})
    mapping = {level: min(6, base_level + i) for i, level in enumerate(levels)}
    fragment = _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{mapping[int(m.group(2))]}", fragment)

    renamed: dict[str, str] = {}

    def rename(m: re.Match[str]) -> str:
        if m.group(2) not in prefix_ids:
            return m.group(0)
        new = f"{anchor}--{m.group(2)}"
        renamed[m.group(2)] = new
        return f"{m.group(1)}{new}{m.group(3)}"

    fragment = _HEADING_ID.sub(rename, fragment)
    if renamed:
        links = re.compile(r'href="#(' + "|".join(re.escape(k) for k in renamed) + r')"')
        fragment = links.sub(lambda m: f'href="#{renamed[m.group(1)]}"', fragment)
    if title_id in prefix_ids:
        title_id = None
    return PreparedFragment(fragment, title_id)


# ----- self-containment ------------------------------------------------------------------------

# Attributes that make a browser (or WeasyPrint) fetch something. A hyperlink (<a href>) is not
# a request and may point anywhere; a resource must be a data: URI or an in-page #fragment.
_RESOURCE_ATTR = re.compile(
    r"<(script|img|iframe|embed|source|audio|video|track|input|object|link|image|use|feimage)\b"
    r"[^>]*?\s(src|href|xlink:href|data|poster|srcset)\s*=\s*([\"'])(.*?)\3",
    re.IGNORECASE | re.DOTALL,
)
_CSS_URL = re.compile(r"url\(\s*([\"']?)([^)\"']*)\1\s*\)|@import\s+([\"'])(.*?)\3", re.IGNORECASE)


def _is_local(value: str) -> bool:
    v = value.strip()
    return v.startswith(("data:", "#")) or v == ""


def find_external_resources(page: str) -> list[str]:
    """Every resource a page would have to fetch (script, stylesheet, font, image, frame).

    An empty list means the page works offline, on its own, wherever it is copied.
    """
    found = []
    for m in _RESOURCE_ATTR.finditer(page):
        element, attribute, value = m.group(1).lower(), m.group(2).lower(), m.group(4)
        if element == "link" and attribute == "href":
            found.append(f"<link href={value!r}>")
        elif attribute == "srcset":
            found.extend(
                f"<{element} srcset={part.split()[0]!r}>"
                for part in value.split(",")
                if part.strip() and not _is_local(part)
            )
        elif not _is_local(value):
            found.append(f"<{element} {attribute}={value!r}>")
    for m in _CSS_URL.finditer(page):
        value = m.group(2) if m.group(2) is not None else m.group(4)
        if value is not None and not _is_local(value):
            found.append(f"url({value!r})")
    return found


# ----- pages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageContent:
    """One section as the page templates need it: identity, place in the report, and body."""

    id: str
    number: int
    title: str
    part: str | None
    stem: str  # "01_homicide": the file name of its page and executed notebook
    fragment: str  # raw output of `notebook_to_fragment`

    @property
    def heading(self) -> str:
        """ "1. Homicide" for a numbered section, the bare title for front or back matter."""
        return f"{self.number}. {self.title}" if self.part else self.title

    @property
    def anchor(self) -> str:
        return self.id.replace("_", "-")

    @property
    def filename(self) -> str:
        return f"{self.stem}.html"


@dataclass(frozen=True)
class Masthead:
    """What every page says about the report it belongs to: its title, force, quarter, when it
    was made, and (a partial build) the only sections it holds."""

    quarter: FinancialQuarter
    force: str
    built: datetime
    partial: tuple[str, ...] = ()
    title: str = REPORT_TITLE

    @property
    def page_title(self) -> str:
        return f"{self.title}: {self.force}, {self.quarter.title}"


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def report_css() -> Any:
    """The stylesheet, marked safe for the template (it is ours, and CSS must not be escaped)."""
    from markupsafe import Markup

    return Markup((TEMPLATES_DIR / "report.css").read_text(encoding="utf-8"))


def _built_text(built: datetime) -> str:
    return f"{built.day} {built:%B %Y, %H:%M} {built.tzname() or ''}".strip()


def _common(context: Masthead, page_title: str) -> dict[str, Any]:
    return {
        "lang": LANG,
        "css": report_css(),
        "page_title": page_title,
        "report_title": context.title,
        "author": context.force,
        "description": f"{context.title} for {context.force}, {context.quarter.title}",
        "generator": GENERATOR,
        "force": context.force,
        "quarter_title": context.quarter.title,
        "window_label": context.quarter.window_label(12),
        "running_title": f"{context.title}: {context.force}, {context.quarter.short_label}",
        "built_iso": context.built.isoformat(timespec="seconds"),
        "built_text": _built_text(context.built),
        "partial": list(context.partial),
        "plan_name": _plan_name(context.force),
    }


def _plan_name(force: str) -> str | None:
    """The name of the force's Police and Crime Plan (params/report.yaml), for the title page."""
    from helpers.core.plan import police_and_crime_plan

    plan = police_and_crime_plan(force)
    return plan.name if plan is not None else None


@dataclass
class _View:
    """A section as a template sees it (heading level and body depend on the page)."""

    id: str
    anchor: str
    heading: str
    heading_id: str
    filename: str
    level: int
    body: Any
    previous: _View | None = None
    next: _View | None = None


def _views(sections: Sequence[PageContent], *, level_of: Any, shared: bool) -> list[_View]:
    """Template views of `sections`; `shared` when they are assembled into one page."""
    from collections import Counter

    from markupsafe import Markup

    collisions: set[str] = set()
    if shared:
        counts = Counter(i for s in sections for i in heading_ids(s.fragment))
        own = {s.anchor for s in sections} | {f"{s.anchor}-title" for s in sections}
        collisions = {i for i, n in counts.items() if n > 1} | (set(counts) & own)
    views = []
    for s in sections:
        level = level_of(s)
        prepared = prepare_fragment(
            s.fragment, anchor=s.anchor, title=s.title, base_level=level + 1, prefix_ids=collisions
        )
        heading_id = prepared.title_id or f"{s.anchor}-title"
        views.append(
            _View(s.id, s.anchor, s.heading, heading_id, s.filename, level, Markup(prepared.body))
        )
    for before, after in itertools.pairwise(views):
        before.next, after.previous = after, before
    return views


@dataclass
class _Group:
    part: str | None
    anchor: str
    sections: list[_View] = field(default_factory=list)


def render_report(sections: Sequence[PageContent], context: Masthead) -> str:
    """The assembled report: title page, contents, every section in the order given (grouped
    into consecutive runs of the same part), navigation between sections."""
    views = _views(sections, level_of=lambda s: 3 if s.part else 2, shared=True)
    groups: list[_Group] = []
    for s, view in zip(sections, views, strict=True):
        if not groups or groups[-1].part != s.part:
            number = sum(1 for g in groups if g.part) + 1
            groups.append(_Group(s.part, f"part-{number}" if s.part else f"matter-{len(groups)}"))
        groups[-1].sections.append(view)
    template = _environment().get_template("report.html.j2")
    return template.render(groups=groups, **_common(context, context.page_title))


def render_section_page(sections: Sequence[PageContent], index: int, context: Masthead) -> str:
    """The stand-alone page of `sections[index]` (sections/<nn>_<id>.html), linking to its
    neighbours and back to the full report."""
    views = _views(sections, level_of=lambda s: 1, shared=False)
    view = views[index]
    template = _environment().get_template("section.html.j2")
    title = f"{view.heading}: {context.page_title}"
    page = template.render(s=view, **_common(context, title))
    # The spreadsheet is beside report.html, one folder up from the section pages.
    return page.replace(f'href="{SPREADSHEET}"', f'href="../{SPREADSHEET}"')
