"""The measures table (measures.csv) and its command, `python -m helpers measures`: every measure's
figures and, in words, its benchmark (`helpers.present.wording`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.core.config import Catalogue, Settings, default_catalogue, load_settings
from helpers.core.exceptions import ReportError
from helpers.core.forces import default_forces
from helpers.core.quarters import FinancialQuarter
from helpers.inputs.preflight import check_report
from helpers.measures.compute import compute_measure, compute_measures
from helpers.measures.result import MeasureResult
from helpers.measures.series import all_forces_series
from helpers.present.wording.benchmark_words import benchmark_text

MEASURES_COLUMNS = [
    "force",
    "is_report_force",
    "measure",
    "section",
    "title",
    "period_end",
    "unit",
    "polarity",
    "count_12m",
    "denominator",
    "denominator_year",
    "denominator_year_wanted",
    "value",
    "rate_per_1000",
    "ci_low",
    "ci_high",
    "previous_value",
    "comparator",
    "msg_average",
    "comparator_value",
    "national_value",
    "msg_rank",
    "rank_of",
    "benchmark",
    "trend",
    "trend_method",
    "trend_statistic",
    "trend_p_value",
    "trend_slope",
    "trend_slope_low",
    "trend_slope_high",
    "trend_points",
    "available",
    "note",
]


def measures_table(results: Sequence[MeasureResult]) -> pd.DataFrame:
    """measures.csv: one row per measure for the report's force, then one per comparison force."""
    rows: list[dict[str, Any]] = []
    for r in results:
        m, t = r.measure, r.trend
        base = {
            "measure": m.id,
            "section": m.section,
            "title": m.title,
            "period_end": r.quarter.code,
            "unit": m.unit,
            "polarity": m.polarity,
            "comparator": m.comparator,
        }
        rows.append(
            {
                **base,
                "force": r.force,
                "is_report_force": True,
                "count_12m": r.count,
                "denominator": r.denominator,
                "denominator_year": r.denominator_year,
                "denominator_year_wanted": r.denominator_year_wanted,
                "value": r.value,
                "rate_per_1000": r.value if m.is_rate else None,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
                "previous_value": r.previous_value,
                "msg_average": r.comparator_value if r.comparator_label == "MSG average" else None,
                "comparator_value": r.comparator_value,
                "national_value": r.national_value,
                "msg_rank": r.rank,
                "rank_of": r.rank_of,
                "benchmark": benchmark_text(r.benchmark),
                "trend": r.trend_word,
                "trend_method": t.method if t else None,
                "trend_statistic": t.statistic if t else None,
                "trend_p_value": t.p_value if t else None,
                "trend_slope": t.slope if t else None,
                # the fitted change's interval (regressions; at 1 - alpha, 95% by default)
                "trend_slope_low": t.interval[0] if t and t.interval else None,
                "trend_slope_high": t.interval[1] if t and t.interval else None,
                "trend_points": t.n_points if t else None,
                "available": r.available,
                "note": " ".join([r.unavailable_reason, *r.notes]).strip(),
            }
        )
        if r.group_values is not None:
            for g in r.group_values.itertuples(index=False):
                if g.force == r.force:
                    continue
                rows.append(
                    {
                        **base,
                        "force": g.force,
                        "is_report_force": False,
                        "count_12m": g.count,
                        "denominator": g.denominator,
                        "value": g.value,
                        "rate_per_1000": g.value if m.is_rate else None,
                        "msg_rank": g.rank,
                        "rank_of": r.rank_of,
                        "msg_average": r.comparator_value
                        if r.comparator_label == "MSG average"
                        else None,
                        "available": True,
                    }
                )
    return pd.DataFrame(rows, columns=MEASURES_COLUMNS)


def measures_table_for(
    inputs: Any,
    quarter: FinancialQuarter,
    force: str,
    settings: Settings,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """measures.csv for one force and quarter, every measure of the catalogue."""
    catalogue = catalogue or default_catalogue()
    return measures_table(compute_measures(catalogue.measures, inputs, quarter, force, settings))


# Fixed float format: the same inputs must give byte-identical files on every machine.
_CSV_FORMAT: dict[str, Any] = {"index": False, "float_format": "%.10g", "lineterminator": "\n"}


def write_measures_csv(table: pd.DataFrame, path: Path) -> None:
    table.to_csv(path, **_CSV_FORMAT)


def measures_csv_text(table: pd.DataFrame, *, header: bool = True) -> str:
    """The text `write_measures_csv` writes for `table` (without its header row on request)."""
    return str(table.to_csv(header=header, **_CSV_FORMAT))


def main(argv: list[str] | None = None) -> int:
    """`python -m helpers measures`: the measures table without running any notebook."""
    from helpers.inputs.datasets import load_inputs

    parser = argparse.ArgumentParser(prog="python -m helpers measures", description=main.__doc__)
    parser.add_argument(
        "--quarter", default=None, help="e.g. 2024-03 or '2023/24 Q4' (default: latest)"
    )
    parser.add_argument("--force", default=None, help="force name, or 'all' for every force")
    parser.add_argument(
        "--data-dir", default=None, help="data folder (default from params/report.yaml)"
    )
    parser.add_argument("--out", default="measures.csv", help="CSV file to write")
    parser.add_argument(
        "--prc", default=None, help="Home Office PRC file as published (CSV, CSV.gz, ODS, XLSX)"
    )
    parser.add_argument(
        "--population",
        nargs="+",
        default=None,
        help="ONS population file(s): the tidy form, or tables P9 and P10 together",
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings(
            force=args.force if args.force != "all" else None, data_dir=args.data_dir
        )
        from helpers.core.paths import resolve

        data_dir = resolve(settings.data_dir)
        if args.prc or args.population:
            from helpers.inputs.published import named_files_folder

            data_dir = named_files_folder(
                prc=args.prc, population=args.population, base=args.data_dir and data_dir
            )
        inputs = load_inputs(data_dir)
        forces = default_forces()
        # The same checks as a build: the quarter against the data, and a population estimate
        # for every window the requested quarter needs (not for every year of a long history).
        preflight = check_report(
            inputs, args.quarter or settings.quarter, forces.canonical(settings.force), settings, []
        )
        quarter = preflight.quarter
        for warning in preflight.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        names = forces.names if args.force == "all" else [forces.canonical(settings.force)]
        catalogue = default_catalogue()
        series = {
            m.id: all_forces_series(m, inputs, settings, forces)
            for m in catalogue.measures
            if m.source not in inputs.missing
        }
        results = [
            compute_measure(m, inputs, quarter, name, settings, forces, series=series.get(m.id))
            for name in names
            for m in catalogue.measures
        ]
        table = measures_table(results)
        if args.force == "all":
            table = table[table["is_report_force"]]
        write_measures_csv(table, Path(args.out))
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(table)} rows to {args.out}")
    return 0
