"""Publishing a report whole or not at all: the lock, the staging folder's swap, recovery.

A build writes into a hidden staging folder beside its target
(outputs/<quarter>/.<force>.staging-*) and `publish` swaps it in only when every step succeeded,
so outputs/<quarter>/<force>/ always holds either the previous good report or the new complete
one. `BuildLock` (outputs/<quarter>/.<force>.lock, held with flock so a killed build never
blocks the next one) stops two builds writing the same report. A failed build's staging folder
is kept aside (`keep_failed`: outputs/.failed/<quarter>/<force>/, without a report in it).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import socket
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from helpers.core.exceptions import BuildLocked
from helpers.pipeline.interrupts import no_interrupt

FAILED_DIR = ".failed"
# What a failed build's folder must not hold: it would look like a finished report.
REPORT_FILES = ("report.html", "report.pdf", "report.ods")


class BuildLock:
    """An exclusive lock on one output folder, held with flock(2) on a lock file.

    The kernel releases a flock when its process dies, so a build killed with SIGKILL leaves at
    worst a stale file that the next build takes over; a normal exit, an error or Ctrl-C
    removes the file.
    """

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> BuildLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lock, or raise `BuildLocked` naming the build that holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                holder = _read_text(self.path)
                os.close(fd)
                if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise BuildLocked(str(self.path), holder) from None
                raise
            # The holder may have removed the file between our open and our flock: then we
            # hold a lock on a deleted file and must retry on the new one.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        started = datetime.now(UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}, since {started}".encode())
        self._fd = fd

    def release(self) -> None:
        """Remove the lock file and release the lock (idempotent)."""
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        os.close(self._fd)
        self._fd = None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def publish(staging: Path, target: Path) -> None:
    """Swap the complete `staging` folder in as `target`: old report aside, new in, old deleted.

    Both renames are within one directory (same file system), so each is atomic; between them
    no `target` exists for a moment, never a half-written one. `recover_interrupted_publish`
    puts the old report back if the process died between the two.
    """
    aside = target.with_name(f".{target.name}.previous")
    if aside.exists():
        shutil.rmtree(aside)
    with no_interrupt():
        if target.exists():
            os.replace(target, aside)
        try:
            os.replace(staging, target)
        except BaseException:
            if aside.exists() and not target.exists():
                os.replace(aside, target)
            raise
    shutil.rmtree(aside, ignore_errors=True)


def recover_interrupted_publish(target: Path) -> None:
    """Undo what a build killed between the two renames of `publish` left behind, and remove
    staging folders of builds that were killed (we hold the lock, so none is running)."""
    aside = target.with_name(f".{target.name}.previous")
    if aside.exists():
        if target.exists():
            shutil.rmtree(aside, ignore_errors=True)
        else:
            os.replace(aside, target)
    for stale in target.parent.glob(f".{target.name}.staging-*"):
        shutil.rmtree(stale, ignore_errors=True)


def staging_folder(target: Path) -> Path:
    """A new hidden folder beside `target` to build into (same file system: atomic renames)."""
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))


def failed_folder(outputs_root: Path, quarter: str, target: Path) -> Path:
    """Where a failed build of `target` is kept: outputs/.failed/<quarter>/<force>/."""
    return outputs_root / FAILED_DIR / quarter / target.name


def keep_failed(staging: Path, where: Path) -> None:
    """Move a failed build's staging folder to `where` (replacing an older failure), without
    anything that would pass for a report."""
    for name in REPORT_FILES:
        (staging / name).unlink(missing_ok=True)
    shutil.rmtree(staging / ".jupyter", ignore_errors=True)
    if where.exists():
        shutil.rmtree(where)
    where.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, where)


__all__ = [
    "FAILED_DIR",
    "BuildLock",
    "failed_folder",
    "keep_failed",
    "publish",
    "recover_interrupted_publish",
    "staging_folder",
]
