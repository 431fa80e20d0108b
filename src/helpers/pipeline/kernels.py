"""Warm kernels: one Jupyter kernel per pool worker, reused for successive notebooks.

Starting a kernel (about 0.6 s) and importing the helpers' scientific stack in it (about 1.5 s)
cost about 2 s per notebook, 16 times per force. A worker keeps ONE kernel instead (started with
the build's kernelspec, see `worker.prepare_kernel`), imports the heavy modules in it once, and
executes its notebooks there one after another, through papermill (parameters cell, error
cells, `PapermillExecutionError`) with nbclient driving the already started kernel.

Between notebooks the kernel's namespace is reset (`InteractiveShell.reset`, what `%reset -f`
does, plus a new history session so that execution counts start again at 1 and "cell N" in a
failure means the same as in a fresh kernel), its working folder set, matplotlib's figures
closed and its settings and the warning filters restored to what they were after warm-up.
Imported modules stay: that is the point. A kernel is replaced after a failed notebook (its
state is unknown) and after `max_uses` notebooks.
"""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path
from typing import Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger as papermill_logger

ENGINE = "report-warm-kernel"

# Imported once when a kernel starts (what every section notebook imports).
WARM_UP = """
import warnings as _w, sys as _s, types as _t
import helpers.present.report, helpers.measures.compute
import pandas, matplotlib, matplotlib.pyplot, seaborn
_m = _s.modules.setdefault("_report_warm_kernel", _t.ModuleType("_report_warm_kernel"))
_m.rc = dict(matplotlib.rcParams)
_m.filters = list(_w.filters)
del _w, _s, _t, _m
"""

# Run silently before each notebook: a fresh namespace in a warm interpreter.
RESET = """
import os as _os, sys as _s
_os.chdir({cwd})
_m = _s.modules.get("_report_warm_kernel")
if "matplotlib.pyplot" in _s.modules:
    _s.modules["matplotlib.pyplot"].close("all")
if _m is not None:
    import warnings as _w, matplotlib as _mpl
    _w.filters[:] = _m.filters
    _mpl.rcParams.update(_m.rc)
get_ipython().reset(new_session=True)
"""


class KernelError(RuntimeError):
    """The warm kernel could not be started or reset."""


class _WarmEngine(NBClientEngine):
    """papermill's nbclient engine, on a kernel that is already running (`km`, `kc`): nbclient
    neither starts it nor, since it does not own the manager, shuts it down."""

    @classmethod
    def execute_managed_notebook(  # type: ignore[override]
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: int = 60,
        execution_timeout: int | None = None,
        km: Any = None,
        kc: Any = None,
        **kwargs: Any,
    ) -> Any:
        for unused in ("input_path", "timeout", "startup_timeout"):
            kwargs.pop(unused, None)
        client = PapermillNotebookClient(
            nb_man,
            km=km,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=papermill_logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
            **kwargs,
        )
        client.kc = kc
        return client.execute()


papermill_engines.register(ENGINE, _WarmEngine)


class WarmKernel:
    """One running kernel and its client."""

    def __init__(self, kernel_name: str, start_timeout: int, config: Any = None) -> None:
        from jupyter_client.manager import AsyncKernelManager
        from nbclient.util import run_sync

        self.kernel_name = kernel_name
        self.uses = 0
        self.km = AsyncKernelManager(kernel_name=kernel_name, config=config)
        self.kc: Any = None  # the client, once the kernel has started
        _local.starting = self  # for `kill_now`, until `acquire` has it
        run_sync(self.km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"])
        try:
            self.kc = self.km.client()
            self.kc.start_channels()
            run_sync(self.kc.wait_for_ready)(timeout=start_timeout)
            self.kc.allow_stdin = False
            self.run_silently(WARM_UP, timeout=start_timeout + 300)
        except BaseException:
            self.shutdown()
            raise

    def run_silently(self, code: str, timeout: float = 60) -> None:
        from nbclient.util import run_sync

        reply = run_sync(self.kc.execute_interactive)(
            code,
            silent=True,
            store_history=False,
            allow_stdin=False,
            timeout=timeout,
            output_hook=lambda msg: None,
        )
        content = reply.get("content", {})
        if content.get("status") != "ok":
            raise KernelError(
                f"warm kernel: {content.get('ename', '?')}: {content.get('evalue', '')}"
            )

    def reset(self, cwd: Path) -> None:
        self.run_silently(RESET.format(cwd=json.dumps(str(cwd))))

    def alive(self) -> bool:
        from nbclient.util import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:
            return False

    def shutdown(self) -> None:
        from nbclient.util import run_sync

        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
        with contextlib.suppress(Exception):
            run_sync(self.km.shutdown_kernel)(now=True)
        with contextlib.suppress(Exception):
            run_sync(self.km.cleanup_resources)()


# One warm kernel per process (a pool worker) and thread.
_local = threading.local()
_finalizer_registered = False


def _register_finalizer() -> None:
    global _finalizer_registered
    if _finalizer_registered:
        return
    import multiprocessing.util

    # Runs when a pool worker exits normally (multiprocessing runs its finalizers, not atexit).
    multiprocessing.util.Finalize(None, discard, exitpriority=100)
    _finalizer_registered = True


def acquire(kernel_name: str, start_timeout: int, max_uses: int, config: Any = None) -> WarmKernel:
    """This process's warm kernel, started (and warmed up) if there is none, it died, it runs
    another kernelspec or it has executed `max_uses` notebooks."""
    kernel: WarmKernel | None = getattr(_local, "kernel", None)
    if kernel is not None and (
        kernel.kernel_name != kernel_name or kernel.uses >= max_uses or not kernel.alive()
    ):
        discard()
        kernel = None
    if kernel is None:
        _register_finalizer()
        kernel = WarmKernel(kernel_name, start_timeout, config)
        _local.kernel = kernel
        _local.starting = None
    return kernel


def discard() -> None:
    """Shut this process's warm kernel down (after a failure; when the worker exits)."""
    kernel: WarmKernel | None = getattr(_local, "kernel", None)
    _local.kernel = None
    if kernel is not None:
        _local.stopping = kernel  # a worker stopped while it shuts its kernel down kills it
        kernel.shutdown()
        _local.stopping = None


def kill_now() -> None:
    """Kill this process's warm kernel at once, without an event loop (from a signal handler,
    which may interrupt one: a worker being stopped)."""
    for name in ("kernel", "starting", "stopping"):
        kernel: WarmKernel | None = getattr(_local, name, None)
        setattr(_local, name, None)
        if kernel is None:
            continue
        process = getattr(getattr(kernel.km, "provisioner", None), "process", None)
        if process is not None:
            with contextlib.suppress(Exception):
                process.kill()
        with contextlib.suppress(Exception):
            kernel.km.cleanup_connection_file()


def prestart(
    kernel_name: str, start_timeout: int = 120, max_uses: int = 1, config: Any = None
) -> None:
    """Start and warm up this process's kernel now (a pool worker's initializer), so that it is
    ready, with the heavy modules imported, before the first notebook arrives. Failures are left
    to the first notebook, which retries and reports them."""
    try:
        acquire(kernel_name, start_timeout, max(max_uses, 1), config)
    except Exception:
        discard()


__all__ = ["ENGINE", "KernelError", "WarmKernel", "acquire", "discard", "kill_now", "prestart"]
