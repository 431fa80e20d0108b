"""Changes since the last report: which published figures this report revises, and why.

Every quarter some past figures change: the Home Office revises counts, a population estimate
replaces a projection, a method setting or the measure catalogue changes. The build compares
this report with the previous published report for the same force and says so on a page
('Changes since the last report') and in report.ods.

The previous report is the previous quarter's ``outputs/<quarter>/<force>/`` (its measures.csv
and manifest.json), or the folder or measures.csv given with ``PREVIOUS=`` (`--previous`).
What is compared, named on the page:

* **an earlier quarter** (the usual case): each measure's figures *at the previous report's
  quarter* as this build computes them now (the measure's history, `MeasureResult.series`)
  against the previous report's measures.csv row for the force at that quarter: the 12-month
  count, the denominator, the value, the comparator (MSG average or England and Wales) and
  England and Wales. This build's own quarter is new, so it is not a revision;
* **the same quarter** (``PREVIOUS=`` an earlier build of this quarter): every numeric and
  text column of measures.csv, for the force and each comparison force.

A difference is a change when the two figures differ once both are written as measures.csv
writes them (10 significant figures). A change whose size is at least `threshold_percent` of
the previous figure (params/report.yaml, ``changes.threshold_percent``) is flagged, as is
every change of a word (benchmark, trend). Each change gets its likely causes from the two
manifests: the measure's input files whose SHA-256 changed, the population file (rates), the
population year used, a method setting, the measure's catalogue entry, the helpers' code.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.pipeline import hashing

PAGE_ID = "changes"
PAGE_NUMBER = 89  # its file: sections/89_changes.html, before the methods page (90)
PAGE_TITLE = "Changes since the last report"
DEFAULT_THRESHOLD_PERCENT = 1.0
POPULATION_PATH = "national/population_pfa.csv"
# Settings that change figures (not where the report is written or which force it is for).
_IGNORED_SETTINGS = frozenset({"force", "quarter", "data_dir", "outputs_dir", "narrative_dir"})
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
    """A published report to compare with: its folder, measures.csv and manifest (or {})."""

    folder: Path
    measures: pd.DataFrame
    manifest: Mapping[str, Any]

    @property
    def quarter(self) -> str:
        report = self.manifest.get("report") or {}
        if report.get("quarter"):
            return str(report["quarter"])
        return str(self.measures["period_end"].iloc[0]) if len(self.measures) else ""


@dataclass(frozen=True)
class Change:
    measure: str  # id
    title: str
    force: str
    figure: str
    period: str  # quarter code of the figure's 12 months
    unit: str
    old: Any
    new: Any
    flagged: bool
    causes: str

    @property
    def difference(self) -> float | None:
        if _is_number(self.old) and _is_number(self.new):
            return float(self.new) - float(self.old)
        return None

    @property
    def percent(self) -> float | None:
        d = self.difference
        if d is None or float(self.old) == 0:
            return None
        return 100 * d / abs(float(self.old))


@dataclass
class Changes:
    """The comparison: what was compared with what, and every figure that changed."""

    previous: PreviousReport | None
    compared: str  # in words, for the page
    threshold_percent: float
    changes: list[Change] = field(default_factory=list)
    build_causes: list[str] = field(default_factory=list)  # what differs between the builds
    missing: str = ""  # why nothing was compared


def _is_number(value: Any) -> bool:
    if value is None or isinstance(value, bool | str):
        return False
    try:
        return not math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def _as_written(value: Any) -> Any:
    """A figure as measures.csv writes it (10 significant figures), or None when missing."""
    if _is_number(value):
        return float(f"{float(value):.10g}")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


# ----- finding the previous report -----------------------------------------------------------


def previous_folder(outputs_root: Path, quarter_code: str, force_slug: str) -> Path:
    """Where the previous quarter's report of the force is published."""
    from helpers.core.quarters import FinancialQuarter

    earlier = FinancialQuarter.parse(quarter_code).shift(-1).code
    return outputs_root / earlier / force_slug


def find_previous(
    outputs_root: Path, quarter_code: str, force_slug: str, given: str | Path | None = None
) -> tuple[PreviousReport | None, str]:
    """The report to compare with, or None and why there is none. `given` (PREVIOUS=): a report
    folder, or its measures.csv or manifest.json; a given path that holds no measures.csv is a
    `FileNotFoundError` (the analyst asked for it)."""
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
            return None, (
                f"There is no previous report to compare with: no {folder.parent.name}/"
                f"{folder.name}/measures.csv under the outputs folder. Give one with "
                "PREVIOUS=<folder of a published report>."
            )
    from helpers.pipeline.manifest import read_manifest

    table = pd.read_csv(measures, dtype={"period_end": str})
    manifest = read_manifest(folder / "manifest.json") or {}
    return PreviousReport(folder, table, manifest), ""


# ----- causes ----------------------------------------------------------------------------------


def measure_digests(catalogue: Any) -> dict[str, str]:
    """{measure id: SHA-256 of its catalogue entry}: recorded in manifest.json, so that the
    next report can tell which measures' definitions changed."""
    out = {}
    for m in catalogue.measures:
        # The same key as before the digests moved to hashing.py: old manifests still compare.
        out[m.id] = hashing.digest({k: v for k, v in vars(m).items() if not k.startswith("_")})
    return out


def _files_of(source_path: str, files: Mapping[str, str]) -> dict[str, str]:
    return {p: d for p, d in files.items() if p == source_path or p.startswith(source_path + "/")}


def _changed_files(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    return sorted(p for p in set(old) | set(new) if old.get(p) != new.get(p))


def _describe_files(paths: list[str]) -> str:
    shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
    return f"input changed ({shown})"


def _settings(manifest: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in (manifest.get("settings") or {}).items() if k not in _IGNORED_SETTINGS}


def _flat(prefix: str, value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(f"{prefix}.{k}" if prefix else str(k), v))
        return out
    return {prefix: value}


class _Causes:
    """Likely causes from the two manifests, per measure."""

    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any]):
        self.old, self.new = old, new
        self.old_files = (old.get("inputs") or {}).get("files") or {}
        self.new_files = (new.get("inputs") or {}).get("files") or {}
        a, b = _flat("", _settings(old)), _flat("", _settings(new))
        keys = sorted(set(a) | set(b))
        self.settings = [f"{k}: {a.get(k)} -> {b.get(k)}" for k in keys if a.get(k) != b.get(k)]
        self.old_measures = old.get("measure_digests") or {}
        self.new_measures = new.get("measure_digests") or {}
        old_code, new_code = old.get("helpers_digest"), new.get("helpers_digest")
        self.code_changed = bool(old_code and new_code and old_code != new_code)
        self.code_unknown = not old_code

    def build_level(self) -> list[str]:
        """What differs between the two builds, whatever the measure."""
        out = []
        changed = _changed_files(self.old_files, self.new_files)
        if not self.old_files:
            out.append("The previous report's manifest.json lists no input files.")
        elif changed:
            out.append(
                f"{len(changed)} input file(s) changed: {', '.join(changed[:8])}"
                + (" ..." if len(changed) > 8 else "")
                + "."
            )
        else:
            out.append("No input file changed (same SHA-256).")
        if self.settings:
            out.append("Method settings changed: " + "; ".join(self.settings) + ".")
        catalogue = [
            m
            for m in self.new_measures
            if self.old_measures.get(m) not in (None,)
            and self.old_measures[m] != self.new_measures[m]
        ]
        if catalogue:
            out.append(
                "Measure definitions changed (params/measures.yaml): " + ", ".join(catalogue) + "."
            )
        if self.code_changed:
            old_git = (self.old.get("git") or {}).get("commit") or "unknown"
            new_git = (self.new.get("git") or {}).get("commit") or "unknown"
            out.append(f"The report's code changed (git {old_git[:10]} -> {new_git[:10]}).")
        return out

    def for_measure(self, measure: Any, figure: str, years: tuple[Any, Any] = (None, None)) -> str:
        causes = []
        if measure is not None:
            from helpers.inputs.schemas import SOURCES

            source = SOURCES.get(measure.source)
            if source is not None:
                changed = _changed_files(
                    _files_of(source.path, self.old_files), _files_of(source.path, self.new_files)
                )
                if changed:
                    causes.append(_describe_files(changed))
            if measure.is_rate or measure.unit == "ratio":
                path = (
                    POPULATION_PATH if measure.is_rate else "national/population_ethnicity_pfa.csv"
                )
                if self.old_files.get(path) != self.new_files.get(path) and self.old_files:
                    causes.append(f"population estimates changed ({path})")
            if self.old_measures.get(measure.id) and self.old_measures.get(
                measure.id
            ) != self.new_measures.get(measure.id):
                causes.append("the measure's definition changed (params/measures.yaml)")
        old_year, new_year = years
        if _is_number(old_year) and _is_number(new_year) and int(old_year) != int(new_year):
            causes.append(f"population year mid-{int(old_year)} -> mid-{int(new_year)}")
        if self.settings:
            causes.append("method settings changed (" + "; ".join(self.settings) + ")")
        if self.code_changed:
            causes.append("the report's code changed")
        if not causes:
            if not self.old:
                return "unknown: the previous report has no manifest.json"
            return "no cause found in the two manifests" + (
                " (the previous manifest does not record the code or catalogue)"
                if self.code_unknown
                else ""
            )
        return "; ".join(causes)


# ----- comparing -------------------------------------------------------------------------------


def _differs(old: Any, new: Any) -> bool:
    return _as_written(old) != _as_written(new)


def _flag(old: Any, new: Any, threshold: float) -> bool:
    if not (_is_number(old) and _is_number(new)):
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
) -> Changes:
    """Every figure both reports show that differs. `current` is this build's measures.csv,
    `manifest` what this build records (inputs, settings, digests), `results` its
    `MeasureResult`s (their histories give the figures at an earlier quarter)."""
    if previous is None:
        return Changes(None, "", threshold_percent, missing=missing or "No previous report.")
    absent = [c for c in REQUIRED_COLUMNS if c not in previous.measures.columns]
    absent += [f"{c} (this report)" for c in REQUIRED_COLUMNS if c not in current.columns]
    if absent:
        why = (
            f"The previous report's measures.csv ({previous.folder}) cannot be compared: "
            f"no column {', '.join(absent)}."
        )
        return Changes(None, "", threshold_percent, missing=why)
    causes = _Causes(previous.manifest, manifest)
    measures = {m.id: m for m in catalogue.measures} if catalogue is not None else {}
    out = Changes(previous, "", threshold_percent, build_causes=causes.build_level())
    old = previous.measures
    if previous.quarter == quarter:
        out.compared = (
            "the same quarter: every figure of measures.csv (count, denominator, population "
            "year, value, interval, comparator, England and Wales, rank, trend test, benchmark "
            "and trend words), for the force and each comparison force"
        )
        out.changes = _same_quarter(old, current, measures, causes, threshold_percent)
    else:
        out.compared = (
            f"the figures for the 12 months to the previous report's quarter ({previous.quarter})"
            ": each measure's 12-month count, denominator, value, comparator value and England "
            "and Wales value as this report computes them now, against the previous report's "
            "measures.csv. This report's own quarter is new and is not compared"
        )
        out.changes = _earlier_quarter(old, previous.quarter, results, causes, threshold_percent)
    return out


def _key_rows(frame: pd.DataFrame) -> dict[tuple[str, str], Mapping[str, Any]]:
    return {(str(r["measure"]), str(r["force"])): r for r in frame.to_dict("records")}


def _same_quarter(
    old: pd.DataFrame,
    new: pd.DataFrame,
    measures: Mapping[str, Any],
    causes: _Causes,
    threshold: float,
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
        for column, label, unit, word in compared:
            if column in a and column in b and _differs(a[column], b[column]):
                reason = reason or causes.for_measure(measure, label, years)
                out.append(
                    Change(
                        key[0],
                        str(b.get("title") or key[0]),
                        key[1],
                        label,
                        str(b.get("period_end")),
                        unit,
                        _as_written(a[column]),
                        _as_written(b[column]),
                        word or _flag(a[column], b[column], threshold),
                        reason,
                    )
                )
    return out


def _earlier_quarter(
    old: pd.DataFrame,
    old_quarter: str,
    results: Sequence[Any],
    causes: _Causes,
    threshold: float,
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
            if result.series[column].isna().all():
                continue  # a figure this measure's history does not hold (no comparator line)
            if _differs(a[old_column], b[column]):
                reason = reason or causes.for_measure(m, label)
                out.append(
                    Change(
                        m.id,
                        m.title,
                        result.force,
                        label,
                        old_quarter,
                        unit or m.unit,
                        _as_written(a[old_column]),
                        _as_written(b[column]),
                        _flag(a[old_column], b[column], threshold),
                        reason,
                    )
                )
    return out


# ----- the page and the spreadsheet table ------------------------------------------------------

_COLUMNS = (
    "Measure",
    "Force",
    "Figure",
    "12 months ending",
    "Previous report",
    "This report",
    "Difference",
    "Change (%)",
    "Above threshold",
    "Likely cause",
)


def _text(value: Any, unit: str) -> str:
    from helpers.present.formatting import format_value

    if value is None:
        return "Not available"
    if not _is_number(value):
        return str(value)
    if unit in ("year", "rank"):
        return str(int(value))
    if unit == "p":
        return f"{float(value):.3g}"
    if unit == "text":
        return str(value)
    try:
        return format_value(float(value), unit)
    except ValueError:
        return f"{float(value):.6g}"


def _period_text(code: str) -> str:
    from helpers.core.quarters import FinancialQuarter

    try:
        return FinancialQuarter.parse(code).end_month_name
    except Exception:
        return code


def changes_frame(changes: Changes) -> pd.DataFrame:
    """The changes as the page shows them (formatted text)."""
    rows = []
    for c in changes.changes:
        d, p = c.difference, c.percent
        rows.append(
            [
                c.title,
                c.force,
                c.figure,
                _period_text(c.period),
                _text(c.old, c.unit),
                _text(c.new, c.unit),
                ""
                if d is None
                else _text(d, c.unit)
                if c.unit not in ("year", "rank")
                else f"{d:+.0f}",
                "" if p is None else f"{p:+.2f}%",
                "Yes" if c.flagged else "No",
                c.causes,
            ]
        )
    return pd.DataFrame(rows, columns=list(_COLUMNS))


def page_html(changes: Changes, *, force: str, quarter_title: str) -> str:
    """The 'Changes since the last report' page (an HTML fragment; the build places it before
    the methods page)."""
    from helpers.present.tables import data_table

    parts = [
        f'<h2 id="{PAGE_ID}-page">{PAGE_TITLE}</h2>',
        f'<p class="section-meta">{html.escape(force)} · {html.escape(quarter_title)}</p>',
    ]
    if changes.previous is None:
        parts.append(f"<p>{html.escape(changes.missing)} Nothing is compared.</p>")
        return "\n".join(parts)
    p = changes.previous
    report = p.manifest.get("report") or {}
    built = p.manifest.get("report_built") or p.manifest.get("finished_utc") or "unknown"
    parts.append(
        "<p>This page compares this report with the previous one: "
        f"{html.escape(str(report.get('quarter_title') or p.quarter))} for "
        f"{html.escape(str(report.get('force') or force))}, whose figures were made "
        f"{html.escape(str(built))}. Compared: {html.escape(changes.compared)}. A change of "
        f"{changes.threshold_percent:g}% or more of the previous figure, and every changed "
        "word, is flagged. The likely causes come from the two reports' manifest.json "
        "(input files' SHA-256, settings, measure definitions, code).</p>"
    )
    if changes.build_causes:
        items = "".join(f"<li>{html.escape(c)}</li>" for c in changes.build_causes)
        parts.append(f"<h3>What differs between the two builds</h3>\n<ul>{items}</ul>")
    flagged = sum(c.flagged for c in changes.changes)
    if not changes.changes:
        parts.append("<p><strong>No figure changed.</strong></p>")
        return "\n".join(parts)
    parts.append(
        f"<p><strong>{len(changes.changes)} figure(s) changed, {flagged} flagged.</strong> "
        'The same table is in <a href="report.ods">report.ods</a>.</p>'
    )
    frame = changes_frame(changes)
    parts.append(
        data_table(frame, caption=f"Figures that changed since the previous report ({p.quarter})")
    )
    return "\n".join(parts)


def sheet_table(changes: Changes) -> Any:
    """The changes for report.ods (numbers as numbers)."""
    from helpers.present.spreadsheet import NOT_APPLICABLE, NOT_AVAILABLE, SheetTable

    rows = []
    for c in changes.changes:
        numeric = c.unit != "text"
        rows.append(
            [
                c.title,
                c.force,
                c.figure,
                c.period,
                NOT_AVAILABLE if c.old is None else c.old,
                NOT_AVAILABLE if c.new is None else c.new,
                NOT_APPLICABLE if c.difference is None or not numeric else c.difference,
                NOT_APPLICABLE if c.percent is None or not numeric else c.percent,
                "Yes" if c.flagged else "No",
                c.causes,
            ]
        )
    if changes.previous is None:
        note = changes.missing
        title = f"{PAGE_TITLE}: nothing to compare"
    else:
        note = f"Compared: {changes.compared}."
        title = f"{PAGE_TITLE} ({changes.previous.quarter})"
    columns = list(_COLUMNS)
    columns[3] = "12 months ending (quarter code)"
    columns[4] = "Previous report: value in the measure's unit"
    columns[5] = "This report: value in the measure's unit"
    columns[6] = "Difference: this report minus previous"
    return SheetTable(
        title=title,
        columns=columns,
        rows=rows,
        notes=(
            note,
            f"Flagged: a change of {changes.threshold_percent:g}% or more of the "
            "previous figure, or a changed word.",
        ),
        sheet="Changes",
        kind="changes",
    )


__all__ = [
    "PAGE_ID",
    "PAGE_NUMBER",
    "PAGE_TITLE",
    "Change",
    "Changes",
    "PreviousReport",
    "changes_frame",
    "compare",
    "find_previous",
    "measure_digests",
    "page_html",
    "previous_folder",
    "sheet_table",
]
