"""A notebook output fragment: HTML, its metadata and its spreadsheet tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Output metadata key of the parts the build re-renders from the narrative files at render time
# (`refresh_narrative_outputs`), so that a narrative edit never re-executes a notebook.
REFRESH_KEY = "helpers_refresh"


# Output metadata key of the rows of measures.csv (its text, without the header) of the result a
# measure's block shows: what tests compare with the build's measures.csv.
MEASURE_ROWS_KEY = "helpers_measures_csv"


# Output metadata key of the tables a part of a page shows (`spreadsheet.SheetTable.as_dict`):
# the build collects them from the executed notebooks, in page order, into report.ods.
TABLES_KEY = "helpers_tables"


@dataclass(frozen=True)
class Html:
    """A fragment of trusted HTML built by the helpers (every data value escaped on the way in).

    `metadata` travels with the output in the executed notebook (IPython's (data, metadata)
    form of `_repr_html_`); so do `tables`, the spreadsheet tables
    (`helpers.present.spreadsheet`) of the numbers this fragment shows, under `TABLES_KEY`:
    whatever a notebook displays with tables goes into report.ods.
    """

    text: str
    metadata: dict[str, Any] | None = None
    tables: tuple[Any, ...] = ()

    def _repr_html_(self) -> str | tuple[str, dict[str, Any]]:
        metadata = dict(self.metadata or {})
        if self.tables:
            metadata[TABLES_KEY] = [t.as_dict() for t in self.tables]
        if metadata:
            return self.text, metadata
        return self.text

    def __str__(self) -> str:
        return self.text
