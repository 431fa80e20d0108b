"""manifest.json's ingredients: hashes, pins and versions, git state."""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from helpers.pipeline import manifest
from helpers.pipeline.manifest import Pin

ROOT = Path(__file__).resolve().parents[2]


def test_pins_are_those_of_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def name(line: str) -> str:  # the distribution, without an extra such as dask[distributed]
        return line.split("==")[0].split("[")[0].strip().lower()

    expected = {(name(line), line.split("==")[1].strip(), None) for line in project["dependencies"]}
    for extra, lines in project["optional-dependencies"].items():
        expected |= {(name(line), line.split("==")[1].strip(), extra) for line in lines}
    pins = {(p.name.lower(), p.version, p.extra) for p in manifest.pinned_requirements()}
    assert pins == expected


def test_package_versions_compare_installed_with_pinned():
    pins = [
        Pin("papermill", "2.7.0", None),
        Pin("not-a-real-package-xyz", "1.0", None),
        Pin("not-a-real-extra-xyz", "1.0", "lab"),
    ]
    versions = manifest.package_versions(pins)
    installed = importlib.metadata.version("papermill")
    assert versions["papermill"] == {
        "pinned": "2.7.0",
        "installed": installed,
        "extra": None,
        "matches": installed == "2.7.0",
    }
    assert versions["not-a-real-package-xyz"]["installed"] is None
    assert versions["not-a-real-package-xyz"]["matches"] is False
    assert versions["not-a-real-extra-xyz"]["matches"] is None  # optional extra, not installed
    assert versions["jupyter_client"]["pinned"] is None  # recorded, not pinned
    assert manifest.pin_mismatches(versions) == [
        "not-a-real-package-xyz: pyproject.toml pins 1.0, installed is none"
    ]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_state_reports_commit_and_dirty_tree(tmp_path):
    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=tmp_path, check=True, capture_output=True, text=True
        ).stdout.strip()

    git("init", "-q")
    git("config", "user.email", "test@example.org")
    git("config", "user.name", "Test")
    (tmp_path / "a.txt").write_text("one")
    git("add", "a.txt")
    git("commit", "-q", "-m", "first")

    clean = manifest.git_state(tmp_path)
    assert clean.commit == git("rev-parse", "HEAD") and clean.dirty is False

    (tmp_path / "a.txt").write_text("two")
    edited = manifest.git_state(tmp_path)
    assert edited.dirty is True and edited.changed == ("a.txt",)

    git("checkout", "-q", "a.txt")
    (tmp_path / "new_notebook.ipynb").write_text("{}")
    assert manifest.git_state(tmp_path).dirty is True  # untracked files count


def test_git_state_outside_a_repository_is_unknown(tmp_path):
    state = manifest.git_state(tmp_path)
    assert state.commit is None and state.dirty is None


def test_manifest_round_trip(tmp_path):
    data = manifest.build_manifest(
        status="complete",
        report={"quarter": "2024-03"},
        parameters={"force": "Kent"},
        settings={"trend": {"method": "spc"}},
        command=["python", "-m", "helpers", "build"],
        inputs={"files": {"prc.csv": "ab"}},
        started_utc="2024-05-02T09:30:00+00:00",
        finished_utc="2024-05-02T09:31:00+00:00",
        timings={"steps": {"validate inputs": 0.2}},
        sections=[{"id": "homicide", "status": "done"}],
        outputs={"report.html": "cd"},
    )
    path = tmp_path / "manifest.json"
    manifest.write_manifest(path, data)
    assert manifest.read_manifest(path) == data
    assert data["python"]["version"].startswith("3.11")
    assert "weasyprint" in data["packages"]
    assert manifest.read_manifest(tmp_path / "missing.json") is None
    (tmp_path / "broken.json").write_text("{not json")
    assert manifest.read_manifest(tmp_path / "broken.json") is None
