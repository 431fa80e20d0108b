"""What a build hands its notebooks (helpers.measures.handoff): taken only by a notebook whose
parameters and inputs are the build's, never through a notebook parameter."""

from __future__ import annotations

import pickle
from dataclasses import replace

import pytest

from helpers.core.config import load_settings
from helpers.core.paths import PROJECT_ROOT
from helpers.inputs.datasets import load_inputs
from helpers.measures import handoff
from helpers.present.report.context import ReportContext

SAMPLE = PROJECT_ROOT / "data" / "sample"
PARAMETERS = {
    "quarter": "2025-03",
    "force": "Avon and Somerset",
    "data_dir": str(SAMPLE),
    "narrative_dir": "params/narrative",
    "trend_method": "regression_ar1",
    "trend_alpha": 0.05,
    "trend_window_quarters": 12,
}


@pytest.fixture(autouse=True)
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv(handoff.ENV_DIR, str(tmp_path / "handoff"))
    return tmp_path / "handoff"


@pytest.fixture
def files() -> dict[str, str]:
    return load_inputs(SAMPLE).files


def test_the_key_is_the_parameters_that_decide_the_figures_and_the_inputs(files):
    key = handoff.offer_key(PARAMETERS, files)
    # Spellings of the same force, the same folder written otherwise, a narrative folder: same.
    same = PARAMETERS | {
        "force": "Avon & Somerset Constabulary",
        "data_dir": "data/../data/sample",
        "narrative_dir": "elsewhere",
    }
    assert handoff.offer_key(same, files) == key
    for name, other in [
        ("quarter", "2024-12"),
        ("force", "Kent"),
        ("trend_method", "quasi_poisson"),
        ("trend_alpha", 0.1),
        ("trend_window_quarters", 8),
    ]:
        assert handoff.offer_key(PARAMETERS | {name: other}, files) != key, name
    changed = dict(files) | {next(iter(files)): "0" * 64}
    assert handoff.offer_key(PARAMETERS, changed) != key


def test_an_offer_is_found_until_it_is_withdrawn_or_its_files_are_gone(tmp_path, files):
    results = tmp_path / "results.pkl"
    results.write_bytes(pickle.dumps([]))
    key = handoff.offer_key(PARAMETERS, files)
    assert handoff.find(key) is None
    path = handoff.offer(key, results, None, "settings")
    found = handoff.find(key)
    assert found is not None and found.results == results and found.settings == "settings"
    assert handoff.find(handoff.offer_key(PARAMETERS | {"force": "Kent"}, files)) is None
    results.unlink()  # a build that died: its staging folder is gone
    assert handoff.find(key) is None
    handoff.withdraw(path)
    assert list(path.parent.iterdir()) == []


def test_a_notebook_takes_the_builds_offer_only_for_the_same_parameters(tmp_path, files):
    """The context adopts the build's settings (a settings file may differ from the defaults)
    and its results; with any parameter changed it makes its own."""
    build_settings = replace(load_settings(), disclosure_min_count=11)
    results = tmp_path / "results.pkl"
    results.write_bytes(pickle.dumps([]))
    path = handoff.offer(handoff.offer_key(PARAMETERS, files), results, None, build_settings)
    try:
        taken = ReportContext.from_parameters(**PARAMETERS)
        assert taken.offer is not None and taken.settings.disclosure_min_count == 11
        own = ReportContext.from_parameters(**(PARAMETERS | {"trend_method": "quasi_poisson"}))
        assert own.offer is None and own.settings.trend.method == "quasi_poisson"
        alone = ReportContext.from_parameters(**(PARAMETERS | {"quarter": "latest"}))
        assert alone.offer is None and alone.settings.disclosure_min_count == 5
    finally:
        handoff.withdraw(path)
