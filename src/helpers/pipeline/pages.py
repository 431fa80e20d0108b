"""The report's HTML from the executed notebooks: each section's fragment, the section pages and
report.html.

A fragment is the executed notebook with its narrative parts re-rendered from the files
(`report.refresh_narrative_outputs`), converted without code; it is cached on the notebook's
key, the narrative files it shows and the templates, so a narrative edit re-makes pages, not
notebooks. A report whose content has not changed keeps the time its content was made: then
report.html is byte-identical to the published one, and its PDF is reused (helpers.pipeline.pdf).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from helpers.core.exceptions import RenderError
from helpers.pipeline import hashing
from helpers.pipeline.incremental import BuildCache
from helpers.pipeline.plan import BuildPlan, PlannedNotebook
from helpers.pipeline.progress import BuildLog, BuildRecord


@dataclass(frozen=True)
class Fragments:
    """Makes sections' HTML fragments for one build (`make`), from its cache when it can."""

    plan: BuildPlan
    cache: BuildCache
    log: BuildLog
    record: BuildRecord
    # Called when a fragment is made anew: a narrative or a notebook changed, so will the PDF.
    on_change: Callable[[], None] = lambda: None

    def key(self, spec: PlannedNotebook) -> str:
        # The summary's "Before publication" list shows every section's narrative flags.
        shown = [s.id for s in self.plan.specs] if spec.id == "summary" else [spec.id]
        return hashing.digest(
            {
                "notebook": self.record.cache_keys.get(spec.id),
                "narrative": hashing.narrative_files(
                    self.plan.narrative_dir, self.plan.quarter.code, shown
                ),
                "templates": hashing.templates_digest(),
            }
        )

    def make(self, spec: PlannedNotebook, staging: Path) -> str:
        """The fragment of `spec`'s executed notebook in `staging`; a `RenderError` naming the
        section if it cannot be converted."""
        from helpers.present import render
        from helpers.present.report.refresh import refresh_narrative_outputs

        key = self.key(spec)
        quarter, slug = self.plan.quarter.code, self.plan.target.name
        cached = self.cache.fragment(quarter, slug, spec.stem, key)
        if cached is not None:
            return cached
        self.on_change()
        notebook = staging / "notebooks" / f"{spec.stem}.ipynb"
        try:
            nb = render.read_notebook(notebook)
            refresh_narrative_outputs(nb, self.plan.narrative_dir)
            fragment = render.notebook_to_fragment(nb)
        except Exception as exc:
            raise RenderError(
                f"section '{spec.id}': cannot convert {notebook.name}: {type(exc).__name__}: {exc}"
            ) from exc
        for message in render.stderr_messages(nb):
            self.log.detail(f"    {spec.id}: stderr (not in the report): {message}")
        outcome = self.record.outcomes.get(spec.id)
        if outcome is not None and outcome.ok:
            self.cache.store_fragment(quarter, slug, spec.stem, key, fragment)
        return fragment


def check_offline(page: str, name: str) -> None:
    """A `RenderError` if `page` would load anything from the network (police networks are
    closed: the report must work offline)."""
    from helpers.present.render import find_external_resources

    external = find_external_resources(page)
    if external:
        shown = ", ".join(external[:5]) + (" ..." if len(external) > 5 else "")
        raise RenderError(
            f"{name} would load {len(external)} external resource(s), which fail on a closed "
            f"network: {shown}. Embed them (data: URIs, inline SVG) instead."
        )


def section_contents(
    plan: BuildPlan, staging: Path, made: dict[str, str], fragments: Fragments
) -> list[Any]:
    """Every section's `render.PageContent`, in report order; `made` holds the fragments
    converted while the notebooks ran (taken out of it)."""
    from helpers.present.render import PageContent

    return [
        PageContent(
            s.id,
            s.number,
            s.title,
            s.part,
            s.stem,
            made.pop(s.id, None) or fragments.make(s, staging),
        )
        for s in plan.specs
    ]


def write_pages(
    plan: BuildPlan,
    staging: Path,
    contents: Sequence[Any],
    *,
    built: datetime,
    earlier: str | None,
) -> tuple[str, str]:
    """sections/*.html and report.html in `staging`; returns report.html and when its content
    was made: `earlier` (the published report's time) if that gives the published report.html
    byte for byte, else `built`."""
    from helpers.present import render

    def masthead(when: datetime) -> Any:
        return render.Masthead(
            quarter=plan.quarter,
            force=plan.force.name,
            built=when,
            partial=tuple(s.title for s in plan.specs) if plan.partial else (),
        )

    published = plan.target / "report.html"
    report = None
    if earlier and published.is_file():
        with contextlib.suppress(ValueError):
            then = datetime.fromisoformat(earlier).astimezone()
            candidate = render.render_report(contents, masthead(then))
            if candidate.encode("utf-8") == published.read_bytes():
                built, report = then, candidate
    if report is None:
        report = render.render_report(contents, masthead(built))
    (staging / "sections").mkdir()
    for index, content in enumerate(contents):
        page = render.render_section_page(contents, index, masthead(built))
        check_offline(page, f"sections/{content.filename}")
        (staging / "sections" / content.filename).write_text(page, encoding="utf-8")
    check_offline(report, "report.html")
    (staging / "report.html").write_text(report, encoding="utf-8")
    return report, built.isoformat(timespec="seconds")


__all__ = ["Fragments", "check_offline", "section_contents", "write_pages"]
