"""Files as their publishers publish them, converted to the data-folder layout of docs/DATA.md.

One reader per publication:

* `read_prc` - Home Office police recorded crime open data by PFA: the ODS or XLSX with one sheet
  per financial year (`2017-18`), or a CSV of the same columns. Values are kept as the published
  text (` 1755 `, `-00`, `1,204`): `helpers.inputs.validation` reads them into numbers, so the data
  folder's CSV is checked by the same code whichever format it came from.
* `read_ons_population` - ONS mid-year population and households by PFA: the tidy long form
  (`area_code, area_name, mid_year, population, households`), or tables P9 (population only) and
  P10 (households only), combined; rounded floats (`2636600.0`) become whole numbers.
* `read_census_ethnicity` - Census 2021 ethnic group by PFA (already the project's form).
* `read_use_of_force` - Home Office use-of-force tables (the ODS as published, or the tidy CSV
  extract of its force x perceived-ethnicity table).
* `read_police_uk_street`, `read_police_uk_stop_search` - data.police.uk monthly CSVs: a folder of
  them, some files, or the archive zip.

Every force name goes through `helpers.core.forces` (an unknown one is an error naming the file).
`import_real` converts a folder of published files into a data folder (`python -m helpers
import-real`, run by `make report DATA=real`): by default `data/raw/`, which `make data` fills
from the publishers; any folder named with `--real-dir` (`REAL_DIR=` for make), flat or with one
sub-folder per publication, is searched the same way.

Annual tables (use of force): a financial year's figure is one row whose `period` is the year's
last month (2019/20 -> 2020-03). Such a row already covers 12 months; `is_year_ending` tells the
measures not to roll it again.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import re
import shutil
import sys
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core.exceptions import InputProblem, InputValidationError, ReportError
from helpers.core.forces import ENGLAND_AND_WALES, NON_TERRITORIAL, default_forces
from helpers.inputs.reading import parse_whole_numbers
from helpers.inputs.schemas import PRC_COLUMNS, RECORDED_ETHNIC_GROUPS, SOURCES, area_codes

SPREADSHEET_SUFFIXES = (".ods", ".xlsx", ".xlsm", ".xls")
# A sheet of the PRC workbook holding one financial year: "2017-18" (also "2017_18", "2017/18").
_YEAR_SHEET = re.compile(r"^\s*(\d{4})\s*[-_/ ]\s*(\d{2})\s*$")
# Offence codes that a spreadsheet may hold as numbers: "4.10" would read as 4.1.
_CORPORATE_MANSLAUGHTER = re.compile(r"corporate manslaughter", re.IGNORECASE)

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

# data.police.uk
STREET_COLUMNS = ("Month", "Falls within", "Crime type")
STOP_SEARCH_NO_FURTHER_ACTION = "A no further action disposal"
STOP_SEARCH_GROUPS = ("White", "Black", "Asian", "Mixed", "Other")
_POLICE_UK_FILE = re.compile(r"^(\d{4}-\d{2})-(.+?)-(street|stop-and-search|outcomes)")


class PublishedFileError(ReportError):
    """A published file that cannot be read as the publication it should be."""


# ----- generic reading -------------------------------------------------------------------------
def is_spreadsheet(path: Path) -> bool:
    return Path(path).suffix.lower() in SPREADSHEET_SUFFIXES


def read_sheets(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of an ODS/XLSX as text cells, no header (python-calamine)."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, engine="calamine", dtype=object)
    except Exception as exc:  # calamine raises its own types for damaged files
        raise PublishedFileError(f"{path}: cannot be read as a spreadsheet: {exc}") from exc
    return {name: frame.map(_cell_text) for name, frame in sheets.items()}


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _header_row(frame: pd.DataFrame, wanted: str, limit: int = 30) -> int | None:
    """The row (0-based) whose cells include `wanted`: title rows above the header are skipped."""
    for i in range(min(limit, len(frame))):
        if any(str(v).strip() == wanted for v in frame.iloc[i]):
            return i
    return None


def _with_header(frame: pd.DataFrame, row: int) -> pd.DataFrame:
    """The rows below `row`, named by it; `.attrs["rows"]`: each row's number in the sheet (as a
    spreadsheet numbers it, from 1)."""
    header = [str(v).strip() for v in frame.iloc[row]]
    body = frame.iloc[row + 1 :].copy()
    body.columns = header
    body = body.loc[:, [h != "" for h in header]]
    body = body[(body != "").any(axis=1)]
    rows = [int(i) + 1 for i in body.index]
    body = body.reset_index(drop=True)
    body.attrs["rows"] = rows
    return body


def _read_csv_text(path: Path) -> pd.DataFrame:
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return pd.read_csv(
        io.StringIO(raw.decode("utf-8-sig")), dtype=str, keep_default_na=False, na_filter=False
    )


def _canonical(names: Iterable[str], file: str, *, drop: Iterable[str] = ()) -> dict[str, str]:
    """{published name: canonical force}; names in `drop` (lower case) map to ''."""
    registry = default_forces()
    dropped = {d.lower() for d in drop}
    mapping: dict[str, str] = {}
    problems = []
    for name in dict.fromkeys(names):
        text = str(name).strip()
        force = registry.find(text) or registry.find(text.replace("-", " "))
        if force is not None:
            mapping[name] = force.name
        elif text.lower() in dropped or text.lower().startswith("total"):
            mapping[name] = ""
        else:
            problems.append(
                InputProblem(file, f"unknown force '{text}'{registry.suggestion(text)}")
            )
    if problems:
        raise InputValidationError(problems)
    return mapping


# ----- Home Office police recorded crime --------------------------------------------------------
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
            row = _header_row(sheet, "Force Name")
            if row is None:
                raise PublishedFileError(f"{path}: sheet '{name}' has no 'Force Name' column")
            body = _with_header(sheet, row)
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
        frame = _read_csv_text(path)
        where = [(path.name, line) for line in range(2, len(frame) + 2)]
    missing = [c for c in PRC_COLUMNS if c not in frame.columns]
    if missing:
        raise PublishedFileError(f"{path}, row 1: missing column(s) {', '.join(missing)}")
    frame = frame[list(PRC_COLUMNS)].apply(lambda c: c.astype(str).str.strip())
    frame["Offence Code"] = _offence_codes(frame["Offence Code"], frame["Offence Description"])
    return frame.reset_index(drop=True), where


def check_converted(
    frame: pd.DataFrame,
    source: str,
    locate: Callable[[], Sequence[tuple[str, int]]] | None = None,
) -> None:
    """Apply the data-folder contract of `source` to a converted table before it is written,
    every problem located in the published file (`locate()`: file and sheet, row, for each
    row, asked for only when there is a problem); raises `InputValidationError`. A bad
    published file never reaches the data folder."""
    import tempfile

    from helpers.core.exceptions import InputProblem, InputValidationError
    from helpers.inputs.validation import read_source

    spec = SOURCES[source]
    with tempfile.TemporaryDirectory(prefix="converted-") as tmp:
        write_csv(frame, Path(tmp) / spec.path)
        errors = read_source(Path(tmp), spec).errors
    if not errors:
        return
    where = locate() if locate is not None else None
    located = []
    for problem in errors:
        file, row, message = problem.file, problem.row, problem.message
        if where:
            if row is not None and 2 <= row < len(where) + 2:
                file, row = where[row - 2]  # line 2 of the CSV is the table's first row
            else:
                file = where[0][0].split(", sheet")[0]

            def _there(match: re.Match[str], file: str = file) -> str:
                line = int(match[1])
                if not 2 <= line < len(where) + 2:
                    return match[0]
                other, other_row = where[line - 2]
                return f"row {other_row}" if other == file else f"{other}, row {other_row}"

            message = re.sub(r"\bline (\d+)", _there, message)
        located.append(InputProblem(file, message, row, problem.column, problem.value))
    raise InputValidationError(located)


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
    from helpers.inputs.datasets import _tidy_prc

    forces, _ = _tidy_prc(prc_numbers(frame))
    return forces


# ----- ONS population and households -------------------------------------------------------------
def read_ons_population(paths: Path | str | Sequence[Path | str]) -> pd.DataFrame:
    """ONS mid-year estimates by PFA in the project's population form.

    Accepts the tidy form (`area_code, area_name, mid_year, population, households`) and tables
    with only `population` (P9) or only `households` (P10): they are combined by area and year.
    Where a year is in more than one file the unrounded figure wins over one rounded to hundreds
    (P3's printed denominators), then the later file. Floats such as `2636600.0` become integers.
    """
    paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    parts = []
    for order, path in enumerate(paths):
        frame = _read_csv_text(path)
        frame.columns = [c.strip().lower() for c in frame.columns]
        if not {"area_code", "mid_year"} <= set(frame.columns) or not (
            {"population", "households"} & set(frame.columns)
        ):
            raise PublishedFileError(
                f"{path}: expected columns area_code, area_name, mid_year and population and/or "
                f"households; found {', '.join(frame.columns)}"
            )
        for measure in ("population", "households"):
            if measure not in frame.columns:
                continue
            numbers, bad = parse_whole_numbers(frame[measure].replace("", np.nan).fillna("0"))
            blank = frame[measure].str.strip().eq("")
            if (bad & ~blank).any():
                raise PublishedFileError(
                    f"{path}: '{measure}' is not a whole number: "
                    f"{frame.loc[bad & ~blank, measure].iloc[0]!r}"
                )
            part = pd.DataFrame(
                {
                    "area_code": frame["area_code"].str.strip(),
                    "area_name": frame.get("area_name", frame["area_code"]).str.strip(),
                    "mid_year": frame["mid_year"].str.strip().str.replace(r"\.0$", "", regex=True),
                    "measure": measure,
                    "value": numbers.where(~blank),
                    "rounded": (numbers % 100 == 0),
                    "order": order,
                }
            )
            parts.append(part.dropna(subset=["value"]))
    long = pd.concat(parts, ignore_index=True)
    long["mid_year"] = long["mid_year"].astype("int64")
    # Per area, year and measure: unrounded before rounded, then the later file.
    long = long.sort_values(["rounded", "order"], ascending=[True, False], kind="stable")
    best = long.drop_duplicates(["area_code", "mid_year", "measure"], keep="first")
    wide = best.pivot_table(
        index=["area_code", "mid_year"], columns="measure", values="value", aggfunc="first"
    ).reset_index()
    names = best.drop_duplicates(["area_code", "mid_year"]).set_index(["area_code", "mid_year"])
    wide["area_name"] = [
        names.at[(c, y), "area_name"] for c, y in zip(wide.area_code, wide.mid_year, strict=True)
    ]
    if "households" not in wide:
        wide["households"] = np.nan
    wide = wide.dropna(subset=["population"])
    out = pd.DataFrame(
        {
            "area_code": wide["area_code"],
            "area_name": wide["area_name"],
            "mid_year": wide["mid_year"].astype("int64"),
            "population": wide["population"].astype("int64"),
            "households": wide["households"].astype("Int64"),
        }
    )
    return out.sort_values(["area_code", "mid_year"]).reset_index(drop=True)


def tidy_population(frame: pd.DataFrame) -> pd.DataFrame:
    """force, mid_year, population, households of the 43 forces (regions and countries left out)."""
    codes = area_codes()
    forces = frame[frame["area_code"].isin([c for c, n in codes.items() if n != ENGLAND_AND_WALES])]
    return pd.DataFrame(
        {
            "force": forces["area_code"].map(dict(codes)),
            "mid_year": forces["mid_year"],
            "population": forces["population"],
            "households": forces["households"].astype("float64"),
        }
    ).reset_index(drop=True)


def read_census_ethnicity(path: Path | str) -> pd.DataFrame:
    """Census 2021 broad ethnic group by PFA: force, ethnic_group, population (canonical names)."""
    path = Path(path)
    frame = _read_csv_text(path)
    expected = list(SOURCES["population_ethnicity"].columns)
    if list(frame.columns) != expected:
        raise PublishedFileError(f"{path}: expected columns {', '.join(expected)}")
    names = _canonical(frame["police force area"], str(path))
    numbers, bad = parse_whole_numbers(frame["population"])
    if bad.any():
        raise PublishedFileError(f"{path}: population is not a whole number on some rows")
    return pd.DataFrame(
        {
            "force": frame["police force area"].map(names),
            "ethnic_group": frame["ethnic group"].str.strip(),
            "population": numbers.astype("int64"),
        }
    )


# ----- Home Office use of force ------------------------------------------------------------------
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
        row = _header_row(table, "Police force")
        if row is None:
            raise PublishedFileError(f"{path}: the ethnicity table has no 'Police force' column")
        frame = _with_header(table, row)
        year_end = _financial_year_end(
            [str(s.iat[0, 0]) for s in sheets.values() if not s.empty], path.name
        )
    else:
        frame = _read_csv_text(path)
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
    names = _canonical(totals[force_col], str(path), drop={ENGLAND_AND_WALES.lower()})
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


# ----- data.police.uk ----------------------------------------------------------------------------
def _police_uk_members(source: Path | str | Sequence[Path | str], kind: str):
    """(name, bytes) of every data.police.uk CSV of `kind` in a folder, files or archive zip."""
    sources = [Path(source)] if isinstance(source, (str, Path)) else [Path(s) for s in source]
    for item in sources:
        if item.is_dir():
            for path in sorted(item.rglob("*")):
                if path.is_file() and kind in path.name and ".csv" in path.name:
                    yield path.name, path.read_bytes()
        elif zipfile.is_zipfile(item):
            with zipfile.ZipFile(item) as archive:
                for name in sorted(archive.namelist()):
                    base = name.rsplit("/", 1)[-1]
                    if kind in base and ".csv" in base:
                        yield base, archive.read(name)
        else:
            yield item.name, item.read_bytes()


def _police_uk_csv(name: str, raw: bytes) -> pd.DataFrame:
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return pd.read_csv(
        io.BytesIO(raw), dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig"
    )


def read_police_uk_street(source: Path | str | Sequence[Path | str]) -> pd.DataFrame:
    """Street-level crime counts: period (month), force, crime_type, count.

    data.police.uk crime types have no offence codes (burglary is residential and business,
    robbery personal and business, drugs possession and trafficking), so these counts are NOT a
    substitute for the Home Office PRC measures. Forces are named by `Falls within`.
    """
    frames = []
    for name, raw in _police_uk_members(source, "street"):
        frame = _police_uk_csv(name, raw)
        missing = [c for c in STREET_COLUMNS if c not in frame.columns]
        if missing:
            raise PublishedFileError(f"{name}: missing column(s) {', '.join(missing)}")
        frames.append(frame[list(STREET_COLUMNS)].assign(_file=name))
    if not frames:
        raise PublishedFileError(f"{source}: no data.police.uk street-level CSV found")
    frame = pd.concat(frames, ignore_index=True)
    names = _canonical(
        frame["Falls within"],
        "data.police.uk street files",
        drop={n.lower() for n in NON_TERRITORIAL},
    )
    frame["force"] = frame["Falls within"].map(names)
    frame = frame[frame["force"] != ""]
    counts = frame.groupby(["Month", "force", "Crime type"]).size().rename("count").reset_index()
    return pd.DataFrame(
        {
            "period": pd.PeriodIndex(counts["Month"].str.slice(0, 7), freq="M"),
            "force": counts["force"],
            "crime_type": counts["Crime type"],
            "count": counts["count"].astype("int64"),
        }
    ).sort_values(["force", "period", "crime_type"], ignore_index=True)


def police_uk_force(file_name: str) -> tuple[str, str] | None:
    """('2026-01', canonical force) of a data.police.uk file name, None for a non-territorial
    force (British Transport Police: `btp`)."""
    match = _POLICE_UK_FILE.match(file_name)
    if not match:
        raise PublishedFileError(
            f"{file_name}: not a data.police.uk file name (YYYY-MM-<force>-stop-and-search.csv)"
        )
    slug = match[2]
    if slug in ("btp", "british-transport-police"):
        return None
    mapping = _canonical([slug], file_name)
    return match[1], mapping[slug]


def read_police_uk_stop_search(source: Path | str | Sequence[Path | str]) -> pd.DataFrame:
    """Stop and search in the project's form: period, force, ethnic_group, searches,
    positive_outcomes (every force and month found, all six groups, zeros written).

    The force and month come from the file name (the files have no force column). Ethnicity is
    `Officer-defined ethnicity` (blank -> Not recorded); a positive outcome is any `Outcome`
    other than "A no further action disposal" (a blank outcome is not positive).
    """
    rows = []
    for name, raw in _police_uk_members(source, "stop-and-search"):
        found = police_uk_force(name)
        if found is None:
            continue
        month, force = found
        frame = _police_uk_csv(name, raw)
        for column in ("Officer-defined ethnicity", "Outcome"):
            if column not in frame.columns:
                raise PublishedFileError(f"{name}: missing column '{column}'")
        group = frame["Officer-defined ethnicity"].str.strip()
        group = group.where(group.isin(STOP_SEARCH_GROUPS), "Not recorded")
        outcome = frame["Outcome"].str.strip()
        positive = outcome.ne("") & outcome.ne(STOP_SEARCH_NO_FURTHER_ACTION)
        counted = pd.DataFrame({"g": group, "p": positive.astype("int64")})
        for g in RECORDED_ETHNIC_GROUPS:
            mine = counted[counted["g"] == g]
            rows.append(
                {
                    "period": month,
                    "force": force,
                    "ethnic_group": g,
                    "searches": len(mine),
                    "positive_outcomes": int(mine["p"].sum()),
                }
            )
    if not rows:
        raise PublishedFileError(f"{source}: no data.police.uk stop-and-search CSV found")
    out = pd.DataFrame(rows)
    return (
        out.groupby(["period", "force", "ethnic_group"], as_index=False, sort=True)[
            ["searches", "positive_outcomes"]
        ]
        .sum()
        .reset_index(drop=True)
    )


# ----- writing a data folder ---------------------------------------------------------------------
def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A data-folder CSV, written whole then moved into place (never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    text = frame.to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    if path.name.endswith(".gz"):
        tmp.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    else:
        tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def data_folder_view(
    out: Path,
    *,
    prc: Path | str | None = None,
    population: Path | str | Sequence[Path | str] | None = None,
) -> Path:
    """A data folder made from named files of any supported format (`measures --prc`)."""
    from helpers.inputs.processed import cached

    out = Path(out)
    (out / "national").mkdir(parents=True, exist_ok=True)
    if prc is not None:
        frame = cached("prc_published", [prc], lambda: read_prc(prc))
        write_csv(frame, out / SOURCES["prc"].path)
    if population is not None:
        files = [population] if isinstance(population, (str, Path)) else list(population)
        frame = cached("population", files, lambda: read_ons_population(files))
        write_csv(frame, out / SOURCES["population"].path)
    return out


REAL_README = """# REAL published data (converted by `python -m helpers import-real`)

Built from {real_dir} (real files as published by the Home Office, ONS and data.police.uk, with
their PROVENANCE.md). Nothing here is synthetic. Do not edit by hand: rerun the command.

| data-folder file | from |
|---|---|
{rows}

Not supplied (the report says "local data not supplied"): {missing}.
"""


# The published files `import_real` reads, by the names their publishers give them (or the
# names of their converted CSV forms), found anywhere under the folder.
PUBLISHED_NAMES: dict[str, tuple[str, ...]] = {
    "prc": ("prc_pfa_*.csv", "prc_pfa_*.csv.gz", "prc-pfa-*tables*.ods", "prc-pfa-*tables*.xlsx"),
    "population": ("ons_pfa_table_P*.csv", "ons_pfa_population*.csv"),
    "population_ethnicity": ("pfa-ethnicity-census2021.csv",),
    "use_of_force": ("police-use-of-force-*tables*.ods",),
}


def published_files(real_dir: Path, source: str) -> list[Path]:
    """The files of `source` (a key of `PUBLISHED_NAMES`) anywhere under `real_dir`, in the
    order of the patterns, then by name (the order matters where files overlap: the later
    wins); a publisher's own year-by-year sheets (a folder named `original-sheet-*`) are left
    out: they repeat the years of the full file."""
    found: list[Path] = []
    for pattern in PUBLISHED_NAMES[source]:
        matches = (
            path
            for path in real_dir.rglob(pattern)
            if path.is_file()
            and path not in found
            and not any(part.startswith("original-sheet") for part in path.parts)
        )
        found.extend(sorted(matches, key=lambda p: (p.name, p.as_posix())))
    return found


def import_real(real_dir: Path | str, out: Path | str) -> dict[str, list[str]]:
    """Convert a folder of published files (`make data`'s `data/raw/`, or any folder holding
    them) into a data folder; returns {data-folder file: sources}."""
    from helpers.inputs.processed import cached

    real_dir, out = Path(real_dir), Path(out)
    if not real_dir.is_dir():
        raise PublishedFileError(
            f"{real_dir}: the folder of published files does not exist (make data downloads "
            "them into data/raw; or name your folder with REAL_DIR=...)"
        )
    absent = [
        f"{SOURCES[name].description} ({' or '.join(PUBLISHED_NAMES[name])})"
        for name in ("prc", "population")
        if not published_files(real_dir, name)
    ]
    if absent:
        raise PublishedFileError(
            f"{real_dir}: no file for a required input: {'; '.join(absent)} "
            "(docs/DATA.md, 'Real published data', lists the forms read)"
        )
    made: dict[str, list[str]] = {}

    prc = published_files(real_dir, "prc")
    if prc:
        frame = cached("prc_published", prc[-1:], lambda: read_prc(prc[-1]))
        # Checked here, where a problem can be located in the workbook's own sheet and row,
        # and before anything is written: data/real keeps its last good tables.
        check_converted(frame, "prc", lambda: read_prc_located(prc[-1])[1])
        write_csv(frame, out / SOURCES["prc"].path)
        made[SOURCES["prc"].path] = [prc[-1].relative_to(real_dir).as_posix()]

    pop = published_files(real_dir, "population")
    if pop:
        frame = cached("population", pop, lambda: read_ons_population(pop))
        write_csv(frame, out / SOURCES["population"].path)
        made[SOURCES["population"].path] = [p.relative_to(real_dir).as_posix() for p in pop]

    for census in published_files(real_dir, "population_ethnicity")[:1]:
        read_census_ethnicity(census)  # every force name known, numbers readable
        target = out / SOURCES["population_ethnicity"].path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(census, target)  # already the project's form: kept byte for byte
        made[SOURCES["population_ethnicity"].path] = [census.relative_to(real_dir).as_posix()]

    uof = published_files(real_dir, "use_of_force")
    if uof:
        frame = cached(
            "use_of_force",
            uof,
            lambda: pd.concat([read_use_of_force(p) for p in uof], ignore_index=True),
        )
        write_csv(frame, out / SOURCES["use_of_force"].path)
        made[SOURCES["use_of_force"].path] = [p.relative_to(real_dir).as_posix() for p in uof]

    missing = [
        f"{s.name} ({s.path})" for s in SOURCES.values() if s.path not in made and not s.required
    ]
    rows = "\n".join(f"| `{k}` | {', '.join(f'`{v}`' for v in vs)} |" for k, vs in made.items())
    (out / "README.md").write_text(
        REAL_README.format(real_dir=real_dir, rows=rows, missing="; ".join(missing)),
        encoding="utf-8",
    )
    return made


def main(argv: list[str] | None = None) -> int:
    """`python -m helpers import-real`: the real published files as a data folder."""
    from helpers.core.paths import PROJECT_ROOT

    parser = argparse.ArgumentParser(prog="python -m helpers import-real", description=main.__doc__)
    parser.add_argument(
        "--real-dir",
        type=Path,
        default=PROJECT_ROOT / "data" / "raw",
        help="folder of published files (default: data/raw, which `make data` fills)",
    )
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "data" / "real")
    args = parser.parse_args(argv)
    try:
        made = import_real(args.real_dir, args.out)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for target, sources in made.items():
        print(f"{args.out / target}  <-  {', '.join(sources)}")
    return 0


def named_files_folder(
    *,
    prc: Path | str | None,
    population: Path | str | Sequence[Path | str] | None,
    base: Path | None = None,
) -> Path:
    """A data folder (in `data/processed/views/`) holding the named files, converted, and every
    other input of `base` (linked, not copied). Without `base`, both files are needed."""
    from helpers.inputs.processed import PROCESSED_DIR, cache_key

    if base is None and (prc is None or population is None):
        raise PublishedFileError("--prc and --population are both needed without --data-dir")
    named = [p for p in (prc, *(_as_list(population))) if p is not None]
    for path in named:
        if not Path(path).is_file():
            raise PublishedFileError(f"{path}: no such file")
    view = PROCESSED_DIR / "views" / cache_key("view", named)[:24]
    if base is not None:
        for source in SOURCES.values():
            if (source.name == "prc" and prc) or (source.name == "population" and population):
                continue
            for path in validation_files(Path(base), source):
                target = view / path.relative_to(base)
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.exists():
                    target.symlink_to(path.resolve())
    return data_folder_view(view, prc=prc, population=population)


def _as_list(value: Path | str | Sequence[Path | str] | None) -> list[Path | str]:
    if value is None:
        return []
    return [value] if isinstance(value, (str, Path)) else list(value)


def validation_files(data_dir: Path, source) -> list[Path]:
    from helpers.inputs.reading import source_files

    return source_files(data_dir, source)
