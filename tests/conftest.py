"""Fixtures shared by test modules.

`built` builds the report once per test run (the sample data, 2025-03, the default force), for
the notebook tests and the browser tests alike: the build takes a couple of minutes, so no module
builds its own. Set REPORT_TEST_BUILT to a finished build's folder
(outputs/<quarter>/<force>) to test that build instead, e.g. while working on the browser tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers.pipeline import cli

QUARTER = "2025-03"
FORCE_SLUG = "avon-and-somerset"


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    given = os.environ.get("REPORT_TEST_BUILT")
    if given:
        folder = Path(given)
        if not (folder / "report.html").is_file():
            pytest.fail(f"REPORT_TEST_BUILT={given}: no report.html there")
        return folder
    outputs = tmp_path_factory.mktemp("outputs")
    status = cli.main(["--quarter", QUARTER, "--outputs", str(outputs), "--jobs", "2"])
    assert status == 0
    return outputs / QUARTER / FORCE_SLUG
