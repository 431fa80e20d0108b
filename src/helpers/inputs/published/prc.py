"""Home Office police recorded crime open data by PFA: the workbook (one sheet per financial
year) or a CSV of the same columns, counts kept as the published text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from helpers.inputs.published.sheets import (
    PublishedFileError,
    header_row,
    is_spreadsheet,
    read_sheets,
    read_text_table,
    with_header,
)
from helpers.inputs.reading import parse_whole_numbers
from helpers.inputs.schemas import PRC_COLUMNS

# A sheet of the PRC workbook holding one financial year: "2017-18" (also "2017_18", "2017/18").
_YEAR_SHEET = re.compile(r"^\s*(\d{4})\s*[-_/ ]\s*(\d{2})\s*$")
# Offence codes that a spreadsheet may hold as numbers: "4.10" would read as 4.1.
_CORPORATE_MANSLAUGHTER = re.compile(r"corporate manslaughter", re.IGNORECASE)


def read_prc(path: Path | str) -> pd.DataFrame:
    """The PRC open data of one file (CSV, CSV.gz, ODS, XLSX) with the published columns as text.

    A workbook's sheets named like `2017-18` are stacked (cover and notes sheets are ignored), each
    read from the row that holds the column names. Counts stay as published text (validation reads
    them); offence codes a spreadsheet stored as numbers are written back as codes (`1.0` -> `1`,
    corporate manslaughter `4.1` -> `4.10`).
    """
    return read_prc_located(path)[0]


def read_prc_located(path: Path | str) -> tuple[pd.DataFrame, list[tuple[str, int]]]:
    """`read_prc`, and where each row is in the file: (the file and sheet, the row number as a
    spreadsheet or text editor numbers it), for messages a person can follow."""
    path = Path(path)
    if is_spreadsheet(path):
        frames = []
        where: list[tuple[str, int]] = []
        for name, sheet in read_sheets(path).items():
            if not _YEAR_SHEET.match(name):
                continue
            row = header_row(sheet, "Force Name")
            if row is None:
                raise PublishedFileError(f"{path}: sheet '{name}' has no 'Force Name' column")
            body = with_header(sheet, row)
            missing = [c for c in PRC_COLUMNS if c not in body.columns]
            if missing:
                raise PublishedFileError(
                    f"{path}, sheet '{name}', row {row + 1}: missing column(s) {', '.join(missing)}"
                )
            frames.append(body[list(PRC_COLUMNS)])
            where.extend((f"{path.name}, sheet '{name}'", r) for r in body.attrs["rows"])
        if not frames:
            raise PublishedFileError(
                f"{path}: no sheet named like a financial year (e.g. 2017-18): is it the police "
                "recorded crime workbook?"
            )
        frame = pd.concat(frames, ignore_index=True)
    else:
        frame = read_text_table(path)
        where = [(path.name, line) for line in range(2, len(frame) + 2)]
    missing = [c for c in PRC_COLUMNS if c not in frame.columns]
    if missing:
        raise PublishedFileError(f"{path}, row 1: missing column(s) {', '.join(missing)}")
    frame = frame[list(PRC_COLUMNS)].apply(lambda c: c.astype(str).str.strip())
    frame["Offence Code"] = _offence_codes(frame["Offence Code"], frame["Offence Description"])
    return frame.reset_index(drop=True), where


def _offence_codes(codes: pd.Series, descriptions: pd.Series) -> pd.Series:
    codes = codes.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    # Float artefacts of a code held as a number (37.200000000000003 -> 37.2).
    floaty = codes.str.fullmatch(r"\d+\.\d{6,}")
    codes = codes.where(~floaty, codes[floaty].map(lambda c: repr(round(float(c), 4))))
    corporate = codes.eq("4.1") & descriptions.str.contains(_CORPORATE_MANSLAUGHTER)
    return codes.where(~corporate, "4.10")


def prc_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """`read_prc`'s frame with `Number of Offences` and `Financial Quarter` as whole numbers,
    read by the same rules as a data folder's CSV (padded text, `-00`, thousands separators)."""
    out = frame.copy()
    for column in ("Number of Offences", "Financial Quarter"):
        numbers, bad = parse_whole_numbers(out[column])
        if bad.any():
            raise PublishedFileError(
                f"'{column}' is not a whole number on {int(bad.sum())} row(s), e.g. "
                f"{out.loc[bad, column].iloc[0]!r}"
            )
        out[column] = numbers.astype("int64")
    return out


def tidy_prc(frame: pd.DataFrame) -> pd.DataFrame:
    """The 43 forces' tidy PRC table (as `InputData.prc`) of a `read_prc` frame."""
    from helpers.inputs.datasets import tidy_prc_tables

    forces, _ = tidy_prc_tables(prc_numbers(frame))
    return forces
