"""The synthetic sample, generated once for the session (a few seconds): the tests of
`helpers.inputs.sample_data` read its output."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.inputs.datasets import InputData, load_inputs
from helpers.inputs.sample_data import main


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    assert main(["--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def sample(sample_dir: Path) -> InputData:
    return load_inputs(sample_dir, validate=False)  # validity has its own test
