"""report.pdf: reused when nothing it shows changed, else laid out (WeasyPrint).

The published report.pdf is copied when the new report.html is byte-identical to the published
one and the print code is the same (`render.printer_digest`, recorded in the manifest). Else
it is written in this process, or by PDF workers (`pool.PdfWorkers`): then the stage yields the
job's future and the build pauses (`Build.stages()`), so that a batch runs the next force's
notebooks meanwhile.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Generator
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.pipeline.plan import BuildPlan
from helpers.pipeline.progress import BuildLog, BuildRecord, short, step

if TYPE_CHECKING:
    from helpers.pipeline.incremental import PdfPartCache
    from helpers.pipeline.pool import PdfWorkers

# A part of a build that may pause for a job in another process (the PDF, in a batch).
Stages = Generator["Future[Any]", None, None]


def _reusable(plan: BuildPlan, report: str, previous: dict[str, Any]) -> dict[str, Any] | None:
    """The published PDF's manifest record, if that PDF is what `report` would print."""
    from helpers.present import render

    old_pdf = (previous.get("report") or {}).get("pdf")
    published = plan.target / "report.html"
    if (
        plan.options.cache
        and old_pdf
        and (plan.target / "report.pdf").is_file()
        and published.is_file()
        and old_pdf.get("printer") == render.printer_digest()
        and report.encode("utf-8") == published.read_bytes()
    ):
        return dict(old_pdf)
    return None


def _parts(info: Any) -> str:
    laid, reused = info.parts_laid_out, info.parts_reused
    if laid + reused <= 1:
        return "laid out as one document"
    if not reused:
        return f"{laid} parts laid out"
    return f"{laid} of {laid + reused} parts laid out, {reused} unchanged"


def make_pdf(
    plan: BuildPlan,
    staging: Path,
    report: str,
    previous: dict[str, Any],
    log: BuildLog,
    record: BuildRecord,
    workers: PdfWorkers | None,
    parts: PdfPartCache | None = None,
) -> Stages:
    """report.pdf in `staging` (`record.pdf` its `PdfInfo`), reused, written here, or (given
    `workers`) by them while the build pauses."""
    from helpers.present import render

    record.pdf = None
    if not plan.options.pdf:
        log.say(log.line("report.pdf", "skipped", None, "--no-pdf: HTML only"))
        return
    old_pdf = _reusable(plan, report, previous)
    if old_pdf is not None:
        started = time.perf_counter()
        shutil.copyfile(plan.target / "report.pdf", staging / "report.pdf")
        record.pdf = render.PdfInfo(
            pages=old_pdf["pages"],
            page_size_mm=tuple(old_pdf["page_size_mm"]),
            bookmarks=[(1, "")] * int(old_pdf["bookmarks"]),
            variant=old_pdf["variant"],
        )
        seconds = time.perf_counter() - started
        log.say(log.line("report.pdf", "reused", seconds, "report.html unchanged"))
        return
    if workers is None:
        with step(log, record, "report.pdf"):
            info = render.write_pdf(report, staging / "report.pdf", base_url=staging, store=parts)
        log.detail(f"    pdf: {_parts(info)}")
    else:
        job = workers.submit(report, staging / "report.pdf", str(staging), parts)
        waited = time.perf_counter()
        yield job
        try:
            info, seconds = job.result()
        except Exception as exc:
            seconds = time.perf_counter() - waited
            record.timings["report.pdf"] = round(seconds, 3)
            log.say(log.line("report.pdf", "FAILED", seconds))  # why: the failure summary
            log.detail(f"    report.pdf: {short(exc)}")
            raise
        # The PDF worker's own time, not the time this build waited for it.
        record.timings["report.pdf"] = round(seconds, 3)
        log.say(log.line("report.pdf", "done", seconds, f"in a PDF worker; {_parts(info)}"))
    record.pdf = info
    for message in info.warnings:
        log.detail(f"    pdf: {message}")
    log.detail(
        f"    pdf: {info.pages} pages, {info.page_size_mm[0]} x "
        f"{info.page_size_mm[1]} mm, {len(info.bookmarks)} bookmarks, "
        f"variant {info.variant or 'plain PDF'}"
    )


__all__ = ["Stages", "make_pdf"]
