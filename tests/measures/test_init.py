"""The package's short import for notebooks (helpers.measures): every name it offers resolves, and
none of it is imported until asked for, so that `helpers.measures.handoff` stays light."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import helpers.measures

# pandas and numpy are not here: `helpers` itself imports them (its quarters are pd.Periods).
HEAVY = ("scipy", "statsmodels", "matplotlib")
STEP_MODULES = tuple(
    f"helpers.measures.{m}"
    for m in ("result", "series", "figure", "comparison", "trend", "compute", "table")
)


def _added_by(statement: str) -> list[str]:
    """The modules `statement` imports beyond `import helpers`, in a fresh interpreter (this one
    has imported everything already): the statistics libraries and step modules among them,
    and every other module outside the standard library."""
    code = (
        "import sys, json, helpers\n"
        "before = set(sys.modules)\n"
        f"{statement}\n"
        "added = set(sys.modules) - before\n"
        "print(json.dumps(sorted(m for m in added if m.split('.')[0] not in sys.stdlib_module_names"
        " and m != 'helpers.measures' and m != 'helpers.measures.handoff')))\n"
        f"print(json.dumps(sorted(m for m in {HEAVY + STEP_MODULES!r} if m in sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    added, heavy = (json.loads(line) for line in done.stdout.strip().splitlines()[-2:])
    return sorted({*added, *heavy})


def test_importing_the_handoff_imports_no_heavy_library_and_no_step_module():
    assert _added_by("import helpers.measures.handoff") == []
    assert _added_by("from helpers.measures import handoff") == []


def test_the_check_sees_a_step_module_imported():
    # Without this, a check that never saw anything would pass for the wrong reason.
    found = _added_by("from helpers.measures import figure_at_quarter")
    assert {"helpers.measures.figure", "helpers.measures.series", "scipy"} <= set(found)


@pytest.mark.parametrize("name", helpers.measures.__all__)
def test_every_public_name_resolves_to_its_module_s_object(name):
    value = getattr(helpers.measures, name)
    assert value.__module__.startswith("helpers.measures.")
    module = sys.modules[value.__module__]
    assert getattr(module, name) is value
    assert name in dir(helpers.measures)


def test_the_steps_a_notebook_shows_are_all_offered():
    steps = {
        "select_rows",
        "period_counts",
        "rolling_series",
        "figure_at_quarter",
        "compare_with_group",
        "trend_input",
        "trend_test",
        "assemble_result",
        "compute_measure",
        "MeasureResult",
    }
    assert steps <= set(helpers.measures.__all__)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_step"):
        _ = helpers.measures.no_such_step  # type: ignore[attr-defined]
