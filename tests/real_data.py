"""The real published files beside the clone, converted once per test run into a data folder.

Tests that use them are marked ``real_data`` and skip when the files are not there (a fresh
clone without the fixture folder).
"""

from __future__ import annotations

from pathlib import Path

import pytest

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
real_data = pytest.mark.real_data


def converted_real_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real published files as a data folder (`import_real`), or skip without them."""
    from helpers.inputs.published.real_folder import import_real

    if not (REAL / "ho-prc-pfa").is_dir():
        pytest.skip(f"real data not available: {REAL} (../shared/data/real beside the clone)")
    out = tmp_path_factory.mktemp("real")
    import_real(REAL, out)
    return out
