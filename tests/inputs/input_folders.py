"""Data folders the input tests break on purpose: the fixtures' files placed in a valid folder,
the errors raised, the problem at a row, the real published files where available.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.core.exceptions import InputProblem, InputValidationError
from helpers.inputs.validation import validate_inputs

FIXTURES = Path(__file__).parents[1] / "fixtures" / "bad_inputs"
REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"
real_data = pytest.mark.real_data


def place_fixture(data_dir: Path, fixture: str, rel: str) -> None:
    target = data_dir / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / fixture, target)


def raised_errors(data_dir: Path, *sources: str) -> list[InputProblem]:
    """The errors raised for `sources` (every source when none is named)."""
    with pytest.raises(InputValidationError) as caught:
        validate_inputs(data_dir, sources or None)
    return caught.value.problems


def find_problem(problems: list[InputProblem], *, row: int | None, fragment: str) -> InputProblem:
    matches = [p for p in problems if p.row == row and fragment in p.message]
    assert matches, f"no problem at row {row} containing {fragment!r} in:\n" + "\n".join(
        map(str, problems)
    )
    return matches[0]


def prc_frame(data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(data_dir / "national/prc_pfa.csv.gz", dtype=str, keep_default_na=False)


def write_prc(data_dir: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(data_dir / "national/prc_pfa.csv.gz", index=False)


def real_file(path: str) -> Path:
    target = REAL / path
    if not target.is_file():
        pytest.skip(f"real data not available: {target} (../shared/data/real beside the clone)")
    return target
