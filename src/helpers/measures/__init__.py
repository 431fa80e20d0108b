"""Measures: the measure catalogue computed from checked inputs with the statistics, one
`MeasureResult` per measure and the measures table (measures.csv). Imports `core`, `stats` and
`inputs`.

A section notebook takes a measure's steps from here, one per cell::

    from helpers.measures import select_rows, period_counts, rolling_series, figure_at_quarter

The modules: `result` (MeasureResult), `series` (steps 1-3, every force at every period),
`figure` (step 4), `comparison` (step 5), `trend` (step 6), `compute` (step 7 and the steps in
order), `table` (measures.csv and `python -m helpers measures`), `handoff` (a build's results
for its notebooks).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from helpers.measures.comparison import Comparison, compare_with_group
    from helpers.measures.compute import (
        assemble_result,
        compute_measure,
        compute_measures,
        compute_section,
    )
    from helpers.measures.figure import figure_at_quarter
    from helpers.measures.result import MeasureError, MeasureResult
    from helpers.measures.series import (
        all_forces_series,
        period_counts,
        rolling_series,
        select_rows,
    )
    from helpers.measures.trend import trend_input, trend_test

# Imported on first use, not with the package: `helpers.measures.handoff` is standard library
# only and is imported by notebook kernels and rebuilds before pandas, scipy or statsmodels.
_MODULE_OF = {
    "MeasureResult": "result",
    "MeasureError": "result",
    "select_rows": "series",
    "period_counts": "series",
    "rolling_series": "series",
    "all_forces_series": "series",
    "figure_at_quarter": "figure",
    "Comparison": "comparison",
    "compare_with_group": "comparison",
    "trend_input": "trend",
    "trend_test": "trend",
    "assemble_result": "compute",
    "compute_measure": "compute",
    "compute_measures": "compute",
    "compute_section": "compute",
}

__all__ = [
    "Comparison",
    "MeasureError",
    "MeasureResult",
    "all_forces_series",
    "assemble_result",
    "compare_with_group",
    "compute_measure",
    "compute_measures",
    "compute_section",
    "figure_at_quarter",
    "period_counts",
    "rolling_series",
    "select_rows",
    "trend_input",
    "trend_test",
]


def __getattr__(name: str) -> Any:
    """A public step or result type, imported from its module on first use (PEP 562)."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
