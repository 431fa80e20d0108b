"""The minimal folder for tests: deterministic and seeded."""

from __future__ import annotations

from pathlib import Path

from helpers.inputs.sample_data import DEFAULT_SEED, write_minimal_sample


def test_minimal_sample_is_deterministic_and_seeded(tmp_path: Path) -> None:
    first = write_minimal_sample(tmp_path / "a")
    assert write_minimal_sample(tmp_path / "b") == first
    other = write_minimal_sample(tmp_path / "c", seed=DEFAULT_SEED + 1)
    assert other["national/prc_pfa.csv.gz"] != first["national/prc_pfa.csv.gz"]
