"""Incremental builds: what a build may reuse from earlier builds, keyed on content.

Nothing here looks at a timestamp. Every reusable product is stored under a key that is the
SHA-256 of everything that decides it (helpers.pipeline.hashing makes them all), so a stale
product can never be found:

============================  ==================================================================
product                       key (besides the project's helpers source and measure catalogue)
============================  ==================================================================
checked inputs                every input file's SHA-256, settings, quarter asked for, force,
(validation + preflight)      sections: the build skips validation when the same files passed
measures.csv and the          the same, and the resolved quarter
measure results (pickle)
executed notebook             `hashing.section_cache_key`: the notebook, its parameters, the input
                              files, helpers, catalogue. NOT the narrative: the narrative parts
                              of a page are re-rendered from the files at render time
                              (`report.refresh_narrative_outputs`)
HTML fragment                 the executed notebook's key, the narrative files it shows, the
                              page templates
report.pdf                    reused from the published report when the new report.html is
                              byte-identical to the published one
report.pdf's parts           each part's document as it is laid out alone (`report_pdf`): the
(helpers.present.report_pdf)  part's HTML, its running head, the contents' page numbers, the
                              print code (`render.printer_digest`); reused part by part, so
                              that a narrative edit lays out one section and the front again
report.ods                    its tables (measures.csv, the changes, every table the notebooks
                              showed), its cover and the writer's source
                              (`publication.write_report_ods`)
============================  ==================================================================

The cache lives in ``<outputs>/.cache/`` (``make clean`` removes it; deleting it only makes the
next build cold)::

    .cache/checks/<key>.json
    .cache/measures/<quarter>/<force slug>/<key>.csv, <key>.pkl
    .cache/notebooks/<quarter>/<force slug>/<nn_section>.<key>.ipynb
    .cache/fragments/<quarter>/<force slug>/<nn_section>.<key>.html
    .cache/ods/<quarter>/<force slug>/report.<key>.ods
    .cache/pdf-parts/<quarter>/<force slug>/<part>.<key>.pdf, <part>.<key>.json

Each folder keeps the newest `KEEP` entries per name, so the cache stays about the size of two
reports per force and quarter. Writes are atomic (a temporary file renamed into place), so a
killed build leaves no half-written entry, and two builds of different forces share it safely.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from helpers.present.report_pdf import PartLayout

CACHE_DIR = ".cache"
KEEP = 2


def _atomic_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _atomic_write(data: bytes, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class BuildCache:
    """The content-addressed store of one outputs folder (`<outputs>/.cache`)."""

    def __init__(self, outputs_root: Path, enabled: bool = True):
        self.root = Path(outputs_root) / CACHE_DIR
        self.enabled = enabled

    # ----- generic
    def _get(self, path: Path) -> Path | None:
        if not self.enabled or not path.is_file():
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # newest used = last pruned
        return path

    def _prune(self, folder: Path, stem: str) -> None:
        """Keep the newest `KEEP` entries named `<stem>.<key>.*` in `folder`."""
        entries: dict[str, float] = {}
        for path in folder.glob(f"{stem}.*"):
            key = path.name[len(stem) + 1 :].split(".")[0]
            with contextlib.suppress(OSError):
                entries[key] = max(entries.get(key, 0.0), path.stat().st_mtime)
        for key in sorted(entries, key=entries.__getitem__, reverse=True)[KEEP:]:
            for path in folder.glob(f"{stem}.{key}.*"):
                with contextlib.suppress(OSError):
                    path.unlink()

    # ----- checked inputs
    def checks(self, key: str) -> dict[str, Any] | None:
        path = self._get(self.root / "checks" / f"{key}.json")
        if path is None:
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def store_checks(self, key: str, value: Mapping[str, Any]) -> None:
        if self.enabled:
            data = json.dumps(value, sort_keys=True, indent=1).encode()
            _atomic_write(data, self.root / "checks" / f"{key}.json")

    # ----- measures
    def _measures_dir(self, quarter: str, slug: str) -> Path:
        return self.root / "measures" / quarter / slug

    def measures(self, quarter: str, slug: str, key: str) -> tuple[Path, Path] | None:
        folder = self._measures_dir(quarter, slug)
        csv = self._get(folder / f"m.{key}.csv")
        results = self._get(folder / f"m.{key}.pkl")
        return (csv, results) if csv is not None and results is not None else None

    def store_measures(self, quarter: str, slug: str, key: str, csv: Path, results: Path) -> None:
        if not self.enabled:
            return
        folder = self._measures_dir(quarter, slug)
        _atomic_copy(results, folder / f"m.{key}.pkl")
        _atomic_copy(csv, folder / f"m.{key}.csv")
        self._prune(folder, "m")

    # ----- executed notebooks and their HTML
    def _dir(self, kind: str, quarter: str, slug: str) -> Path:
        return self.root / kind / quarter / slug

    def notebook(self, quarter: str, slug: str, stem: str, key: str) -> Path | None:
        return self._get(self._dir("notebooks", quarter, slug) / f"{stem}.{key}.ipynb")

    def store_notebook(self, quarter: str, slug: str, stem: str, key: str, source: Path) -> None:
        if self.enabled:
            folder = self._dir("notebooks", quarter, slug)
            _atomic_copy(source, folder / f"{stem}.{key}.ipynb")
            self._prune(folder, stem)

    def fragment(self, quarter: str, slug: str, stem: str, key: str) -> str | None:
        path = self._get(self._dir("fragments", quarter, slug) / f"{stem}.{key}.html")
        return None if path is None else path.read_text(encoding="utf-8")

    def store_fragment(self, quarter: str, slug: str, stem: str, key: str, text: str) -> None:
        if self.enabled:
            folder = self._dir("fragments", quarter, slug)
            _atomic_write(text.encode("utf-8"), folder / f"{stem}.{key}.html")
            self._prune(folder, stem)

    # ----- report.ods
    def ods(self, quarter: str, slug: str, key: str) -> Path | None:
        return self._get(self._dir("ods", quarter, slug) / f"report.{key}.ods")

    def store_ods(self, quarter: str, slug: str, key: str, source: Path) -> None:
        if self.enabled:
            folder = self._dir("ods", quarter, slug)
            _atomic_copy(source, folder / f"report.{key}.ods")
            self._prune(folder, "report")

    # ----- report.pdf's parts
    def pdf_parts(self, quarter: str, slug: str) -> PdfPartCache:
        """The store `render.write_pdf` reuses one report's PDF parts from."""
        return PdfPartCache(self, self._dir("pdf-parts", quarter, slug))


@dataclass(frozen=True)
class PdfPartCache:
    """One report's PDF parts in the cache (`report_pdf.PartStore`); picklable, for a PDF
    worker."""

    cache: BuildCache
    folder: Path

    def pdf_part(self, name: str, key: str) -> tuple[Path, PartLayout] | None:
        from helpers.present.report_pdf import PartLayout

        pdf = self.cache._get(self.folder / f"{name}.{key}.pdf")
        facts = self.cache._get(self.folder / f"{name}.{key}.json")
        if pdf is None or facts is None:
            return None
        try:
            return pdf, PartLayout.from_json(json.loads(facts.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store_pdf_part(self, name: str, key: str, pdf: Path, layout: PartLayout) -> None:
        if not self.cache.enabled:
            return
        _atomic_copy(pdf, self.folder / f"{name}.{key}.pdf")
        facts = json.dumps(layout.to_json(), sort_keys=True).encode()
        _atomic_write(facts, self.folder / f"{name}.{key}.json")  # written last: marks it whole
        self.cache._prune(self.folder, name)


__all__ = [
    "CACHE_DIR",
    "BuildCache",
    "PdfPartCache",
]
