"""Home Office crime outcomes open data by PFA (offence code x outcome type x quarter): the rape
charge/summons figures of the data folder's `rape_outcomes`.

The published sheet ("Outcomes open data", `prc-outcomes-open-data-mar2019-tables.ods`, or a
CSV export of it) and a copy whose column names went through R's `janitor::clean_names()` are
both read: a column is found by its name with case and punctuation ignored, so `Force outcomes
recorded in quarter` and `force_outcomes_recorded_in_quarter` are the same column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.core.quarters import FinancialQuarter
from helpers.inputs.published.sheets import (
    PublishedFileError,
    canonical_force_names,
    clean_name,
    cleaned_header_row,
    is_spreadsheet,
    read_sheets,
    read_text_table,
    with_header,
)
from helpers.inputs.reading import parse_whole_numbers

# Rape offences in the Home Office Counting Rules since April 2015: 19C-19H (rape of a female or
# male, aged 16 and over, under 16, under 13). The older codes 19A/19B are not in these files.
RAPE_OFFENCE_CODES = ("19C", "19D", "19E", "19F", "19G", "19H")
CHARGED_SUMMONSED = "1"  # outcome type 1, Charged/Summonsed
NOT_YET_ASSIGNED = "0"  # outcome type 0: no count in the "recorded in quarter" column
# The columns read, by their cleaned names (see `clean_name`), and what the messages call them.
OUTCOME_COLUMNS = {
    "financial_year": "Financial Year",
    "financial_quarter": "Financial Quarter",
    "force_name": "Force Name",
    "offence_code": "Offence Code",
    "outcome_type": "Outcome Type",
    "force_outcomes_recorded_in_quarter": "Force outcomes recorded in quarter",
}
# Text that the count column holds where no count is published (outcome type 0 only).
_NO_COUNT = frozenset({"", "NA", "N/A"})


# The header row of the outcomes sheet names both the force and the outcome type.
_OUTCOMES_HEADER = frozenset({"force_name", "outcome_type"})


def outcome_table(path: Path | str) -> tuple[pd.DataFrame, list[tuple[str, int]]]:
    """The outcomes sheet's columns that the report reads, as text, named by their cleaned
    names, and where each row is: (file and sheet, row number as a spreadsheet or editor
    numbers it). A missing or renamed column is a `PublishedFileError` naming the file, the
    sheet and the header row."""
    path = Path(path)
    if is_spreadsheet(path):
        sheets = read_sheets(path)
        for name, sheet in sheets.items():
            row = cleaned_header_row(sheet, _OUTCOMES_HEADER.issubset)
            if row is None:
                continue
            frame = with_header(sheet, row)
            where = f"{path.name}, sheet '{name}'"
            _check_columns(frame, f"{path}, sheet '{name}', row {row + 1}")
            frame = _named(frame)
            return frame, [(where, r) for r in frame.attrs["rows"]]
        raise PublishedFileError(
            f"{path}: no sheet has the outcomes columns (searched {', '.join(sheets)}; a header "
            f"row naming {', '.join(OUTCOME_COLUMNS.values())} was expected)"
        )
    frame = read_text_table(path)
    _check_columns(frame, f"{path}, row 1")
    return _named(frame), [(path.name, line) for line in range(2, len(frame) + 2)]


def _check_columns(frame: pd.DataFrame, where: str) -> None:
    found = {clean_name(c) for c in frame.columns}
    missing = [shown for name, shown in OUTCOME_COLUMNS.items() if name not in found]
    if missing:
        raise PublishedFileError(
            f"{where}: missing column(s) {', '.join(repr(m) for m in missing)} "
            f"(the header holds: {', '.join(str(c) for c in frame.columns)})"
        )


def _named(frame: pd.DataFrame) -> pd.DataFrame:
    rows = frame.attrs.get("rows")
    by_name = {clean_name(c): c for c in frame.columns}
    out = pd.DataFrame(
        {name: frame[by_name[name]].astype(str).str.strip() for name in OUTCOME_COLUMNS}
    )
    out.attrs["rows"] = rows
    return out


def read_rape_outcomes(path: Path | str) -> pd.DataFrame:
    """Rape offences (codes 19C-19H) by force and quarter: outcomes assigned in the quarter
    (every outcome type but 0, which has no count in that column) and those charged or
    summonsed (type 1), from the column "Force outcomes recorded in quarter".

    Returns period (the quarter's last month, `YYYY-MM`), force (canonical; British Transport
    Police and national totals left out), finalised_outcomes, charged_summonsed, the data
    folder's `rape_outcomes` form. A count that is not a whole number (apart from the blank of
    type 0), an unknown force, year or quarter is a `PublishedFileError` naming the row.
    """
    path = Path(path)
    frame, where = outcome_table(path)
    rape = frame[frame["offence_code"].str.upper().isin(RAPE_OFFENCE_CODES)]
    if rape.empty:
        raise PublishedFileError(
            f"{path}: no rows for the rape offence codes {', '.join(RAPE_OFFENCE_CODES)}"
        )
    counts = _counts(rape, path, where)
    periods = _periods(rape, path, where)
    names = canonical_force_names(
        rape["force_name"], str(path), drop={"british transport police", "england and wales"}
    )
    tidy = pd.DataFrame(
        {
            "period": periods,
            "force": rape["force_name"].map(names),
            "outcome_type": rape["outcome_type"],
            "count": counts,
        }
    )
    tidy = tidy[(tidy["force"] != "") & (tidy["outcome_type"] != NOT_YET_ASSIGNED)]
    grouped = tidy.groupby(["period", "force"], sort=True)
    out = pd.DataFrame(
        {
            "finalised_outcomes": grouped["count"].sum(),
            "charged_summonsed": tidy[tidy["outcome_type"] == CHARGED_SUMMONSED]
            .groupby(["period", "force"])["count"]
            .sum(),
        }
    ).fillna(0)
    return out.astype("int64").reset_index()


def _counts(rape: pd.DataFrame, path: Path, where: list[tuple[str, int]]) -> pd.Series:
    """The "recorded in quarter" counts as numbers: blank only for type 0; negative counts
    (reclassifications published by the Home Office) are kept and summed."""
    text = rape["force_outcomes_recorded_in_quarter"]
    blank = text.isin(_NO_COUNT)
    numbers, bad = parse_whole_numbers(text.where(~blank, "0"))
    wrong = (bad & ~blank) | (blank & (rape["outcome_type"] != NOT_YET_ASSIGNED))
    if wrong.any():
        at = wrong.to_numpy().nonzero()[0][0]
        file, row = where[rape.index[at]]
        raise PublishedFileError(
            f"{file}, row {row}: 'Force outcomes recorded in quarter' is "
            f"{text.iloc[at]!r} for outcome type {rape['outcome_type'].iloc[at]!r}: a whole "
            "number was expected (a blank only for type 0, not yet assigned)"
        )
    return numbers.where(~blank, 0).astype("int64")


def _periods(rape: pd.DataFrame, path: Path, where: list[tuple[str, int]]) -> pd.Series:
    """The quarter-end month (`YYYY-MM`) of each row's financial year and quarter."""
    labels = rape["financial_year"] + " Q" + rape["financial_quarter"].str.replace(".0", "")
    months: dict[str, str] = {}
    for label in labels.unique():
        try:
            months[label] = str(FinancialQuarter.parse(label).period)
        except (ValueError, KeyError):
            at = int((labels == label).to_numpy().nonzero()[0][0])
            file, row = where[rape.index[at]]
            raise PublishedFileError(
                f"{file}, row {row}: financial year and quarter {label!r} are not like "
                "'2018/19' and 1-4"
            ) from None
    return labels.map(months)
