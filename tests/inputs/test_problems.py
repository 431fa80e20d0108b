"""Problems gathered per source: many rows with the same problem are listed, then summarised."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from input_folders import raised_errors

from helpers.inputs.problems import MAX_LISTED


def test_many_identical_problems_are_summarised(data_dir: Path) -> None:
    rel = data_dir / "national/stop_search.csv"
    frame = pd.read_csv(rel, dtype=str, keep_default_na=False)
    frame.loc[: MAX_LISTED + 4, "searches"] = "n/a"
    frame.to_csv(rel, index=False)
    problems = raised_errors(data_dir, "stop_search")
    listed = [p for p in problems if p.row is not None]
    assert len(listed) == MAX_LISTED and [p.row for p in listed[:2]] == [2, 3]
    assert any("... and 5 more rows with the same problem" in p.message for p in problems)
