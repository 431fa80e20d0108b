"""measures.csv, and the measure results the notebooks reuse instead of computing them again.

With `BuildSteps.share_measures` (the project's steps) the build computes every measure once
(`measure_results`), writes measures.csv from them and pickles them into the staging folder
with the inputs' tidy tables (`save_tables`), and offers both to the notebooks' kernels
(`offer_to_notebooks`, through `helpers.measures.handoff`): a notebook takes the offer only when
its own parameters and input files match. Both are cached on content. A batch of
forces computes each measure's series for every force once (`_SERIES_MEMO`).
"""

from __future__ import annotations

import contextlib
import json
import pickle
import shutil
import weakref
from pathlib import Path
from typing import Any

from helpers.core.config import Settings, default_catalogue
from helpers.core.exceptions import ReportError
from helpers.core.quarters import FinancialQuarter
from helpers.pipeline import hashing
from helpers.pipeline.incremental import BuildCache
from helpers.pipeline.plan import BuildPlan
from helpers.pipeline.steps import BuildSteps, Inputs

RESULTS_NAME = ".measure-results.pkl"

# Each measure's series for every force depends on the inputs and settings, not on the force:
# a batch of forces (`helpers.pipeline.batch`) computes it once per measure, per inputs object.
_SERIES_MEMO: weakref.WeakKeyDictionary[Any, dict[Any, Any]] = weakref.WeakKeyDictionary()


def measure_results(
    inputs: Any, quarter: FinancialQuarter, force: str, settings: Settings
) -> list[Any]:
    """Every measure of the catalogue for `force` at `quarter` (`MeasureResult`s)."""
    from helpers.core.forces import default_forces
    from helpers.measures.compute import compute_measure
    from helpers.measures.series import all_forces_series

    try:
        memo = _SERIES_MEMO.setdefault(inputs, {})
    except TypeError:  # not weak-referenceable: no sharing
        memo = {}
    forces = default_forces()
    shared = json.dumps(
        {k: v for k, v in settings.as_dict().items() if k not in ("force", "quarter")},
        sort_keys=True,
        default=str,
    )
    results = []
    for measure in default_catalogue().measures:
        key = (measure.id, shared)
        if key not in memo and measure.source not in getattr(inputs, "missing", set()):
            memo[key] = all_forces_series(measure, inputs, settings, forces)
        results.append(
            compute_measure(measure, inputs, quarter, force, settings, forces, memo.get(key))
        )
    return results


def write_measures(
    plan: BuildPlan, inputs: Inputs, steps: BuildSteps, cache: BuildCache, staging: Path
) -> Path | None:
    """measures.csv in `staging`; with `steps.share_measures`, also the pickle of the results
    (returned), both copied from the cache when their content is unchanged."""
    force, quarter = plan.force, plan.quarter
    if not steps.share_measures:
        from helpers.present.measures_table import write_measures_csv

        table = steps.measures_table(inputs, quarter, force.name, plan.settings)
        write_measures_csv(table, staging / "measures.csv")
        return None
    key = hashing.digest(
        {
            "files": dict(inputs.files),
            "helpers": hashing.helpers_digest(),
            "catalogue": hashing.catalogue_digest(),
            "quarter": quarter.code,
            "settings": plan.settings.as_dict(),
        }
    )
    cached = cache.measures(quarter.code, force.slug, key)
    results_path = staging / RESULTS_NAME
    if cached is not None:
        shutil.copyfile(cached[0], staging / "measures.csv")
        shutil.copyfile(cached[1], results_path)
        return results_path
    # Only now: a rebuild from the cache must not pay for importing the statistics.
    from helpers.present.measures_table import measures_table, write_measures_csv

    results = measure_results(inputs, quarter, force.name, plan.settings)
    write_measures_csv(measures_table(results), staging / "measures.csv")
    with open(results_path, "wb") as handle:
        pickle.dump(results, handle, protocol=pickle.HIGHEST_PROTOCOL)
    cache.store_measures(quarter.code, force.slug, key, staging / "measures.csv", results_path)
    return results_path


def save_tables(inputs: Inputs, results: Path) -> None:
    """The inputs' tidy tables beside the measure results, for the notebooks' kernels to
    load instead of each reading and parsing every file; only for the project's own inputs
    (an injected loader's need not be tables)."""
    from helpers.inputs.datasets import INPUT_TABLES, InputData
    from helpers.inputs.datasets import save_tables as save

    if not isinstance(inputs, InputData):
        return
    # A source that cannot be read is left to the notebook that needs it to report.
    with contextlib.suppress(ReportError):
        save(inputs, results.with_name(INPUT_TABLES))


def offer_to_notebooks(
    inputs: Inputs, results: Path, parameters: dict[str, Any], settings: Settings
) -> Path:
    """Save the inputs' tables beside `results` and offer both, with the settings, under the
    key a notebook with these `parameters` and the same input files makes; returns the offer's
    file, for `handoff.withdraw`."""
    from helpers.inputs.datasets import INPUT_TABLES
    from helpers.measures import handoff

    save_tables(inputs, results)
    tables = results.with_name(INPUT_TABLES)
    return handoff.offer(
        handoff.offer_key(parameters, dict(inputs.files)),
        results,
        tables if tables.is_file() else None,
        settings,
    )


def remove_shared(results: Path) -> None:
    """The pickle and the tables, once the notebooks ran: not part of the report."""
    from helpers.inputs.datasets import INPUT_TABLES

    results.unlink(missing_ok=True)
    results.with_name(INPUT_TABLES).unlink(missing_ok=True)


__all__ = [
    "RESULTS_NAME",
    "measure_results",
    "offer_to_notebooks",
    "remove_shared",
    "save_tables",
    "write_measures",
]
