"""Home Office use-of-force tables: the force x officer-perceived-ethnicity table of the ODS as
published, or its tidy CSV extract; and telling an annual table from a rolling one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from helpers.core.forces import ENGLAND_AND_WALES
from helpers.inputs.published.sheets import (
    PublishedFileError,
    canonical_force_names,
    header_row,
    is_spreadsheet,
    read_sheets,
    read_text_table,
    with_header,
)
from helpers.inputs.reading import parse_whole_numbers
from helpers.inputs.schemas import RECORDED_ETHNIC_GROUPS

# Use of force: the force x officer-perceived-ethnicity table and its columns -> the six groups.
# "Chinese" (2018/19 only) is counted as Asian, as the Home Office did from 2019/20 and as the
# Census 2021 broad groups do; "Don't know" and "Not reported" are not recorded.
USE_OF_FORCE_GROUPS = {
    "white": "White",
    "black (or black british)": "Black",
    "black": "Black",
    "asian (or asian british)": "Asian",
    "asian": "Asian",
    "chinese": "Asian",
    "mixed": "Mixed",
    "other": "Other",
    "don't know": "Not recorded",
    "not reported": "Not recorded",
    "not stated": "Not recorded",
}
USE_OF_FORCE_TOTAL_ROW = "*total tactics"
_UOF_TABLE_TITLE = re.compile(r"by police force and officer perceived ethnicity", re.IGNORECASE)
_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, start=1)}


def read_use_of_force(path: Path | str) -> pd.DataFrame:
    """Tactics used, by force and officer-perceived ethnicity, for one financial year.

    From the published ODS (the table titled "... by police force and officer perceived
    ethnicity ...") or the tidy CSV extract of it. The `*Total Tactics` row of each force is
    taken (tactics used, not incidents: the Home Office does not publish incidents by ethnicity;
    see docs/DATA.md). Returns period (the financial year's last month, March), force,
    ethnic_group (the six groups), incidents; England and Wales and regional totals are left out.
    """
    path = Path(path)
    if is_spreadsheet(path):
        sheets = read_sheets(path)
        table = None
        for sheet in sheets.values():
            if not sheet.empty and _UOF_TABLE_TITLE.search(str(sheet.iat[0, 0])):
                table = sheet
                break
        if table is None:
            raise PublishedFileError(
                f"{path}: no table 'by police force and officer perceived ethnicity'"
            )
        row = header_row(table, "Police force")
        if row is None:
            raise PublishedFileError(f"{path}: the ethnicity table has no 'Police force' column")
        frame = with_header(table, row)
        year_end = _financial_year_end(
            [str(s.iat[0, 0]) for s in sheets.values() if not s.empty], path.name
        )
    else:
        frame = read_text_table(path)
        year_end = _financial_year_end([], path.name)
    frame.columns = [str(c).strip() for c in frame.columns]
    force_col = next((c for c in frame.columns if c.lower() == "police force"), None)
    tactic_col = next((c for c in frame.columns if c.lower() == "tactic"), None)
    if force_col is None or tactic_col is None:
        raise PublishedFileError(f"{path}: expected columns 'Police force' and 'Tactic'")
    groups = {
        c: USE_OF_FORCE_GROUPS[c.lower()] for c in frame.columns if c.lower() in USE_OF_FORCE_GROUPS
    }
    totals = frame[frame[tactic_col].str.strip().str.lower() == USE_OF_FORCE_TOTAL_ROW]
    names = canonical_force_names(totals[force_col], str(path), drop={ENGLAND_AND_WALES.lower()})
    rows = []
    for record in totals.itertuples(index=False):
        values = dict(zip(frame.columns, record, strict=True))
        force = names[values[force_col]]
        if not force:
            continue
        counts = dict.fromkeys(RECORDED_ETHNIC_GROUPS, 0)
        for column, group in groups.items():
            text = str(values[column]).strip()
            if text in ("", ":", "-", ".."):
                continue  # suppressed or not available: counted as none, noted in docs/DATA.md
            numbers, bad = parse_whole_numbers(pd.Series([text]))
            if bad.iloc[0]:
                raise PublishedFileError(f"{path}: {force}, {column}: not a number: {text!r}")
            counts[group] += int(numbers.iloc[0])
        rows.extend(
            {"period": year_end, "force": force, "ethnic_group": g, "incidents": n}
            for g, n in counts.items()
        )
    out = pd.DataFrame(rows, columns=["period", "force", "ethnic_group", "incidents"])
    return out.sort_values(["force", "ethnic_group"]).reset_index(drop=True)


def _financial_year_end(titles: Sequence[str], file_name: str) -> str:
    """'YYYY-MM' of the month the publication's year ends in (March for a financial year)."""
    for title in titles:
        match = re.search(r"year ending (\w+) (\d{4})", title, re.IGNORECASE)
        if match and match[1].lower() in _MONTHS:
            return f"{match[2]}-{_MONTHS[match[1].lower()]:02d}"
        match = re.search(r"\d{1,2} \w+ \d{4} to \d{1,2} (\w+) (\d{4})", title)
        if match and match[1].lower() in _MONTHS:
            return f"{match[2]}-{_MONTHS[match[1].lower()]:02d}"
    match = re.search(r"([a-z]+)(\d{4})-([a-z]+)(\d{4})", file_name.lower())
    if match:
        month = next((n for m, n in _MONTHS.items() if m.startswith(match[3][:3])), None)
        if month:
            return f"{match[4]}-{month:02d}"
    raise PublishedFileError(f"{file_name}: cannot tell which year the table covers")


def is_year_ending(frame: pd.DataFrame) -> bool:
    """Whether a tidy table's rows are whole years (each force's periods 12 months apart).

    Such a table (the annual use-of-force statistics) already holds 12-month figures: rolling it
    again would be wrong, and it has no quarters to roll.
    """
    if frame.empty or "period" not in frame:
        return False
    months = frame["period"].dt.year * 12 + frame["period"].dt.month
    steps = (
        pd.DataFrame({"force": frame["force"], "m": months})
        .drop_duplicates()
        .sort_values(["force", "m"])
        .groupby("force")["m"]
        .diff()
        .dropna()
    )
    one_month_of_year = frame["period"].dt.month.nunique() == 1
    # One period alone could be anything: a year needs at least two rows 12 months apart.
    return one_month_of_year and not steps.empty and bool((steps % 12 == 0).all())
