"""Ctrl-C and SIGTERM in a build, its batch and their worker processes.

The main process alone cleans up (cancel, stop the workers, remove the staging folder); a
SIGTERM (kill, a CI timeout) is handled like Ctrl-C (`Terminated` is a KeyboardInterrupt).
A worker ignores Ctrl-C and, told to stop, exits at once without a traceback.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator


class Terminated(KeyboardInterrupt):
    """SIGTERM (kill, a CI timeout), handled like Ctrl-C: clean up, publish nothing."""


# The process that installed `_raise_terminated`: a child forked from it inherits the handler.
_terminated_owner: int | None = None


def exit_quietly(signum: int, frame: object) -> None:
    """A worker told to stop (`pool.stop_workers` sends SIGTERM) ends here and now, silently.

    A forked worker inherits the build's SIGTERM handler, which raises `Terminated` for the
    build to clean up; raised in a worker, multiprocessing printed it as a traceback ("Process
    ForkProcess-1: ...") under every refused build. The worker has nothing to clean up but its
    kernel, and its parent decides what the build reports."""
    from helpers.pipeline import kernels

    with contextlib.suppress(BaseException):
        kernels.kill_now()
    os._exit(128 + signum)


def ignore_interrupt() -> None:
    """For a worker process: Ctrl-C ignored, SIGTERM exits quietly.

    Ctrl-C reaches every process of the terminal's group. A worker that also raised could die
    half-way through writing a notebook while the main process is cleaning up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, exit_quietly)


def _raise_terminated(signum: int, frame: object) -> None:
    if os.getpid() != _terminated_owner:
        # A worker forked before it set its own handler: it has nothing to clean up, and an
        # exception raised here would be printed by multiprocessing as a traceback.
        exit_quietly(signum, frame)
    raise Terminated()


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises `Terminated` inside the block (main thread only; a block inside
    another, as a build inside a batch, leaves the outer handler in place)."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is _raise_terminated
    ):
        yield
        return
    global _terminated_owner
    _terminated_owner = os.getpid()
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def no_interrupt() -> Iterator[None]:
    """Hold Ctrl-C for the two renames of a publish, so that they happen both or neither; a
    Ctrl-C that arrives meanwhile is delivered when the block ends.

    Not with a signal mask: the kernel delivers a signal to any thread that does not block it,
    and a build has others (its process pools' manager threads), so a mask on the main thread
    alone let Ctrl-C through. Python runs signal handlers in the main thread, so a handler that
    only takes note holds it whichever thread received it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if held:
            signal.raise_signal(signal.SIGINT)


__all__ = [
    "Terminated",
    "exit_quietly",
    "ignore_interrupt",
    "no_interrupt",
    "terminate_as_interrupt",
]
