"""Collecting the problems of one source, and wording the ones several checks share (duplicate
rows, located by file and line).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from helpers.core.exceptions import InputProblem
from helpers.inputs.reading import FILE_COLUMN, LINE_COLUMN

# How many rows with the same problem in one file are listed before they are summarised.
MAX_LISTED = 10


class ProblemCollector:
    """Problems of one source; rows of a file with the same problem are listed up to MAX_LISTED."""

    def __init__(self) -> None:
        self.errors: list[InputProblem] = []
        self.warnings: list[InputProblem] = []
        self._counts: dict[tuple[bool, str, str | None, str], int] = {}

    def add(
        self, problem: InputProblem, *, warning: bool = False, group: str | None = None
    ) -> None:
        target = self.warnings if warning else self.errors
        if problem.row is None:
            target.append(problem)
            return
        key = (warning, problem.file, problem.column, group or problem.message)
        count = self._counts.get(key, 0) + 1
        self._counts[key] = count
        if count <= MAX_LISTED:
            target.append(problem)

    def extend(self, problems: Iterable[InputProblem], *, warning: bool = False) -> None:
        for problem in problems:
            self.add(problem, warning=warning)

    def summarise(self) -> None:
        for (warning, file, column, message), count in self._counts.items():
            if count > MAX_LISTED:
                target = self.warnings if warning else self.errors
                target.append(
                    InputProblem(
                        file,
                        f"... and {count - MAX_LISTED} more rows with the same problem ({message})",
                        column=column,
                    )
                )


def first_row_of(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """For each row, the index of the first row with the same values in `columns`."""
    group = frame.groupby(list(columns), sort=False, dropna=False).ngroup()
    first = pd.Series(frame.index, index=frame.index).groupby(group.values).transform("min")
    return first


def line_of(frame: pd.DataFrame, index: int, file: str) -> str:
    """ "line 5", or "local/x/2025-03.csv line 5" when the row is in another file than `file`."""
    where = f"line {frame.at[index, LINE_COLUMN]}"
    other = str(frame.at[index, FILE_COLUMN])
    return where if other == file else f"{other} {where}"


def duplicate_message(
    frame: pd.DataFrame, index: int, first: int, columns: Sequence[str], key: Sequence[str]
) -> str:
    """Row `index` repeats the key of row `first`: an exact copy (a row pasted twice, which
    would be counted twice), or the same key with other values (which of the two is right?)."""
    where = line_of(frame, first, str(frame.at[index, FILE_COLUMN]))
    same = all(_same_value(frame.at[index, c], frame.at[first, c]) for c in columns)
    if same:
        return (
            f"duplicate row: an exact copy of {where} (every column the same); it would be "
            "counted twice"
        )
    return f"duplicate row: the same {', '.join(key)} as {where}, with other values"


def _same_value(a: object, b: object) -> bool:
    return bool(a == b) or (pd.isna(a) and pd.isna(b))  # type: ignore[call-overload]
