"""Publishing whole or not at all (helpers.pipeline.publish): the lock, the swap, recovery."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from helpers.core.exceptions import BuildLocked
from helpers.pipeline.publish import (
    BuildLock,
    keep_failed,
    publish,
    recover_interrupted_publish,
)


def tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_lock_left_by_a_killed_build_is_taken_over(tmp_path):
    lock_path = tmp_path / ".report.lock"
    lock_path.write_text("pid 999999 on a-host, since yesterday")  # nobody holds it
    with BuildLock(lock_path):
        assert f"pid {os.getpid()}" in lock_path.read_text()
        with pytest.raises(BuildLocked), BuildLock(lock_path):
            pass
    assert not lock_path.exists()


def test_publish_swaps_whole_folders(tmp_path):
    target, staging = tmp_path / "report", tmp_path / ".report.staging-1"
    target.mkdir()
    (target / "old.txt").write_text("old")
    staging.mkdir()
    (staging / "new.txt").write_text("new")
    publish(staging, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]
    assert tree(target) == {"new.txt": hashlib.sha256(b"new").hexdigest()}


def test_recovery_restores_a_report_left_aside_by_a_killed_build(tmp_path):
    target = tmp_path / "avon"
    aside = tmp_path / ".avon.previous"
    aside.mkdir()
    (aside / "report.html").write_text("good")
    (tmp_path / ".avon.staging-abc").mkdir()
    recover_interrupted_publish(target)
    assert (target / "report.html").read_text() == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["avon"]


def test_a_failed_build_is_kept_without_anything_that_passes_for_a_report(tmp_path):
    staging = tmp_path / ".avon.staging-1"
    (staging / "notebooks").mkdir(parents=True)
    (staging / "notebooks" / "01_x.ipynb").write_text("{}")
    for name in ("report.html", "report.pdf", "report.ods", "FAILED.txt"):
        (staging / name).write_text(name)
    where = tmp_path / ".failed" / "2024-03" / "avon"
    where.mkdir(parents=True)
    (where / "old.txt").write_text("an older failure")
    keep_failed(staging, where)
    assert sorted(tree(where)) == ["FAILED.txt", "notebooks/01_x.ipynb"]
    assert not staging.exists()
