"""The sample folder: the same seed gives the committed bytes, every contract holds, the README
says synthetic, one file per quarter for the local extracts.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sample_checks import (
    COMMITTED,
    FORCES,
    hashes,
)

from helpers.inputs.datasets import InputData
from helpers.inputs.schemas import LOCAL_SOURCES, SOURCES
from helpers.inputs.validation import check_inputs


def test_same_seed_same_bytes_as_the_committed_sample(sample_dir: Path) -> None:
    if not COMMITTED.is_dir():
        pytest.skip("data/sample is not in this checkout")
    assert hashes(sample_dir) == hashes(COMMITTED), (
        "data/sample differs from what the generator writes: regenerate it with "
        "`python -m helpers sample-data --out data/sample`"
    )


def test_sample_passes_every_contract(sample_dir: Path) -> None:
    report = check_inputs(sample_dir)
    assert report.errors == [] and report.missing == set()
    assert [w.column for w in report.warnings] == ["Number of Offences"]  # the adjustments


def test_readme_says_synthetic(sample_dir: Path, sample: InputData) -> None:
    text = (sample_dir / "README.md").read_text(encoding="utf-8")
    assert text.startswith("# SYNTHETIC sample data") and "never real data" in text
    assert sample.is_synthetic


def test_local_extracts_one_file_per_quarter_all_forces(sample_dir: Path) -> None:
    for name in LOCAL_SOURCES:
        files = sorted((sample_dir / SOURCES[name].path).glob("*.csv"))
        assert [f.stem for f in files][:2] == ["2019-06", "2019-09"] and len(files) == 24
        latest = pd.read_csv(files[-1])
        assert set(latest["force"]) == set(FORCES)
        assert sorted(latest["period"].unique()) == ["2025-01", "2025-02", "2025-03"]
