"""measures.csv and the shared measure results (helpers.pipeline.measuring)."""

from __future__ import annotations

import pandas as pd

from helpers.core.config import default_catalogue, load_settings
from helpers.core.quarters import FinancialQuarter
from helpers.measures import compute
from helpers.measures import series as series_steps
from helpers.pipeline.incremental import BuildCache
from helpers.pipeline.measuring import measure_results, write_measures
from helpers.pipeline.plan import BuildOptions, resolve_request
from helpers.pipeline.steps import BuildSteps


class Inputs:
    def __init__(self) -> None:
        self.files = {"prc.csv": "aa"}
        self.latest_quarter = "2024-03"
        self.missing: set[str] = set()


def test_a_batch_computes_each_measures_series_for_every_force_once(monkeypatch):
    series: list[str] = []
    figures: list[tuple[str, str]] = []

    def all_forces_series(measure, inputs, settings, forces):
        series.append(measure.id)
        return f"series of {measure.id}"

    def compute_measure(measure, inputs, quarter, force, settings, forces, shared):
        assert shared == f"series of {measure.id}"
        figures.append((measure.id, force))
        return (measure.id, force)

    monkeypatch.setattr(series_steps, "all_forces_series", all_forces_series)
    monkeypatch.setattr(compute, "compute_measure", compute_measure)
    inputs, settings = Inputs(), load_settings()
    quarter = FinancialQuarter.parse("2024-03")
    ids = [m.id for m in default_catalogue().measures]
    for force in ("Kent", "Essex"):
        assert measure_results(inputs, quarter, force, settings) == [(i, force) for i in ids]
    assert series == ids  # once per measure, not per force
    assert len(figures) == 2 * len(ids)
    measure_results(Inputs(), quarter, "Kent", settings)  # other inputs: computed again
    assert series == ids * 2


def test_injected_measures_are_written_as_given_and_not_shared(tmp_path):
    def table(inputs, quarter, force, settings):
        return pd.DataFrame({"measure": ["homicide"], "force": [force], "value": [1 / 3]})

    steps = BuildSteps(measures_table=table)
    request = resolve_request(BuildOptions(data_dir=str(tmp_path), force="Kent"), lambda: [])
    plan = request.plan(FinancialQuarter.parse("2024-03"))
    assert write_measures(plan, Inputs(), steps, BuildCache(tmp_path), tmp_path) is None
    text = (tmp_path / "measures.csv").read_text()
    assert text == "measure,force,value\nhomicide,Kent,0.3333333333\n"
