"""manifest.json: what a build used and made, so that anyone can tell how a report was produced.

Parameters and settings, every input file with its SHA-256, the version of every pinned
dependency (and whether it matches its pin), Python and platform, the git commit and whether
the working tree had uncommitted changes, the build's start time (UTC), timings per step and per
section, each section's status, and the SHA-256 of every output. `report_manifest` makes a
build's from its plan, its inputs and its record; files are hashed by helpers.pipeline.hashing.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.core.paths import PROJECT_ROOT
from helpers.pipeline import hashing
from helpers.pipeline.progress import BuildRecord, display

if TYPE_CHECKING:
    from helpers.pipeline.plan import BuildPlan

DISTRIBUTION = "police-performance-report"
MANIFEST_VERSION = 1
# Not pinned by the project, but they decide how notebooks run and how the PDF looks.
ALSO_RECORDED = ("jupyter_client", "jupyter_core", "pyzmq", "traitlets", "pydyf", "tinycss2")
_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*==\s*([^\s;,]+)")
_EXTRA = re.compile(r"extra\s*==\s*[\"']([^\"']+)[\"']")


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    extra: str | None  # None for a core dependency, "dev", "lab", ...


def pinned_requirements(distribution: str = DISTRIBUTION) -> list[Pin]:
    """The exact pins (`name==version`) of the project, core and optional extras.

    Read from the installed distribution's metadata; from `pyproject.toml` when the project is
    not installed (a plain checkout on PYTHONPATH).
    """
    try:
        lines = importlib.metadata.requires(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        lines = _requirements_from_pyproject(PROJECT_ROOT / "pyproject.toml")
    pins = []
    for line in lines:
        if m := _PIN.match(line):
            extra = _EXTRA.search(line)
            pins.append(Pin(m.group(1), m.group(2), extra.group(1) if extra else None))
    return pins


def _requirements_from_pyproject(path: Path) -> list[str]:
    import tomllib

    try:
        project = tomllib.loads(path.read_text(encoding="utf-8")).get("project", {})
    except OSError:
        return []
    lines = list(project.get("dependencies", []))
    for extra, deps in (project.get("optional-dependencies") or {}).items():
        lines.extend(f'{dep}; extra == "{extra}"' for dep in deps)
    return lines


def installed_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def package_versions(pins: Iterable[Pin] | None = None) -> dict[str, dict[str, Any]]:
    """{name: {pinned, installed, extra, matches}} for every pin, plus a few unpinned packages
    that shape execution and rendering (`ALSO_RECORDED`, with pinned None)."""
    out: dict[str, dict[str, Any]] = {}
    for pin in pinned_requirements() if pins is None else pins:
        installed = installed_version(pin.name)
        # An optional extra that is not installed (e.g. "lab") is not a mismatch.
        skipped = installed is None and pin.extra is not None
        out[pin.name] = {
            "pinned": pin.version,
            "installed": installed,
            "extra": pin.extra,
            "matches": None if skipped else installed == pin.version,
        }
    for name in ALSO_RECORDED:
        if name not in out:
            out[name] = {
                "pinned": None,
                "installed": installed_version(name),
                "extra": None,
                "matches": None,
            }
    return out


def pin_mismatches(versions: Mapping[str, Mapping[str, Any]] | None = None) -> list[str]:
    """One sentence per pinned package whose installed version differs from its pin."""
    versions = package_versions() if versions is None else versions
    return [
        f"{name}: pyproject.toml pins {v['pinned']}, installed is {v['installed'] or 'none'}"
        for name, v in versions.items()
        if v["matches"] is False
    ]


@dataclass(frozen=True)
class GitState:
    commit: str | None
    dirty: bool | None
    branch: str | None
    changed: tuple[str, ...] = ()


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    # rstrip only: porcelain status lines start with a meaningful space (" M file").
    return done.stdout.rstrip() if done.returncode == 0 else None


def git_state(root: Path = PROJECT_ROOT) -> GitState:
    """The commit the code came from and whether the working tree differed from it (untracked
    files count: a new notebook changes the report as much as an edited one)."""
    commit = _git(root, "rev-parse", "HEAD")
    if commit is None:
        return GitState(None, None, None)
    status = _git(root, "status", "--porcelain", "--untracked-files=normal")
    changed = tuple(line[3:] for line in (status or "").splitlines() if line.strip())
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD")
    return GitState(commit, None if status is None else bool(changed), branch, changed[:200])


def python_and_platform() -> dict[str, Any]:
    return {
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
            "prefix": sys.prefix,
        },
        "platform": {
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "description": platform.platform(),
            "cpu_count": os.cpu_count(),
        },
    }


def build_manifest(
    *,
    status: str,
    report: Mapping[str, Any],
    parameters: Mapping[str, Any],
    settings: Mapping[str, Any],
    command: Iterable[str],
    inputs: Mapping[str, Any],
    started_utc: str,
    finished_utc: str,
    timings: Mapping[str, Any],
    sections: Iterable[Mapping[str, Any]],
    outputs: Mapping[str, str],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    git = git_state()
    manifest: dict[str, Any] = {
        "manifest_version": MANIFEST_VERSION,
        "status": status,
        "report": dict(report),
        "started_utc": started_utc,
        "finished_utc": finished_utc,
        "command": list(command),
        "parameters": dict(parameters),
        "settings": dict(settings),
        "inputs": dict(inputs),
        "sections": [dict(s) for s in sections],
        "timings": dict(timings),
        "outputs": dict(outputs),
        "git": {
            "commit": git.commit,
            "dirty": git.dirty,
            "branch": git.branch,
            "changed": list(git.changed),
        },
        **python_and_platform(),
        "packages": package_versions(),
    }
    if extra:
        manifest.update(extra)
    return manifest


def write_manifest(path: Path, manifest: Mapping[str, Any]) -> None:
    path.write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )


def read_manifest(path: Path) -> dict[str, Any] | None:
    """A previous build's manifest, or None if there is none or it cannot be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _section_records(plan: BuildPlan, record: BuildRecord) -> list[dict[str, Any]]:
    entries = []
    for s in plan.specs:
        outcome = record.outcomes.get(s.id)
        status = "not run" if outcome is None else ("done" if outcome.ok else "failed")
        entry: dict[str, Any] = {
            "id": s.id,
            "number": s.number,
            "title": s.title,
            "part": s.part,
            "notebook": display(s.notebook),
            "executed_notebook": f"notebooks/{s.stem}.ipynb",
            "page": f"sections/{s.stem}.html",
            "status": status,
            "seconds": record.section_seconds.get(s.id),
            "cache_key": record.cache_keys.get(s.id),
            "reused": s.id in record.reused,
        }
        if outcome is not None and not outcome.ok:
            entry["error"] = {
                "cell": outcome.cell,
                "exception": outcome.ename,
                "message": outcome.evalue,
            }
        entries.append(entry)
    return entries


def report_manifest(
    plan: BuildPlan,
    inputs: Any,
    record: BuildRecord,
    folder: Path,
    *,
    status: str,
    started: datetime,
    command: Iterable[str],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A build's manifest: what `plan` asked for, the `inputs` used, what `record` says the
    stages did, the outputs in `folder` (all but the manifest and build.log)."""
    from helpers.present import render

    pdf, kernel = record.pdf, record.kernel
    narrative = plan.narrative_dir
    return build_manifest(
        status=status,
        report={
            "title": "Performance Report",
            "quarter": plan.quarter.code,
            "quarter_title": plan.quarter.title,
            "force": plan.force.name,
            "force_code": plan.force.code,
            "force_slug": plan.force.slug,
            "partial": plan.partial,
            "pdf": None
            if pdf is None
            else {
                "pages": pdf.pages,
                "page_size_mm": pdf.page_size_mm,
                "bookmarks": len(pdf.bookmarks),
                "variant": pdf.variant,
                # The print form's code: a change to it makes the PDF again (pdf.py).
                "printer": render.printer_digest(),
            },
        },
        parameters=record.parameters,
        settings={
            **plan.settings.as_dict(),
            "outputs_dir": str(plan.outputs_root),
            "narrative_dir": str(narrative),
        },
        command=command,
        inputs={
            "data_dir": str(plan.data_dir),
            "files": dict(sorted(inputs.files.items())),
            "missing": sorted(str(m) for m in (inputs.missing or ())),
            "warnings": record.warnings,
            # The narrative is an input of the report too: `make verify` checks it.
            "narrative_dir": str(narrative),
            "narrative_files": hashing.narrative_tree(narrative),
        },
        started_utc=started.isoformat(timespec="seconds"),
        finished_utc=datetime.now(UTC).isoformat(timespec="seconds"),
        timings={
            "steps": dict(record.timings),
            "sections": dict(record.section_seconds),
            "workers": record.workers,
        },
        sections=_section_records(plan, record),
        outputs=hashing.sha256_tree(folder, exclude=("manifest.json", "build.log")),
        extra={
            **(extra or {}),
            "report_built": record.report_built,
            "kernel": None
            if kernel is None
            else {"name": kernel.name, "executable": kernel.executable},
        },
    )
