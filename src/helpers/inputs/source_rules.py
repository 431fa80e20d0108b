"""The rules of particular sources beyond their pandera contract: police recorded crime (negative
adjustments, repeated codes, forces and quarters present), population coverage, and periods
missing inside a series.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core.exceptions import InputProblem
from helpers.core.forces import default_forces
from helpers.inputs.problems import ProblemCollector, duplicate_message, first_row_of, line_of
from helpers.inputs.reading import FILE_COLUMN, LINE_COLUMN
from helpers.inputs.schemas import (
    LOCAL_FILE_PATTERN,
    PRC_KEY,
    PRC_SUBGROUPS,
    QUARTER_END_MONTHS,
    Source,
    area_codes,
    is_other_ons_area,
)

_STEP_MONTHS = {"monthly": 1, "quarterly": 3, "year_ending": 3, "semiannual": 6}


def check_source_rules(
    frame: pd.DataFrame, source: Source, out: ProblemCollector, files: list[str]
) -> None:
    """The rules of `source` beyond its contract: police recorded crime's, population coverage,
    and periods missing inside a series."""
    if source.name == "prc":
        _check_prc(frame, out)
    elif source.name == "population":
        _check_population_coverage(frame, out)
    if source.period_column is not None:
        _check_gaps(frame, source, out, files)


def _check_prc(frame: pd.DataFrame, out: ProblemCollector) -> None:
    negative = frame["Number of Offences"] < 0
    if negative.any():
        first = frame.loc[negative].iloc[0]
        out.add(
            InputProblem(
                str(first[FILE_COLUMN]),
                f"{int(negative.sum())} rows have negative counts, accepted as Home Office "
                f"adjustments (first: {first['Force Name']}, offence {first['Offence Code']}, "
                f"{first['Financial Year']} Q{first['Financial Quarter']}, "
                f"line {first[LINE_COLUMN]})",
                column="Number of Offences",
            ),
            warning=True,
        )
    _check_prc_repeats(frame, out)
    unknown = sorted(set(frame["Offence Subgroup"].unique()) - PRC_SUBGROUPS)
    if unknown:
        out.add(
            InputProblem(
                str(frame[FILE_COLUMN].iloc[0]),
                "offence subgroups not seen in earlier releases (check the measure catalogue still "
                f"selects the right offences): {', '.join(map(str, unknown))}",
                column="Offence Subgroup",
            ),
            warning=True,
        )
    territorial = {f.name for f in default_forces().forces}
    registry = default_forces()
    present = {registry.find(n).name for n in frame["Force Name"].unique() if registry.find(n)}
    absent = sorted(territorial - present)
    if absent:
        out.add(
            InputProblem(
                str(frame[FILE_COLUMN].iloc[0]),
                f"no rows for {len(absent)} force(s): {', '.join(absent)}",
                column="Force Name",
            ),
            warning=True,
        )
    # Quarters: every force should have every quarter between the first and the last.
    start = frame["Financial Year"].str.slice(0, 4).astype("int64")
    quarter_index = start * 4 + frame["Financial Quarter"] - 1
    all_quarters = set(range(int(quarter_index.min()), int(quarter_index.max()) + 1))
    quarter_label = lambda q: f"{q // 4}/{(q // 4 + 1) % 100:02d} Q{q % 4 + 1}"  # noqa: E731
    nowhere = sorted(all_quarters - set(quarter_index.unique()))
    if nowhere:
        out.add(
            InputProblem(
                str(frame[FILE_COLUMN].iloc[0]),
                f"no rows at all for {_short_list(map(quarter_label, nowhere))}, inside the "
                f"series ({quarter_label(min(all_quarters))} to "
                f"{quarter_label(max(all_quarters))}): a whole quarter is missing",
                column="Financial Quarter",
            )
        )
        return
    by_force = pd.DataFrame({"force": frame["Force Name"], "q": quarter_index}).drop_duplicates()
    # Only the territorial forces: national fraud bodies come and go (FFA UK became UK Finance).
    by_force = by_force[by_force["force"].map(lambda n: registry.find(n) is not None)]
    for force, rows in by_force.groupby("force", sort=True):
        gaps = sorted(all_quarters - set(rows["q"]))
        if gaps:
            labels = [f"{q // 4}/{(q // 4 + 1) % 100:02d} Q{q % 4 + 1}" for q in gaps]
            out.add(
                InputProblem(
                    str(frame[FILE_COLUMN].iloc[0]),
                    f"{force} has no rows for {len(gaps)} quarter(s): {_short_list(labels)}",
                    column="Force Name",
                ),
                warning=True,
            )


def _check_prc_repeats(frame: pd.DataFrame, out: ProblemCollector) -> None:
    """Rows sharing a financial year, quarter, force and offence code.

    Added together: rows with different offence descriptions under one code, and up to n rows
    under a combined code that lists n offences (the published 2017/18 sheet has four rows,
    each "Homicide", under 1/4.1/4.10/4.2: murder, manslaughter, corporate manslaughter and
    infanticide, so two of them may be identical). Errors: any other exact copy of a row (it
    would be counted twice), the same offence (code and description) with another count, and
    more rows under a combined code than it lists offences."""
    key = list(PRC_KEY)
    repeated = frame.duplicated(key, keep=False)
    if not repeated.any():
        return
    rows = frame.loc[repeated]
    codes = rows["Offence Code"].astype(str)
    combined = codes.str.contains("/", regex=False)
    summed = pd.Series(False, index=rows.index)

    if combined.any():
        grouped = rows.loc[combined]
        position = grouped.groupby(key, sort=False).cumcount()
        limit = grouped["Offence Code"].str.count("/") + 1
        summed |= (position < limit).reindex(rows.index, fill_value=False)
        first = first_row_of(grouped, key)
        for index in grouped.index[position >= limit]:
            file = str(frame.at[index, FILE_COLUMN])
            out.add(
                InputProblem(
                    file,
                    f"duplicate row: code {frame.at[index, 'Offence Code']} lists "
                    f"{int(limit.loc[index])} offences, and this is row "
                    f"{int(position.loc[index]) + 1} for {frame.at[index, 'Force Name']}, "
                    f"{frame.at[index, 'Financial Year']} Q{frame.at[index, 'Financial Quarter']} "
                    f"(the first is {line_of(frame, int(first.loc[index]), file)}); it would be "
                    "counted twice",
                    row=int(frame.at[index, LINE_COLUMN]),
                    column="Offence Code",
                ),
                group="duplicate row",
            )

    simple = rows.loc[~combined]
    if len(simple):
        columns = [c for c in frame.columns if c not in (FILE_COLUMN, LINE_COLUMN)]
        same_offence = [*key, "Offence Description"]
        first = first_row_of(simple, same_offence)
        conflicting = first.index[first.to_numpy() != first.index.to_numpy()]
        for index in conflicting:
            out.add(
                InputProblem(
                    str(frame.at[index, FILE_COLUMN]),
                    duplicate_message(frame, index, int(first.loc[index]), columns, same_offence),
                    row=int(frame.at[index, LINE_COLUMN]),
                    value=f"{frame.at[index, 'Force Name']}, {frame.at[index, 'Financial Year']}"
                    f" Q{frame.at[index, 'Financial Quarter']}, code "
                    f"{frame.at[index, 'Offence Code']}",
                ),
                group="duplicate row",
            )
        # Different descriptions under one code: separate offences, added together.
        kept = simple.drop(index=conflicting)
        summed |= kept.duplicated(key, keep=False).reindex(rows.index, fill_value=False)

    if summed.any():
        shown = rows.loc[summed].iloc[0]
        out.add(
            InputProblem(
                str(shown[FILE_COLUMN]),
                f"{int(summed.sum())} rows share their financial year, quarter, force and "
                f"offence code with another row (first: code {shown['Offence Code']}, "
                f"{shown['Force Name']}, line {shown[LINE_COLUMN]}); their counts are added "
                "together (different offences published under one code: the 2017/18 sheet "
                "lists the four homicide offences under 1/4.1/4.10/4.2)",
                column="Offence Code",
            ),
            warning=True,
        )


def _check_population_coverage(frame: pd.DataFrame, out: ProblemCollector) -> None:
    codes = area_codes()
    present = set(frame["area_code"])
    absent = sorted(
        name
        for code, name in codes.items()
        if code not in present and code.startswith(("E23", "W15"))
    )
    if absent:
        out.add(
            InputProblem(
                str(frame[FILE_COLUMN].iloc[0]),
                f"no population for {len(absent)} force(s), so their rates cannot be computed: "
                f"{', '.join(absent)}",
                column="area_code",
            )
        )
    years = frame.loc[~frame["area_code"].map(is_other_ons_area), ["area_code", "mid_year"]]
    span = set(range(int(years["mid_year"].min()), int(years["mid_year"].max()) + 1))
    nowhere = sorted(span - set(years["mid_year"]))
    if nowhere:
        out.add(
            InputProblem(
                str(frame[FILE_COLUMN].iloc[0]),
                f"no estimates at all for mid-{_short_list(map(str, nowhere))}, inside the "
                f"series (mid-{min(span)} to mid-{max(span)}): a whole year is missing",
                column="mid_year",
            )
        )
        return
    for code, rows in years.groupby("area_code", sort=True):
        gaps = sorted(span - set(rows["mid_year"]))
        if gaps:
            out.add(
                InputProblem(
                    str(frame[FILE_COLUMN].iloc[0]),
                    f"{codes.get(code, code)} has no estimate for mid-year "
                    f"{_short_list(map(str, gaps))}",
                    column="mid_year",
                ),
                warning=True,
            )


def _short_list(items: Iterable[str], limit: int = 8) -> str:
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _check_gaps(
    frame: pd.DataFrame, source: Source, out: ProblemCollector, files: list[str]
) -> None:
    """A period missing inside a series. Local extracts: missing quarter files are errors (the
    12-month figures need every month); national files: a warning naming the force."""
    column = source.period_column
    assert column is not None
    text = frame[column].str.slice(0, 7)
    valid = text.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")  # others are reported by the schema
    if not valid.any():
        return
    step = _STEP_MONTHS[source.frequency]
    # Each distinct month parsed once (parsing period strings is slow).
    codes, distinct = pd.factorize(text[valid])
    ordinals = np.asarray(pd.PeriodIndex(distinct, freq="M").asi8)
    ordinal = pd.Series(ordinals[codes], index=text.index[valid])
    if source.is_folder:
        _check_quarter_files(source, out, files)
        return
    expected = set(range(int(ordinal.min()), int(ordinal.max()) + 1, step))
    label = lambda o: str(pd.Period(ordinal=o, freq="M"))  # noqa: E731
    file = str(frame[FILE_COLUMN].iloc[0])
    present = np.sort(ordinal.unique())
    years_apart = len(present) > 1 and bool((np.diff(present) == 12).all())
    annual = (source.frequency == "quarterly" or source.annual_tables) and years_apart
    # An input published as an annual table (the use-of-force statistics, the police powers
    # open data: one row per financial year) has no quarters or months between its years:
    # they are not missing (the per-force warning still says so). A semiannual or monthly
    # input a year apart has lost periods, except the one case below.
    if annual and source.frequency != "quarterly":
        expected = set(range(int(ordinal.min()), int(ordinal.max()) + 1, 12))
    elif source.frequency == "semiannual" and years_apart and len(present) > 2:
        # The workforce ethnicity table is published at 31 March only (the September bulletins
        # have no ethnicity): three or more snapshots a year apart, and no September at all, are
        # that annual table, not Septembers lost. Two a year apart could be either: an error.
        expected = set(range(int(ordinal.min()), int(ordinal.max()) + 1, 12))
    nowhere = [] if annual else sorted(expected - set(present))
    if nowhere:
        # A whole period missing inside the series: a file cut or stacked wrongly; every
        # 12-month figure across it would be missing or wrong, for every force.
        out.add(
            InputProblem(
                file,
                f"no rows at all for {_short_list(map(label, nowhere))}, inside the series "
                f"({label(min(expected))} to {label(max(expected))}): a whole period is missing",
                column=column,
            )
        )
        return
    by_force = pd.DataFrame({"force": frame.loc[valid, source.force_column], "p": ordinal})
    by_force = by_force.drop_duplicates()
    sizes = by_force.groupby("force", sort=True)["p"].size()
    for force in sizes.index[sizes < len(expected)]:
        gaps = sorted(expected - set(by_force.loc[by_force["force"] == force, "p"]))
        if gaps:
            labels = [str(pd.Period(ordinal=g, freq="M")) for g in gaps]
            out.add(
                InputProblem(
                    str(frame[FILE_COLUMN].iloc[0]),
                    f"{force} has no rows for {len(gaps)} period(s): {_short_list(labels)}",
                    column=column,
                ),
                warning=True,
            )


def _check_quarter_files(source: Source, out: ProblemCollector, files: list[str]) -> None:
    quarters = set()
    for f in files:
        match = LOCAL_FILE_PATTERN.match(Path(f).name)
        if match and int(match[2]) in QUARTER_END_MONTHS:
            quarters.add(pd.Period(year=int(match[1]), month=int(match[2]), freq="M"))
    if not quarters:
        return
    first, last = min(quarters), max(quarters)
    wanted = {first + 3 * i for i in range((last.ordinal - first.ordinal) // 3 + 1)}
    missing = sorted(wanted - quarters)
    if missing:
        # One file per quarter: an absent one is a quarter not yet supplied, not a broken file.
        # The build goes on; 12-month windows across it are "Not available", with the reason.
        out.add(
            InputProblem(
                source.path,
                f"no file for the quarter(s) ending {_short_list(str(m) for m in missing)} "
                f"between {first} and {last}: 12-month figures that include them are not "
                "available",
            ),
            warning=True,
        )
