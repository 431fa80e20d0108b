"""The sample inputs and the raw sample files, read once per test module."""

from __future__ import annotations

import pandas as pd
import pytest
from sample_figures import SAMPLE

from helpers.core.config import load_settings
from helpers.inputs.datasets import load_inputs


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(SAMPLE)


@pytest.fixture(scope="module")
def settings():
    return load_settings()


@pytest.fixture(scope="module")
def raw_prc() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "national" / "prc_pfa.csv.gz", dtype={"Offence Code": str})


@pytest.fixture(scope="module")
def raw_population() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "national" / "population_pfa.csv")
