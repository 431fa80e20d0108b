"""A valid minimal data folder, written once for the session (tests only copy it), and a fresh
copy of it for each test to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers.inputs.sample_data import write_minimal_sample


@pytest.fixture(scope="session")
def minimal_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("minimal")
    write_minimal_sample(out)
    return out


@pytest.fixture
def data_dir(minimal_folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(minimal_folder, target)
    return target
