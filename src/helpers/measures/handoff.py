"""What a build hands the notebooks it executes, without a notebook parameter.

A build has read every input and computed every measure (for measures.csv) before any notebook
runs. It offers both to the notebooks' kernels: the measure results (a pickle of
`measures.MeasureResult`), the inputs' tidy tables (`datasets.save_tables`) and its settings,
registered under a key made of what decides a page's figures: the notebook parameters of
`KEY_PARAMETERS` and the sha256 of every input file. A notebook's `report.ReportContext` makes the
same key from its own parameters and inputs and takes the offer only on a match, so a notebook
run alone (papermill or JupyterLab), or with a parameter changed, computes everything itself, and
a stale offer (other data, other settings) is never used.

The offers are small files in one folder per user (`handoff_dir`: $REPORT_HANDOFF_DIR, else the
system's temporary folder), each named `<key>.<token>.pkl`; the build withdraws its own when the
notebooks have run. Pure standard library: the kernel consults it before importing anything heavy.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_DIR = "REPORT_HANDOFF_DIR"
# The notebook parameters that decide a page's figures (with the inputs' content).
KEY_PARAMETERS = (
    "quarter",
    "force",
    "data_dir",
    "trend_method",
    "trend_alpha",
    "trend_window_quarters",
)


@dataclass(frozen=True)
class Offer:
    """What a build offers the notebooks of one report."""

    results: Path  # pickle of the build's list of MeasureResult (what measures.csv holds)
    tables: Path | None  # the inputs' tidy tables (datasets.save_tables), or None
    settings: Any  # the build's config.Settings (a settings file may differ from the defaults)


def handoff_dir() -> Path:
    given = os.environ.get(ENV_DIR)
    if given:
        return Path(given)
    user = os.getuid() if hasattr(os, "getuid") else os.getlogin()
    return Path(tempfile.gettempdir()) / f"report-handoff-{user}"


def offer_key(parameters: Mapping[str, Any], files: Mapping[str, str]) -> str:
    """The key of a report's offer: `KEY_PARAMETERS` of `parameters` (force canonical, data
    folder resolved, absent ones None) and `files` ({path: sha256} of the inputs)."""
    from helpers.core.forces import default_forces
    from helpers.core.paths import resolve

    wanted = {name: parameters.get(name) for name in KEY_PARAMETERS}
    with contextlib.suppress(Exception):  # an unknown force matches nothing, as it should
        wanted["force"] = default_forces().canonical(str(wanted["force"]))
    if wanted["data_dir"] is not None:
        wanted["data_dir"] = str(resolve(str(wanted["data_dir"])).resolve())
    if wanted["quarter"] is not None:
        wanted["quarter"] = str(wanted["quarter"])
    payload = {"parameters": wanted, "files": dict(sorted(files.items()))}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def offer(key: str, results: Path, tables: Path | None, settings: Any) -> Path:
    """Register an offer under `key`; returns its file, for `withdraw`."""
    folder = handoff_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.{secrets.token_hex(6)}.pkl"
    staged = path.with_suffix(".tmp")
    staged.write_bytes(pickle.dumps(Offer(Path(results), tables and Path(tables), settings)))
    staged.replace(path)  # never half-written for a kernel that looks now
    return path


def withdraw(path: Path | None) -> None:
    if path is not None:
        Path(path).unlink(missing_ok=True)


def find(key: str) -> Offer | None:
    """The offer registered under `key` whose files still exist, or None."""
    folder = handoff_dir()
    if not folder.is_dir():
        return None
    for path in sorted(folder.glob(f"{key}.*.pkl")):
        try:
            found = pickle.loads(path.read_bytes())
        except Exception:
            continue  # withdrawn meanwhile, or not ours
        if isinstance(found, Offer) and found.results.is_file():
            return found
    return None


__all__ = ["ENV_DIR", "KEY_PARAMETERS", "Offer", "find", "handoff_dir", "offer", "offer_key"]
