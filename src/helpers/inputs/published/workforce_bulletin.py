"""Home Office "Police workforce, England and Wales" September bulletins: the ODS table files as
published (one table a sheet, `Table_1` ...), the force tables of officers, staff, PCSOs,
designated officers and special constables read into one tidy table.

A force table's layout: the title in A1, its footnote digits stuck to words ("... 30 September
20191 (FTE)", "s.391"); "Full-time equivalents" or "Headcount" in a header cell; the snapshot
dates (31 March, 30 September) as dates on the last header row; then regions each followed by its
forces ("West Midlands" is both), "Total 43 forces", "Central Service Secondments", "British
Transport Police", "Total", and the notes. The reader checks that layout as it goes: each region
and the 43 forces' total must equal the sum of the forces read, so a column or row out of place
is an error naming the file, the sheet and the row, never a wrong figure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core.forces import default_forces
from helpers.inputs.published.sheets import PublishedFileError, read_sheets

# The subject of a force table's title ("Table 2: <subject> by police force area ...") -> the
# worker type; None for the staff-and-designated-officers table, a sum of two others.
TABLE_SUBJECTS = (
    (re.compile(r"^police staff and designated officers"), None),
    (re.compile(r"^police officers\d*$"), "Police officer"),
    (re.compile(r"^police staff\d*$"), "Police staff"),
    (re.compile(r"^police community support officers\d*$"), "PCSO"),
    (re.compile(r"^designated officers"), "Designated officer"),
    (re.compile(r"^special constables\d*$"), "Special constable"),
    (re.compile(r"^police support volunteers\d*$"), "Police support volunteer"),
)
# Every bulletin has these tables in FTE: without one, a sheet has moved or been renamed.
REQUIRED_TABLES = ("Police officer", "Police staff", "PCSO")
REGIONS = frozenset(
    {
        "north east",
        "north west",
        "yorkshire and the humber",
        "east midlands",
        "west midlands",
        "eastern",
        "east of england",
        "london",
        "south east",
        "south west",
        "wales",
    }
)
TOTAL_FORCES = "total 43 forces"
OTHER_ROWS = frozenset({"central service secondments", "british transport police"})
MEASURES = {"full-time equivalents": "fte", "headcount": "headcount"}
_TITLE = re.compile(r"^Table \d+:\s*(.+?)\s+by police force area", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?: 00:00:00)?$")
_TITLE_DATE = re.compile(r"(\d{1,2}) (March|September) (\d{4})")
_MISSING = {"", "..", "*", ":", "n/a"}
_HEADER_ROWS = 10


def read_workforce_bulletin(path: Path | str) -> pd.DataFrame:
    """The force tables of one September bulletin's ODS (or XLSX): as_at (`YYYY-MM-DD`), force
    (canonical), worker_type (Police officer, Police staff, PCSO, Designated officer, Special
    constable, Police support volunteer), measure (fte or headcount), value (NaN where the table
    has `..` or `*`, never 0), sheet. The national summary table and the staff-and-designated
    table (a sum of two others) are left out."""
    path = Path(path)
    frames = []
    found: set[tuple[str, str]] = set()
    for name, sheet in read_sheets(path).items():
        title = str(sheet.iat[0, 0]).strip() if not sheet.empty else ""
        match = _TITLE.match(title)
        if not match:
            continue  # the index, and the England and Wales summary table
        where = f"{path.name}, sheet '{name}'"
        worker_type = _worker_type(match[1], where)
        if worker_type is None:
            continue
        table = _force_table(sheet, title, where)
        table.insert(2, "worker_type", worker_type)
        table["sheet"] = name
        frames.append(table)
        found |= {(worker_type, m) for m in table["measure"]}
    absent = [t for t in REQUIRED_TABLES if (t, "fte") not in found]
    if absent:
        raise PublishedFileError(
            f"{path}: no force table (FTE) of {', '.join(absent)}: is it a September police "
            "workforce bulletin's table file, or has a sheet moved or been renamed?"
        )
    return pd.concat(frames, ignore_index=True)


def read_workforce_bulletins(paths: Sequence[Path | str]) -> pd.DataFrame:
    """Several bulletins' force tables; where two hold the same snapshot, the later bulletin (by
    its latest snapshot) wins: each revises the figures of the one before."""
    read = [read_workforce_bulletin(p) for p in paths]
    read.sort(key=lambda frame: frame["as_at"].max())
    out = pd.concat(read, ignore_index=True)
    key = ["as_at", "force", "worker_type", "measure"]
    out = out.drop_duplicates(key, keep="last").sort_values(key, kind="stable")
    return out.reset_index(drop=True)


def _worker_type(subject: str, where: str) -> str | None:
    text = subject.strip().lower()
    for pattern, worker_type in TABLE_SUBJECTS:
        if pattern.match(text):
            return worker_type
    raise PublishedFileError(
        f"{where}, row 1: a force table of '{subject}', which this reader does not know"
    )


def _force_table(sheet: pd.DataFrame, title: str, where: str) -> pd.DataFrame:
    date_row, dates = _dates(sheet, title, where)
    measure = _measure(sheet, date_row, title, where)
    registry = default_forces()
    values: dict[str, list[float]] = {}
    region: tuple[str, int, list[float]] | None = None
    checks: list[tuple[str, int, list[float], list[str]]] = []
    members: list[str] = []
    total_row = None
    for i in range(date_row + 1, len(sheet)):
        # Footnote digits stick to names too ("Wiltshire1", "West Midlands2").
        label = re.sub(r"(?<=[a-z])[\d,]+$", "", str(sheet.iat[i, 0]).strip()).strip()
        key = label.lower()
        if not label:
            continue
        numbers = [_number(sheet.iat[i, c], where, i) for c in dates]
        # "West Midlands" is a region and, last in it, a force.
        if key in REGIONS and not (region and region[0] == key):
            if region:
                checks.append((*region, members))
            region, members = (key, i, numbers), []
            continue
        if key == TOTAL_FORCES:
            if region:
                checks.append((*region, members))
            total_row = (i, numbers)
            break
        force = registry.find(label)
        if force is None:
            raise PublishedFileError(
                f"{where}, row {i + 1}: '{label}' is neither a force nor a region"
                f"{registry.suggestion(label)}"
            )
        if force.name in values:
            raise PublishedFileError(f"{where}, row {i + 1}: {force.name} a second time")
        values[force.name] = numbers
        members.append(force.name)
    if total_row is None:
        raise PublishedFileError(f"{where}: no 'Total 43 forces' row under the forces")
    missing = sorted(set(registry.names) - set(values))
    if missing:
        raise PublishedFileError(
            f"{where}, row {total_row[0] + 1}: 'Total 43 forces' reached without "
            f"{', '.join(missing)}"
        )
    everyone = list(values)
    for label, row, published, forces in [
        *checks,
        ("Total 43 forces", total_row[0], total_row[1], everyone),
    ]:
        _check_sum(label, row, published, [values[f] for f in forces], dates, where)
    as_at = list(dates.values())
    return pd.DataFrame(
        [
            {"as_at": as_at[k], "force": force, "measure": measure, "value": numbers[k]}
            for force, numbers in values.items()
            for k in range(len(as_at))
        ]
    )


def _dates(sheet: pd.DataFrame, title: str, where: str) -> tuple[int, dict[int, str]]:
    """The header row of snapshot dates and {column: `YYYY-MM-DD`}: each a 31 March or 30
    September, the latest the title's latest (footnote digits stuck to a year are not part of
    it; a volunteers table names only its latest)."""
    named = {
        f"{y}-{'03' if m == 'March' else '09'}-{int(d):02d}"
        for d, m, y in _TITLE_DATE.findall(title)
    }
    for i in range(1, min(_HEADER_ROWS, len(sheet))):
        cells = {c: _DATE.match(str(v).strip()) for c, v in enumerate(sheet.iloc[i])}
        dates = {c: f"{m[1]}-{m[2]}-{m[3]}" for c, m in cells.items() if m}
        if not dates:
            continue
        for date in dates.values():
            if date[5:] not in ("03-31", "09-30"):
                raise PublishedFileError(
                    f"{where}, row {i + 1}: a column of {date}, neither 31 March nor 30 September"
                )
        if list(dates.values()) != sorted(dates.values()):
            # The Home Office orders its snapshots left to right: two swapped would still sum.
            raise PublishedFileError(
                f"{where}, row {i + 1}: the snapshot columns are not in date order "
                f"({', '.join(dates.values())})"
            )
        if named and max(dates.values()) != max(named):
            raise PublishedFileError(
                f"{where}, row {i + 1}: the latest column is {max(dates.values())}, but the "
                f"title is of {max(named)}: the columns are not this table's"
            )
        return i, dates
    raise PublishedFileError(
        f"{where}: no row of snapshot dates in the first {_HEADER_ROWS} rows (the 'As at:' dates)"
    )


def _measure(sheet: pd.DataFrame, date_row: int, title: str, where: str) -> str:
    """fte or headcount, from the header's "Full-time equivalents"/"Headcount" cell; a title that
    ends "(FTE)" or "(headcount)" must agree."""
    header = {
        re.sub(r"\d+$", "", str(v).strip().lower()) for i in range(date_row) for v in sheet.iloc[i]
    }
    said = {MEASURES[h] for h in header if h in MEASURES}
    in_title = re.search(r"\((fte|headcount)\)\s*$", title, re.IGNORECASE)
    if in_title:
        said.add(in_title[1].lower())
    if len(said) != 1:
        raise PublishedFileError(
            f"{where}, rows 1-{date_row}: cannot tell whether the table is full-time "
            "equivalents or headcount"
            + (" (the header and the title disagree)" if len(said) > 1 else "")
        )
    return said.pop()


def _number(cell: object, where: str, row: int) -> float:
    text = str(cell).strip().replace(",", "")
    if text.lower() in _MISSING:
        return np.nan
    if text == "-":
        return 0.0
    try:
        value = float(text)
    except ValueError:
        raise PublishedFileError(f"{where}, row {row + 1}: not a number: {text!r}") from None
    if value < 0:
        raise PublishedFileError(f"{where}, row {row + 1}: a negative number of people: {text}")
    return value


def _check_sum(
    label: str,
    row: int,
    published: list[float],
    parts: list[list[float]],
    dates: dict[int, str],
    where: str,
) -> None:
    """A region or the 43 forces' total against the sum of the forces read under it: the
    published sums are of unrounded figures, so they agree to rounding when every row and column
    is where the reader thinks it is."""
    for k, date in enumerate(dates.values()):
        column = [p[k] for p in parts]
        if np.isnan(published[k]) or any(np.isnan(v) for v in column):
            continue
        total = float(np.sum(column))
        if abs(total - published[k]) > 0.5 + 1e-6 * abs(published[k]):
            raise PublishedFileError(
                f"{where}, row {row + 1}: {label.title() if label.islower() else label} "
                f"is {published[k]:,.2f} at {date} but its forces read sum to {total:,.2f}: "
                "the rows or columns are not where this reader expects them"
            )
