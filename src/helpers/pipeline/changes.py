"""Changes since the last report: what moved, which published figures this report revises, why.

Every quarter some past figures change: the Home Office revises counts, a population estimate
replaces a projection, a method setting or the measure catalogue changes. The build compares
this report with the previous published report for the same force and says so on a page
('Changes since the last report', `changes_page`) and in report.ods.

The previous report is the previous quarter's ``outputs/<quarter>/<force>/`` (its measures.csv,
tables.json and manifest.json), or the folder or measures.csv given with ``PREVIOUS=``
(`--previous`). Two things are compared:

* **what moved** (`Movement`): each measure's trend word, benchmark and rank in the last report
  against this one: what a Commissioner asks first;
* **revised figures** (`Change`): every figure both reports show that differs:
  - every point of every chart's series and every table both reports show, from the two
    reports' tables.json (`change_tables`): a count revised in any earlier quarter moves the
    chart points whose 12 months include it;
  - for an earlier quarter, each measure's 12-month count and denominator (and, for a measure
    whose chart was not compared, its value, comparator and England and Wales) *at the last
    report's quarter* as this build computes them now (`MeasureResult.series`) against the
    last report's measures.csv;
  - for the same quarter (``PREVIOUS=`` an earlier build of this quarter), every column of
    measures.csv, for the force and each comparison force.

A difference is a change when the two figures differ once both are written as measures.csv
writes them (10 significant figures). A change whose size is at least `threshold_percent` of
the previous figure (params/report.yaml, ``changes.threshold_percent``) is flagged, as is
every change of a word. Each change gets its likely causes, in plain words, from the two
manifests (`change_causes`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.pipeline import hashing
from helpers.pipeline.change_causes import Causes, year_words
from helpers.pipeline.change_tables import as_written, compare_tables, is_number, read_tables

PAGE_ID = "changes"
PAGE_NUMBER = 89  # its file: sections/89_changes.html, before the methods page (90)
PAGE_TITLE = "Changes since the last report"
DEFAULT_THRESHOLD_PERCENT = 1.0
# measures.csv columns compared for the same quarter: (column, label, unit or None = measure's).
_SAME_QUARTER_NUMBERS = (
    ("count_12m", "Count (12 months)", "count"),
    ("denominator", "Denominator (12 months)", "count"),
    ("denominator_year", "Population year used", "year"),
    ("value", "Value", None),
    ("ci_low", "Lower confidence limit", None),
    ("ci_high", "Upper confidence limit", None),
    ("previous_value", "Value a year earlier", None),
    ("comparator_value", "Comparator value", None),
    ("national_value", "England and Wales value", None),
    ("msg_rank", "Rank", "rank"),
    ("rank_of", "Forces ranked", "rank"),
    ("trend_p_value", "Trend test p-value", "p"),
)
# What a measure's chart shows: not listed again from measures.csv when the chart was compared.
_CHARTED = frozenset({"value", "comparator_value", "national_value"})
# Without these a measures.csv is not one this project wrote: nothing is compared.
REQUIRED_COLUMNS = ("measure", "force", "is_report_force", "period_end", "value")
_SAME_QUARTER_WORDS = (("benchmark", "Benchmark"), ("trend", "Trend / Outlook"))
# Figures of a measure's history compared for an earlier quarter: (series column, measures.csv
# column, label, unit or None = measure's).
_HISTORY = (
    ("count", "count_12m", "Count (12 months)", "count"),
    ("denominator", "denominator", "Denominator (12 months)", "count"),
    ("force_value", "value", "Value", None),
    ("comparator_value", "comparator_value", "Comparator value", None),
    ("national_value", "national_value", "England and Wales value", None),
)


@dataclass(frozen=True)
class PreviousReport:
    """A published report to compare with: its folder, measures.csv, manifest (or {}) and
    tables.json (None: it kept none)."""

    folder: Path
    measures: pd.DataFrame
    manifest: Mapping[str, Any]
    tables: list[dict[str, Any]] | None = None

    @property
    def quarter(self) -> str:
        report = self.manifest.get("report") or {}
        if report.get("quarter"):
            return str(report["quarter"])
        return str(self.measures["period_end"].iloc[0]) if len(self.measures) else ""

    @property
    def quarter_title(self) -> str:
        report = self.manifest.get("report") or {}
        if report.get("quarter_title"):
            return str(report["quarter_title"])
        from helpers.core.quarters import FinancialQuarter

        try:
            return FinancialQuarter.parse(self.quarter).title
        except Exception:
            return self.quarter


@dataclass(frozen=True)
class Change:
    """A figure both reports show that differs. `period`: the quarter code of the figure's 12
    months, or the row of the table it is in (a period as the chart labels it, a force)."""

    measure: str  # id ("" for a table no measure owns)
    title: str  # the measure's title, or the table's
    force: str
    figure: str
    period: str
    unit: str
    old: Any
    new: Any
    flagged: bool
    causes: str
    where: str = ""  # the chart or table it is shown in ("" = the measures summary)

    @property
    def difference(self) -> float | None:
        if is_number(self.old) and is_number(self.new):
            return float(self.new) - float(self.old)
        return None

    @property
    def percent(self) -> float | None:
        d = self.difference
        if d is None or float(self.old) == 0:
            return None
        return 100 * d / abs(float(self.old))


@dataclass(frozen=True)
class Movement:
    """A measure whose trend word, benchmark or rank is not what the last report said."""

    measure: str
    title: str
    what: str  # "Trend", "Benchmark" or "Rank"
    old: str
    new: str


@dataclass
class Changes:
    """The comparison: what was compared with what, what moved and every figure that changed."""

    previous: PreviousReport | None
    compared: str  # in words, for the page
    threshold_percent: float
    changes: list[Change] = field(default_factory=list)
    build_causes: list[str] = field(default_factory=list)  # what differs between the builds
    missing: str = ""  # why nothing was compared
    moved: list[Movement] = field(default_factory=list)
    tables_compared: int = 0  # charts and tables both reports show
    # Whether both reports keep their tables (tables.json; not a report built before it was
    # kept): else only the measures summary's figures are compared, and the page says so.
    tables_kept: bool = True
    files_changed: list[str] = field(default_factory=list)  # input files (the spreadsheet)


# ----- finding the previous report -----------------------------------------------------------


def previous_folder(outputs_root: Path, quarter_code: str, force_slug: str) -> Path:
    """Where the previous quarter's report of the force is published."""
    from helpers.core.quarters import FinancialQuarter

    earlier = FinancialQuarter.parse(quarter_code).shift(-1).code
    return outputs_root / earlier / force_slug


def find_previous(
    outputs_root: Path, quarter_code: str, force_slug: str, given: str | Path | None = None
) -> tuple[PreviousReport | None, str]:
    """The report to compare with, or None and why there is none (words for the page: no
    command). `given` (PREVIOUS=): a report folder, or its measures.csv or manifest.json; a
    given path that holds no measures.csv is a `FileNotFoundError` (the analyst asked for it)."""
    if given:
        path = Path(given).expanduser().resolve()
        folder = path if path.is_dir() else path.parent
        measures = path if path.suffix == ".csv" else folder / "measures.csv"
        if not measures.is_file():
            raise FileNotFoundError(f"PREVIOUS={given}: no measures.csv there ({measures})")
    else:
        folder = previous_folder(outputs_root, quarter_code, force_slug)
        measures = folder / "measures.csv"
        if not measures.is_file():
            from helpers.core.quarters import FinancialQuarter

            title = FinancialQuarter.parse(folder.parent.name).title
            return None, (
                "There is no previous report to compare with: the report for the "
                f"{title[0].lower() + title[1:]} is not in the outputs folder."
            )
    from helpers.pipeline.manifest import read_manifest

    table = pd.read_csv(measures, dtype={"period_end": str})
    manifest = read_manifest(folder / "manifest.json") or {}
    return PreviousReport(folder, table, manifest, read_tables(folder)), ""


def measure_digests(catalogue: Any) -> dict[str, str]:
    """{measure id: SHA-256 of its catalogue entry}: recorded in manifest.json, so that the
    next report can tell which measures' definitions changed."""
    out = {}
    for m in catalogue.measures:
        # The same key as before the digests moved to hashing.py: old manifests still compare.
        out[m.id] = hashing.digest({k: v for k, v in vars(m).items() if not k.startswith("_")})
    return out


# ----- comparing -------------------------------------------------------------------------------


def _differs(old: Any, new: Any) -> bool:
    return as_written(old) != as_written(new)


def _flag(old: Any, new: Any, threshold: float) -> bool:
    if not (is_number(old) and is_number(new)):
        return True  # a word changed, or a figure appeared or disappeared
    old, new = float(old), float(new)
    if old == 0:
        return new != 0
    return abs(new - old) / abs(old) * 100 >= threshold


def compare(
    previous: PreviousReport | None,
    current: pd.DataFrame,
    manifest: Mapping[str, Any],
    *,
    quarter: str,
    results: Sequence[Any] = (),
    catalogue: Any = None,
    threshold_percent: float = DEFAULT_THRESHOLD_PERCENT,
    missing: str = "",
    tables: Sequence[Mapping[str, Any]] | None = None,
) -> Changes:
    """What moved and every figure both reports show that differs. `current` is this build's
    measures.csv, `manifest` what this build records (inputs, settings, digests), `results`
    its `MeasureResult`s (their histories give the figures at an earlier quarter), `tables`
    this build's tables as tables.json keeps them (`SheetTable.as_dict()`)."""
    if previous is None:
        return Changes(None, "", threshold_percent, missing=missing or "No previous report.")
    absent = [c for c in REQUIRED_COLUMNS if c not in previous.measures.columns]
    absent += [f"{c} (this report)" for c in REQUIRED_COLUMNS if c not in current.columns]
    if absent:
        why = (
            "The previous report's measures.csv cannot be compared: it is not one this "
            f"project wrote (no column {', '.join(absent)})."
        )
        return Changes(None, "", threshold_percent, missing=why)
    causes = Causes(previous.manifest, manifest)
    measures = {m.id: m for m in catalogue.measures} if catalogue is not None else {}
    out = Changes(previous, "", threshold_percent, build_causes=causes.build_level())
    out.files_changed = causes.files_changed() if previous.manifest else []
    year = _population_years(previous.measures, current)
    if year:
        out.build_causes.append(year[:1].upper() + year[1:] + ".")
    old = previous.measures
    out.moved = movements(old, current)
    from_tables, charted = _table_changes(
        previous, tables, measures, causes, threshold_percent, out
    )
    out.tables_kept = previous.tables is not None and tables is not None
    charts = "every chart and table both reports show"
    if previous.quarter == quarter:
        out.compared = (
            "the same quarter: every figure of the measures summary (count, denominator, "
            "population year, value, interval, comparator, England and Wales, rank, trend "
            "test, benchmark and trend words), for the force and each comparison force"
            + (f", and {charts}" if out.tables_kept else "")
        )
        found = _same_quarter(old, current, measures, causes, threshold_percent, charted)
    else:
        out.compared = (
            (f"every point of {charts}, and " if out.tables_kept else "")
            + "each measure's 12-month count and denominator"
            + ("" if out.tables_kept else ", value, comparator and England and Wales value")
            + f" for the 12 months to the previous report's quarter ({previous.quarter}) as "
            "this report computes them now"
        )
        found = _earlier_quarter(old, previous.quarter, results, causes, threshold_percent, charted)
    out.changes = found + from_tables
    return out


def _population_years(old: pd.DataFrame, new: pd.DataFrame) -> str | None:
    """'the population estimate moved from mid-2022 to mid-2023' when the report force's
    rates use another population year than the last report's did."""

    def year(frame: pd.DataFrame) -> Any:
        if "denominator_year" not in frame or "is_report_force" not in frame:
            return None
        mine = frame[frame["is_report_force"].astype(str).str.lower() == "true"]
        years = pd.to_numeric(mine["denominator_year"], errors="coerce").dropna()
        return None if years.empty else int(years.mode().iloc[0])

    return year_words(year(old), year(new))


def _key_rows(frame: pd.DataFrame) -> dict[tuple[str, str], Mapping[str, Any]]:
    return {(str(r["measure"]), str(r["force"])): r for r in frame.to_dict("records")}


def _report_force_rows(frame: pd.DataFrame) -> dict[str, Mapping[str, Any]]:
    if not len(frame) or "is_report_force" not in frame:
        return {}
    mine = frame[frame["is_report_force"].astype(str).str.lower() == "true"]
    return {str(r["measure"]): r for r in mine.to_dict("records")}


def _rank_text(row: Mapping[str, Any]) -> str | None:
    rank, of = row.get("msg_rank"), row.get("rank_of")
    if not is_number(rank):
        return None
    from helpers.present.wording.benchmark_words import ordinal

    return f"{ordinal(int(rank))} of {int(of)}" if is_number(of) else ordinal(int(rank))


def movements(old: pd.DataFrame, new: pd.DataFrame) -> list[Movement]:
    """Each measure of the report force whose trend word, benchmark or rank differs between
    two measures.csv tables, in this report's order. A rank is listed only when the benchmark,
    which usually names it, did not change."""
    before, after = _report_force_rows(old), _report_force_rows(new)
    out = []
    for measure, b in after.items():
        a = before.get(measure)
        if a is None:
            continue
        title = str(b.get("title") or measure)
        said = False
        for column, what in (("trend", "Trend"), ("benchmark", "Benchmark")):
            x, y = as_written(a.get(column)), as_written(b.get(column))
            if x != y and (x is not None or y is not None):
                out.append(Movement(measure, title, what, _word(x), _word(y)))
                said = said or column == "benchmark"
        x, y = _rank_text(a), _rank_text(b)
        if x != y and not said:
            out.append(Movement(measure, title, "Rank", _word(x), _word(y)))
    return out


def _word(value: Any) -> str:
    return "Not available" if value is None else str(value)


def _owner(title: str, measures: Mapping[str, Any]) -> Any:
    """The measure whose chart or table `title` is (the longest title it starts with)."""
    best, length = None, 0
    lowered = title.lower()
    for m in measures.values():
        for name in (getattr(m, "chart_title", None), m.title):
            if name and lowered.startswith(str(name).lower()) and len(str(name)) > length:
                best, length = m, len(str(name))
    return best


def _table_changes(
    previous: PreviousReport,
    tables: Sequence[Mapping[str, Any]] | None,
    measures: Mapping[str, Any],
    causes: Causes,
    threshold: float,
    out: Changes,
) -> tuple[list[Change], set[str]]:
    """The changed figures of the tables both reports show, and the measures whose chart was
    compared."""
    if previous.tables is None or tables is None:
        return [], set()
    found, compared = compare_tables(previous.tables, tables)
    out.tables_compared = len(compared)
    charted = set()
    for title in compared:
        owner = _owner(title, measures)
        if owner is not None and title.lower().startswith(str(owner.chart_title).lower()):
            charted.add(owner.id)
    changes = []
    for r in found:
        owner = _owner(r.table, measures)
        changes.append(
            Change(
                owner.id if owner is not None else "",
                owner.title if owner is not None else r.table,
                "",
                r.column,
                r.row,
                "table",
                as_written(r.old),
                as_written(r.new),
                _flag(r.old, r.new, threshold),
                causes.for_measure(owner),
                where=r.table,
            )
        )
    return changes, charted


def _same_quarter(
    old: pd.DataFrame,
    new: pd.DataFrame,
    measures: Mapping[str, Any],
    causes: Causes,
    threshold: float,
    charted: set[str] = frozenset(),
) -> list[Change]:
    before, after = _key_rows(old), _key_rows(new)
    out = []
    for key in sorted(set(before) & set(after), key=list(after).index):
        a, b = before[key], after[key]
        measure = measures.get(key[0])
        unit_of = str(b.get("unit") or "")
        years = (a.get("denominator_year"), b.get("denominator_year"))
        reason = None
        # Numbers are flagged by the threshold; a changed word (benchmark, trend) always is.
        compared = [(c, label, u or unit_of, False) for c, label, u in _SAME_QUARTER_NUMBERS]
        compared += [(c, label, "text", True) for c, label in _SAME_QUARTER_WORDS]
        # The report force's charted figures were compared point by point with its chart.
        skip = (
            _CHARTED
            if key[0] in charted and str(a.get("is_report_force")).lower() == "true"
            else ()
        )
        for column, label, unit, word in compared:
            if column in skip:
                continue
            if column in a and column in b and _differs(a[column], b[column]):
                reason = reason or causes.for_measure(measure, years)
                out.append(
                    Change(
                        key[0],
                        str(b.get("title") or key[0]),
                        key[1],
                        label,
                        str(b.get("period_end")),
                        unit,
                        as_written(a[column]),
                        as_written(b[column]),
                        word or _flag(a[column], b[column], threshold),
                        reason,
                    )
                )
    return out


def _earlier_quarter(
    old: pd.DataFrame,
    old_quarter: str,
    results: Sequence[Any],
    causes: Causes,
    threshold: float,
    charted: set[str] = frozenset(),
) -> list[Change]:
    from helpers.core.quarters import FinancialQuarter

    period = FinancialQuarter.parse(old_quarter).period
    mine = old[old["is_report_force"].astype(str).str.lower() == "true"] if len(old) else old
    rows = {str(r["measure"]): r for r in mine.to_dict("records")}
    out = []
    for result in results:
        m = result.measure
        a = rows.get(m.id)
        if a is None or result.series is None or result.series.empty:
            continue
        at = result.series[result.series["period"] == period]
        if at.empty:
            continue  # the period is not in this report's history of the measure
        b = at.iloc[0]
        reason = None
        for column, old_column, label, unit in _HISTORY:
            if column not in b or old_column not in a:
                continue
            if m.id in charted and old_column in _CHARTED:
                continue  # compared point by point with the measure's chart
            if result.series[column].isna().all():
                continue  # a figure this measure's history does not hold (no comparator line)
            if _differs(a[old_column], b[column]):
                reason = reason or causes.for_measure(m)
                out.append(
                    Change(
                        m.id,
                        m.title,
                        result.force,
                        label,
                        old_quarter,
                        unit or m.unit,
                        as_written(a[old_column]),
                        as_written(b[column]),
                        _flag(a[old_column], b[column], threshold),
                        reason,
                    )
                )
    return out


__all__ = [
    "DEFAULT_THRESHOLD_PERCENT",
    "PAGE_ID",
    "PAGE_NUMBER",
    "PAGE_TITLE",
    "Change",
    "Changes",
    "Movement",
    "PreviousReport",
    "compare",
    "find_previous",
    "measure_digests",
    "movements",
    "previous_folder",
]
