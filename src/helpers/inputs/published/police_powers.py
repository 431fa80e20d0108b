"""Home Office "Police powers and procedures" open data by force: stop and search by
self-defined ethnicity with resultant arrests (the data folder's `stop_search`), and arrests by
ethnicity, age and sex.

Both the published sheets (`S&S_OD` of `stop-search-open-data-tables-ppp.ods`, `AOD_...` of
`arrests-open-data-tables-ppp.ods`, or a CSV export) and copies whose column names went
through `janitor::clean_names()` are read: columns are found by their cleaned names
(`outcomes.clean_name`). The sheets write a nil, a figure not available and a suppressed figure
as `-`, `..` and `*` (the tidied copies: `NA` for all three); none is ever read as zero.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

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

# The cell texts that hold no figure.
NO_FIGURE = frozenset({"-", "..", "*", "NA", "N/A", ""})
# Self-defined ethnic group (the 2001 Census groups the sheet uses) -> the report's groups.
# "Chinese" is counted as Asian, as the Census 2011 and 2021 broad groups count it (and the
# use-of-force reader does), so that a group's searches and its residents are the same people;
# the sheet's "Chinese or Other Ethnic Group" is split by its detailed ethnicity for that.
STOP_SEARCH_GROUPS = {
    "white": "White",
    "black or black british": "Black",
    "asian or asian british": "Asian",
    "mixed": "Mixed",
    "chinese or other ethnic group": "Other",
    "not stated": "Not recorded",
}
CHINESE = "chinese"
VEHICLE_ONLY = "vehicle only"  # a search of a vehicle alone: no person, no ethnicity
_DROPPED_FORCES = {"british transport police", "england and wales"}

# Columns by cleaned name: one name, or the names it goes by in the copies seen.
_YEAR = ("year_ending", "financial_year")
STOP_SEARCH_COLUMNS = {
    "force_name": ("force_name",),
    "ethnic_group_self_defined": ("ethnic_group_self_defined",),
    "ethnicity_self_defined": ("ethnicity_self_defined",),
    "searches": ("searches",),
    "resultant_arrests": ("resultant_arrests",),
}
ARRESTS_COLUMNS = {
    "force_name": ("force_name",),
    "ethnic_group": ("ethnic_group", "ethnic_group_self_defined"),
    "age_group": ("age_group",),
    "sex": ("sex", "gender"),
    "arrests": ("arrests", "number_of_arrests"),
}


def _is_header(cells: set[str]) -> bool:
    """The police powers sheets' header names the force and the year."""
    return "force_name" in cells and bool(cells & set(_YEAR))


def police_powers_table(
    path: Path | str, columns: dict[str, tuple[str, ...]]
) -> tuple[pd.DataFrame, list[tuple[str, int]]]:
    """The sheet's columns the report reads (`columns`: name -> the cleaned names it may have,
    plus the year), as text, with where each row is (file and sheet, row). A sheet lacking one
    is a `PublishedFileError` naming the file, the sheet and the header row."""
    path = Path(path)
    wanted = {**columns, "year": _YEAR}
    if is_spreadsheet(path):
        sheets = read_sheets(path)
        for name, sheet in sheets.items():
            row = cleaned_header_row(sheet, _is_header)
            if row is None:
                continue
            frame = with_header(sheet, row)
            named = _named(frame, wanted, f"{path}, sheet '{name}', row {row + 1}")
            return named, [(f"{path.name}, sheet '{name}'", r) for r in frame.attrs["rows"]]
        raise PublishedFileError(
            f"{path}: no sheet has a header row naming the force ('Force Name') and the year "
            f"(searched {', '.join(sheets)})"
        )
    frame = read_text_table(path)
    named = _named(frame, wanted, f"{path}, row 1")
    return named, [(path.name, line) for line in range(2, len(frame) + 2)]


def _named(frame: pd.DataFrame, wanted: dict[str, tuple[str, ...]], where: str) -> pd.DataFrame:
    by_name = {clean_name(c): c for c in frame.columns}
    found, missing = {}, []
    for name, aliases in wanted.items():
        column = next((by_name[a] for a in aliases if a in by_name), None)
        if column is None:
            missing.append(" or ".join(repr(a) for a in aliases))
        else:
            found[name] = frame[column].astype(str).str.strip()
    if missing:
        raise PublishedFileError(
            f"{where}: missing column(s) {', '.join(missing)} (names compared without case or "
            f"punctuation; the header holds: {', '.join(str(c) for c in frame.columns)})"
        )
    return pd.DataFrame(found)


def _year_ends(years: pd.Series, where: list[tuple[str, int]]) -> pd.Series:
    """`YYYY-03` of a `2019-03-31` year ending or a `2018/19` financial year."""
    ends = years.str.extract(r"^(\d{4})-03-31$")[0]
    financial = years.str.extract(r"^(\d{4})/(\d{2})$")
    ends = ends.fillna(
        (financial[0].astype(float) + 1).map(lambda y: f"{y:.0f}", na_action="ignore")
    )
    bad = ends.isna()
    if bad.any():
        at = int(bad.to_numpy().nonzero()[0][0])
        file, row = where[at]
        raise PublishedFileError(
            f"{file}, row {row}: year {years.iloc[at]!r} is neither a year ending 31 March "
            "(2019-03-31) nor a financial year (2018/19)"
        )
    return ends + "-03"


def _figures(text: pd.Series, column: str, where: list[tuple[str, int]]) -> pd.Series:
    """Whole numbers; NaN where the sheet has no figure (`-`, `..`, `*`, `NA`)."""
    none = text.isin(NO_FIGURE)
    numbers, bad = parse_whole_numbers(text.where(~none, "0"))
    bad &= ~none
    if bad.any():
        at = int(bad.to_numpy().nonzero()[0][0])
        file, row = where[at]
        raise PublishedFileError(
            f"{file}, row {row}: '{column}' is {text.iloc[at]!r}: a whole number, '-', '..' or "
            "'*' was expected"
        )
    return numbers.astype("float64").where(~none, np.nan)


def _groups(
    groups: pd.Series, mapping: dict[str, str], where: list[tuple[str, int]], column: str
) -> pd.Series:
    key = groups.str.lower()
    unknown = ~key.isin([*mapping, VEHICLE_ONLY])
    if unknown.any():
        at = int(unknown.to_numpy().nonzero()[0][0])
        file, row = where[at]
        raise PublishedFileError(
            f"{file}, row {row}: unknown {column} {groups.iloc[at]!r} (known: "
            f"{', '.join(sorted({*mapping, VEHICLE_ONLY}))})"
        )
    return key.map(mapping)  # Vehicle only -> NaN


def _sum_published(frame: pd.DataFrame, keys: list[str], column: str) -> pd.Series:
    """The sum of the published figures of each group of rows; NaN where none is published."""
    return frame.groupby(keys, sort=True)[column].sum(min_count=1)


def read_stop_search_open_data(path: Path | str) -> pd.DataFrame:
    """Searches of people and their resultant arrests by force, year and self-defined ethnic
    group, every legislation (PACE s1, s60, s44/47a) and reason added together.

    Returns period (the year's last month, `YYYY-03`), force, ethnic_group (the six groups of
    the data folder; "Not stated" is Not recorded; "Vehicle only" searches are left out: they
    searched no person), searches (NaN where the sheet publishes no figure for the force, year
    and group), positive_outcomes (NaN: these sheets publish arrests, not the other outcomes),
    arrests (the published resultant arrests; NaN where the group has none published).
    """
    path = Path(path)
    frame, where = police_powers_table(path, STOP_SEARCH_COLUMNS)
    groups = _groups(
        frame["ethnic_group_self_defined"], STOP_SEARCH_GROUPS, where, "self-defined ethnic group"
    )
    groups = groups.mask(frame["ethnicity_self_defined"].str.lower() == CHINESE, "Asian")
    tidy = pd.DataFrame(
        {
            "period": _year_ends(frame["year"], where),
            "force_name": frame["force_name"],
            "ethnic_group": groups,
            "searches": _figures(frame["searches"], "searches", where),
            "arrests": _figures(frame["resultant_arrests"], "resultant arrests", where),
        }
    ).dropna(subset=["ethnic_group"])
    names = canonical_force_names(tidy["force_name"], str(path), drop=_DROPPED_FORCES)
    tidy["force"] = tidy["force_name"].map(names)
    tidy = tidy[tidy["force"] != ""]
    keys = ["period", "force", "ethnic_group"]
    out = pd.DataFrame(
        {
            "searches": _sum_published(tidy, keys, "searches"),
            "positive_outcomes": np.nan,
            "arrests": _sum_published(tidy, keys, "arrests"),
        }
    ).reset_index()
    for column in ("searches", "arrests"):
        out[column] = out[column].astype("Int64")
    out["positive_outcomes"] = out["positive_outcomes"].astype("Int64")
    return out.sort_values(keys).reset_index(drop=True)


ARREST_GROUPS = {
    **{k: v for k, v in STOP_SEARCH_GROUPS.items() if k != "chinese or other ethnic group"},
    "chinese/other": "Other",
    "chinese or other ethnic group": "Other",
    "other": "Other",
}


def read_arrests_open_data(path: Path | str) -> pd.DataFrame:
    """Arrests by force, year, self-defined ethnic group, age group and sex (every offence
    group added together). Returns period (`YYYY-03`), force, ethnic_group (the six groups:
    "Chinese/other" is Other, as the sheet does not split it), age_group, sex, arrests (NaN
    where nothing is published for the group). No measure of the report reads it yet."""
    path = Path(path)
    frame, where = police_powers_table(path, ARRESTS_COLUMNS)
    tidy = pd.DataFrame(
        {
            "period": _year_ends(frame["year"], where),
            "force_name": frame["force_name"],
            "ethnic_group": _groups(frame["ethnic_group"], ARREST_GROUPS, where, "ethnic group"),
            "age_group": frame["age_group"],
            "sex": frame["sex"],
            "arrests": _figures(frame["arrests"], "arrests", where),
        }
    )
    names = canonical_force_names(tidy["force_name"], str(path), drop=_DROPPED_FORCES)
    tidy["force"] = tidy["force_name"].map(names)
    tidy = tidy[tidy["force"] != ""]
    keys = ["period", "force", "ethnic_group", "age_group", "sex"]
    out = _sum_published(tidy, keys, "arrests").astype("Int64").reset_index()
    return out.sort_values(keys).reset_index(drop=True)
