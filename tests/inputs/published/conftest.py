"""The real published files read once for the session: the PRC rows by hand, and the folder
`import_real` makes of them (the tests only read it)."""

from __future__ import annotations

import pytest
from published_files import PRC, REAL, csv_rows

from helpers.inputs import published
from helpers.inputs.datasets import load_inputs


@pytest.fixture(scope="session")
def prc_rows():
    return csv_rows(PRC)


@pytest.fixture(scope="session")
def real_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("real")
    published.import_real(REAL, out)
    return out


@pytest.fixture(scope="session")
def inputs(real_folder):
    return load_inputs(real_folder)
