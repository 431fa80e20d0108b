"""ONS mid-year population and households by PFA, and Census 2021 ethnic group by PFA."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core.forces import ENGLAND_AND_WALES
from helpers.inputs.published.sheets import (
    PublishedFileError,
    canonical_force_names,
    read_text_table,
)
from helpers.inputs.reading import parse_whole_numbers
from helpers.inputs.schemas import CENSUS_ETHNIC_GROUPS, SOURCES, area_codes


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
        frame = read_text_table(path)
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
    frame = read_text_table(path)
    expected = list(SOURCES["population_ethnicity"].columns)
    if list(frame.columns) != expected:
        raise PublishedFileError(f"{path}: expected columns {', '.join(expected)}")
    names = canonical_force_names(frame["police force area"], str(path))
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


# Census 2011 KS201EW by PFA: the five broad groups' totals (Asian includes Chinese in 2011, as
# in 2021), e.g. "Ethnic Group: Asian; measures: Value" (NOMIS's bulk download headers).
_KS201_GROUP = re.compile(r"^Ethnic Group: (White|Mixed|Asian|Black|Other); measures: Value$")
_KS201_AREA = ("PFA16NM", "PFA15NM", "PFA11NM", "geography", "police force area")


def read_census2011_ethnicity(path: Path | str) -> pd.DataFrame:
    """Census 2011 residents by PFA and broad ethnic group (KS201EW aggregated to PFAs: one
    column per category, the five groups' totals among them) in the project's form of
    `population_ethnicity_2011`: police force area (canonical), ethnic group, population."""
    path = Path(path)
    frame = read_text_table(path)
    area = next((c for c in frame.columns if c.strip() in _KS201_AREA), None)
    groups = {c: m[1] for c in frame.columns if (m := _KS201_GROUP.match(c.strip()))}
    if area is None or sorted(groups.values()) != sorted(CENSUS_ETHNIC_GROUPS):
        raise PublishedFileError(
            f"{path}, row 1: expected an area column ({' or '.join(_KS201_AREA)}) and one "
            "column per broad group named like 'Ethnic Group: Asian; measures: Value' (White, "
            "Mixed, Asian, Black, Other)"
        )
    names = canonical_force_names(frame[area], str(path))
    rows = []
    for column, group in groups.items():
        numbers, bad = parse_whole_numbers(frame[column])
        if bad.any():
            line = int(bad.to_numpy().nonzero()[0][0]) + 2
            raise PublishedFileError(
                f"{path}, row {line}: '{column}' is not a whole number: "
                f"{frame[column][bad].iloc[0]!r}"
            )
        rows.append(
            pd.DataFrame(
                {
                    "police force area": frame[area].map(names),
                    "ethnic group": group,
                    "population": numbers.astype("int64"),
                }
            )
        )
    out = pd.concat(rows, ignore_index=True)
    out = out[out["police force area"] != ""]
    return out.sort_values(["police force area", "ethnic group"]).reset_index(drop=True)
