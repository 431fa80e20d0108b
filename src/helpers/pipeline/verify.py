"""`make verify`: rebuild a published report from its manifest; say whether it comes out the same.

    python -m helpers verify --manifest outputs/2025-03/avon-and-somerset/manifest.json
    python -m helpers verify --quarter 2025-03 [--force Kent]     (what `make verify` runs)

1. The manifest is read: the quarter, force, sections, data folder, narrative folder and settings
   of the build that made the report.
2. Before anything runs, every input file (and narrative file) is checked against the SHA-256 the
   manifest records, and every recorded package version against the installed one. A difference
   there is reported and nothing is rebuilt: the rebuild could not tell a changed input from a
   changed method.
3. The report is rebuilt with the same parameters (the manifest's settings, not the current
   params/report.yaml) into a temporary folder; the published report is never touched.
4. measures.csv is compared byte for byte, report.html and every sections/*.html page after
   the build timestamp is blanked out (`without_build_time`), and report.ods cell by cell (the
   cover's date blanked; the file's bytes hold the time it was zipped). Each difference is
   printed. The changes page is rebuilt against the same previous report as the published one
   (manifest.json `changes.previous`).

Exit status: 0 the rebuild is identical; 1 it differs, or the inputs or packages differ from the
manifest, or the rebuild failed; 2 bad command line or unreadable manifest.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml

from helpers.core.digests import sha256_file
from helpers.core.exceptions import ReportError
from helpers.pipeline.manifest import installed_version, read_manifest

EXIT_SAME, EXIT_DIFFERENT, EXIT_USAGE = 0, 1, 2
MAX_DIFF_LINES = 40

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# The build time as the pages print it: the ISO form (meta, <time datetime>) and the text form
# ("25 November 2026, 19:50 UTC", see helpers.present.render). Report content never carries a
# time of day.
_BUILD_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
    rf"|\b\d{{1,2}} (?:{_MONTHS}) \d{{4}}, \d{{2}}:\d{{2}}(?: (?:[A-Z]{{2,5}}|[+-]\d{{2,4}}))?"
)
BUILD_TIME_MARK = "<build time>"


def without_build_time(html: str) -> str:
    """`html` with every build timestamp replaced by the same mark."""
    return _BUILD_TIME.sub(BUILD_TIME_MARK, html)


@dataclass
class Verification:
    """What `verify` found: problems before the rebuild, and differences after it."""

    preconditions: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rebuilt: Path | None = None

    @property
    def same(self) -> bool:
        return not self.preconditions and not self.differences


def manifest_path(quarter: str, force: str | None = None, outputs: str | None = None) -> Path:
    """outputs/<quarter>/<force slug>/manifest.json of the published (full) report."""
    from helpers.core.config import load_settings
    from helpers.core.forces import default_forces
    from helpers.core.paths import resolve
    from helpers.core.quarters import FinancialQuarter

    settings = load_settings()
    slug = default_forces().get(force or settings.force).slug
    root = Path(outputs) if outputs else resolve(settings.outputs_dir)
    return root / FinancialQuarter.parse(quarter).code / slug / "manifest.json"


# ----- before the rebuild ---------------------------------------------------------------------
def input_differences(manifest: Mapping[str, Any]) -> list[str]:
    """Input and narrative files whose content differs from the manifest (or that are gone, or
    new in the folder the build reads)."""
    inputs = manifest.get("inputs") or {}
    problems: list[str] = []
    data_dir = Path(str(inputs.get("data_dir", "")))
    recorded = dict(inputs.get("files") or {})
    if not data_dir.is_dir():
        return [f"data folder {data_dir} (recorded in the manifest) does not exist"]
    for rel, digest in sorted(recorded.items()):
        path = data_dir / rel
        if not path.is_file():
            problems.append(f"input {rel}: missing from {data_dir}")
        elif sha256_file(path) != digest:
            problems.append(f"input {rel}: content differs from the manifest (sha256)")
    try:
        from helpers.inputs.datasets import load_inputs

        now = set(load_inputs(data_dir, validate=False).files)
    except Exception as exc:  # the rebuild would report it in full
        problems.append(f"inputs in {data_dir} cannot be listed: {exc}")
        now = set(recorded)
    for rel in sorted(now - set(recorded)):
        problems.append(f"input {rel}: new in {data_dir}, not read by the recorded build")
    narrative_dir = inputs.get("narrative_dir")
    if narrative_dir is not None:
        folder = Path(str(narrative_dir))
        recorded_text = dict(inputs.get("narrative_files") or {})
        present = (
            {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}
            if folder.is_dir()
            else {}
        )
        for rel in sorted(set(recorded_text) | set(present)):
            if rel not in present:
                problems.append(f"narrative {rel}: missing from {folder}")
            elif rel not in recorded_text:
                problems.append(f"narrative {rel}: new in {folder}")
            elif sha256_file(present[rel]) != recorded_text[rel]:
                problems.append(f"narrative {rel}: content differs from the manifest (sha256)")
    return problems


def package_differences(manifest: Mapping[str, Any]) -> list[str]:
    """Packages whose installed version is not the one the recorded build used."""
    problems = []
    for name, recorded in sorted((manifest.get("packages") or {}).items()):
        was = (recorded or {}).get("installed")
        now = installed_version(name)
        if was != now:
            problems.append(f"package {name}: the build used {was or 'none'}, installed is {now}")
    return problems


# ----- the rebuild ----------------------------------------------------------------------------
def settings_file(manifest: Mapping[str, Any], folder: Path) -> Path:
    """A report.yaml holding the recorded build's settings (so that a later change to
    params/report.yaml does not change the rebuild)."""
    recorded = dict(manifest.get("settings") or {})
    keys = ("force", "quarter", "data_dir", "outputs_dir", "narrative_dir")
    keys += ("trend", "benchmark", "funnel", "population", "disclosure")
    settings = {k: recorded[k] for k in keys if k in recorded}
    if manifest.get("publication"):  # report.ods's contact, the changes page's threshold
        settings["publication"] = manifest["publication"]
    path = folder / "report.yaml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return path


def rebuild(manifest: Mapping[str, Any], outputs: Path, stream: IO[str]) -> Any:
    """Run the recorded build again into `outputs`; the `BuildResult`."""
    from helpers.pipeline.build import Build
    from helpers.pipeline.plan import BuildOptions

    report = manifest.get("report") or {}
    inputs = manifest.get("inputs") or {}
    sections = None
    if report.get("partial"):
        sections = [s["id"] for s in manifest.get("sections") or []]
    # A fresh folder has no build cache; say so anyway, so that nothing is reused.
    fresh = {"cache": False} if "cache" in BuildOptions.__dataclass_fields__ else {}
    # The changes page compares with the report the published one compared with.
    previous = (manifest.get("changes") or {}).get("previous")
    if previous and "previous" in BuildOptions.__dataclass_fields__:
        fresh["previous"] = previous if Path(previous).is_dir() else None
    options = BuildOptions(
        **fresh,
        quarter=str(report["quarter"]),
        force=str(report["force"]),
        data_dir=str(inputs["data_dir"]),
        sections=sections,
        outputs=str(outputs),
        narrative_dir=inputs.get("narrative_dir"),
        settings_path=settings_file(manifest, outputs),
        argv=["(verify)"],
    )
    return Build(options, stream=stream).run()


def _diff(name: str, old: str, new: str) -> list[str]:
    lines = list(
        difflib.unified_diff(
            old.splitlines(),
            new.splitlines(),
            f"published/{name}",
            f"rebuilt/{name}",
            n=0,
            lineterm="",
        )
    )
    shown = lines[:MAX_DIFF_LINES]
    if len(lines) > MAX_DIFF_LINES:
        shown.append(f"... and {len(lines) - MAX_DIFF_LINES} more diff lines")
    return [f"{name} differs:", *(f"    {line}" for line in shown)]


def ods_cells(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's cells (calamine), the cover's date blanked."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    sheets = {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}
    cover = sheets.get("Cover_sheet") or []
    for i, row in enumerate(cover[:-1]):
        if row and row[0] == "Date the figures were made":
            cover[i + 1] = [BUILD_TIME_MARK]
    return sheets


def _compare_ods(old: Path, new: Path) -> list[str]:
    a, b = ods_cells(old), ods_cells(new)
    if list(a) != list(b):
        return [f"report.ods: sheets differ: {list(a)} against {list(b)}"]
    out = []
    for sheet in a:
        if a[sheet] != b[sheet]:
            rows = [
                i + 1 for i, (x, y) in enumerate(zip(a[sheet], b[sheet], strict=False)) if x != y
            ]
            if len(a[sheet]) != len(b[sheet]):
                rows.append(min(len(a[sheet]), len(b[sheet])) + 1)
            out.append(f"report.ods: sheet {sheet} differs in row(s) {rows[:10]}")
    return out


def compare_outputs(published: Path, rebuilt: Path) -> list[str]:
    """Differences in measures.csv (byte for byte), the HTML pages (build time blanked) and
    report.ods (cell by cell)."""
    differences: list[str] = []
    old_ods, new_ods = published / "report.ods", rebuilt / "report.ods"
    if old_ods.is_file() != new_ods.is_file():
        where = "published report" if not old_ods.is_file() else "rebuild"
        differences.append(f"report.ods: not in the {where}")
    elif old_ods.is_file():
        differences.extend(_compare_ods(old_ods, new_ods))
    names = ["measures.csv", "report.html"]
    pages = {p.relative_to(published).as_posix() for p in published.glob("sections/*.html")}
    pages |= {p.relative_to(rebuilt).as_posix() for p in rebuilt.glob("sections/*.html")}
    for name in [*names, *sorted(pages)]:
        old, new = published / name, rebuilt / name
        if not old.is_file() or not new.is_file():
            where = "published report" if not old.is_file() else "rebuild"
            differences.append(f"{name}: not in the {where}")
            continue
        a, b = old.read_text(encoding="utf-8"), new.read_text(encoding="utf-8")
        if name.endswith(".html"):
            a, b = without_build_time(a), without_build_time(b)
        if a != b:
            differences.extend(_diff(name, a, b))
    return differences


def verify(manifest_path: Path, stream: IO[str] | None = None) -> Verification:
    """Check the inputs and packages, rebuild, compare. Never touches the published report."""
    stream = stream if stream is not None else sys.stdout
    manifest = read_manifest(manifest_path)
    if manifest is None:
        raise FileNotFoundError(f"{manifest_path}: no readable manifest.json")
    result = Verification()
    if manifest.get("status") != "complete":
        result.preconditions.append(
            f"the manifest's build is '{manifest.get('status')}', not a complete report"
        )
        return result
    result.preconditions += input_differences(manifest)
    result.preconditions += package_differences(manifest)
    if result.preconditions:
        return result
    from helpers.pipeline.manifest import git_state

    commit = (manifest.get("git") or {}).get("commit")
    now = git_state()
    if commit and now.commit and commit != now.commit:
        result.notes.append(
            f"the code is at commit {now.commit[:12]}, the report was built at {commit[:12]}"
        )
    if (manifest.get("git") or {}).get("dirty") or now.dirty:
        result.notes.append("the working tree had uncommitted changes (then or now)")
    with tempfile.TemporaryDirectory(prefix="verify-") as tmp:
        built = rebuild(manifest, Path(tmp), stream)
        if built.status != 0 or built.target is None:
            result.differences.append(f"the rebuild failed (exit status {built.status})")
            return result
        result.differences = compare_outputs(manifest_path.parent, built.target)
    return result


def main(argv: Sequence[str] | None = None, stream: IO[str] | None = None) -> int:
    """`python -m helpers verify --manifest outputs/<quarter>/<force>/manifest.json`."""
    out = stream if stream is not None else sys.stdout
    parser = argparse.ArgumentParser(
        prog="python -m helpers verify",
        description="Rebuild a report from its manifest.json and report any difference.",
    )
    parser.add_argument("--manifest", type=Path, help="the report's manifest.json")
    parser.add_argument("--quarter", help="instead of --manifest: the published report's quarter")
    parser.add_argument("--force", help="with --quarter (default: params/report.yaml)")
    parser.add_argument("--outputs", help="with --quarter (default: params/report.yaml)")
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        if (args.manifest is None) == (args.quarter is None):
            parser.error("give --manifest, or --quarter (and --force)")
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        if args.manifest is None:
            args.manifest = manifest_path(args.quarter, args.force, args.outputs)
        result = verify(args.manifest, out)
    except (FileNotFoundError, KeyError, ValueError, ReportError) as exc:
        print(f"error: {exc}", file=out)
        return EXIT_USAGE
    print("", file=out)
    for note in result.notes:
        print(f"note: {note}", file=out)
    if result.preconditions:
        print(
            f"Cannot verify {args.manifest}: the rebuild would not use what the report was "
            "built from:",
            file=out,
        )
        for problem in result.preconditions:
            print(f"  - {problem}", file=out)
        return EXIT_DIFFERENT
    if result.differences:
        print(f"DIFFERENT: the rebuild of {args.manifest} does not match:", file=out)
        for line in result.differences:
            print(f"  {line}", file=out)
        return EXIT_DIFFERENT
    print(
        f"Verified: the rebuild of {args.manifest} gives the same measures.csv and HTML "
        "(build time aside).",
        file=out,
    )
    return EXIT_SAME


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
