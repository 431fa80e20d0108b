"""What a build publishes beside the pages: report.ods and the 'Changes since the last report'
page. The build calls three functions at three stages, each given the build's plan and what
the stages before made (kept out of build.py so that it stays about running things):

* `changes_page(plan, inputs, staging, ...)` after the notebooks ran, while the measure results
  are still in staging: compares with the previous report (`helpers.pipeline.changes`) and
  returns the page, which `place_pages` puts before the methods page, and the `Changes`;
* `write_report_ods(plan, inputs, staging, ...)` after the HTML: report.ods
  (`helpers.present.spreadsheet`);
* `manifest_extra(plan, changes)`: the digests manifest.json records so that the next report
  can name the causes of a change (code, catalogue, each measure's declaration).

report.ods holds, in this order: the measures summary (measures.csv, the force's rows), the
changes since the last report, then every table the section notebooks displayed with
`report.Html(..., tables=...)` (each chart's data, each comparison table), in report order.
To add tables, either display them from a notebook that way, or return them from a function
added to `EXTRA_TABLES` (called with the build's plan and its staging folder, after the HTML
is made; it returns a list of `spreadsheet.SheetTable`, placed after the notebooks' tables).

report.ods is cached on its content (`.cache/ods/`): the tables, the cover and the changes; a
narrative edit, which changes none of them, copies it.
"""

from __future__ import annotations

import json
import pickle
import shutil
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from helpers.pipeline import hashing
from helpers.pipeline.incremental import BuildCache
from helpers.pipeline.plan import BuildPlan
from helpers.pipeline.progress import BuildLog
from helpers.present.spreadsheet import NOT_APPLICABLE, NOT_AVAILABLE, Cover, SheetTable

if TYPE_CHECKING:
    from helpers.pipeline.changes import Changes

ODS_NAME = "report.ods"
# Functions (plan, staging folder) -> list of SheetTable, for tables made outside notebooks.
EXTRA_TABLES: list[Callable[[BuildPlan, Path], Sequence[SheetTable]]] = []


# ----- settings from params/report.yaml (the `publication:` block) ----------------------------


def publication_settings(path: Path | None = None) -> dict[str, Any]:
    """The `publication:` block of params/report.yaml: contact lines and the changes
    threshold (percent of the previous figure)."""
    from helpers.core.paths import PARAMS_DIR

    path = path or PARAMS_DIR / "report.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        raw = {}
    block = raw.get("publication") or {}
    changes = block.get("changes") or {}
    return {
        "contact": [str(line) for line in block.get("contact") or []],
        "threshold_percent": float(changes.get("threshold_percent", 1.0)),
        "next_update_months": int(block.get("next_update_months", 3)),
    }


# The line params/report.yaml ships in `publication.contact`, for a team to replace.
CONTACT_PLACEHOLDER = "Replace these lines with the team's email address and telephone number"


def contact_warning(path: Path | None = None) -> str | None:
    """A warning for the build while report.ods's contact is missing or still the placeholder
    params/report.yaml ships with; None once a team has written its own."""
    contact = publication_settings(path)["contact"]
    if contact and not any(CONTACT_PLACEHOLDER.lower() in line.lower() for line in contact):
        return None
    where = display_settings(path)
    return (
        f"{where}: publication.contact is still the placeholder; report.ods tells readers to "
        "contact no one. Write the team's email address and telephone number there before "
        "publishing"
    )


def display_settings(path: Path | None) -> str:
    """The settings file as a reader should see it: relative to the project where it can be."""
    from helpers.core.paths import PARAMS_DIR, PROJECT_ROOT

    path = Path(path or PARAMS_DIR / "report.yaml")
    try:
        return path.resolve().relative_to(PROJECT_ROOT.resolve()).as_posix()
    except ValueError:
        return path.name


def next_update(published: date, quarter: Any, months: int) -> str:
    """When the next report is due: the month `months` after this one's publication, and the
    quarter it will cover ("September 2025 (provisional), with the figures for the quarter
    ending June 2025 (Q1 2025/26)")."""
    month = published.month - 1 + months
    due = date(published.year + month // 12, month % 12 + 1, 1)
    following = quarter.shift(1)
    return (
        f"{due.strftime('%B %Y')} (provisional), with the figures for the "
        f"{following.title[0].lower()}{following.title[1:]}"
    )


# ----- the manifest ----------------------------------------------------------------------------


def manifest_extra(plan: BuildPlan | None = None, changes: Changes | None = None) -> dict[str, Any]:
    """For manifest.json: the digests of the helpers' code, the catalogue and each measure's
    entry (the next report names causes from them), the `publication:` settings of `plan`,
    and which report the changes page compared with (`make verify` rebuilds against the same
    one)."""
    from helpers.core.config import default_catalogue
    from helpers.pipeline.changes import measure_digests

    extra: dict[str, Any] = {
        "helpers_digest": hashing.helpers_digest(),
        "catalogue_digest": hashing.catalogue_digest(),
        "measure_digests": measure_digests(default_catalogue()),
    }
    if plan is not None:
        # `make verify` writes these back into the rebuild's report.yaml.
        settings = publication_settings(plan.options.settings_path)
        extra["publication"] = {
            "contact": settings["contact"],
            "next_update_months": settings["next_update_months"],
            "changes": {"threshold_percent": settings["threshold_percent"]},
        }
    if changes is not None:
        previous = changes.previous
        extra["changes"] = {
            "previous": None if previous is None else str(previous.folder),
            "compared": changes.compared or changes.missing,
            "changed": len(changes.changes),
            "flagged": sum(c.flagged for c in changes.changes),
            "threshold_percent": changes.threshold_percent,
        }
    return extra


def _this_manifest(plan: BuildPlan, inputs: Any) -> dict[str, Any]:
    """What this build will record, as far as the comparison needs it."""
    from helpers.pipeline.manifest import git_state

    return {
        "inputs": {"files": dict(inputs.files or {})},
        "settings": plan.settings.as_dict(),
        "git": {"commit": git_state().commit},
        **manifest_extra(),
    }


# ----- the changes page ------------------------------------------------------------------------


def _results(path: Path | None) -> list[Any]:
    if path is None or not Path(path).is_file():
        return []
    with open(path, "rb") as handle:
        return list(pickle.load(handle))


def changes_page(
    plan: BuildPlan,
    inputs: Any,
    staging: Path,
    *,
    results: Path | None,
    log: BuildLog,
    shown: Sequence[SheetTable] | None = None,
) -> tuple[list[Any], Changes | None]:
    """The changes page as a `render.PageContent` (in a list: none for a partial build),
    and the `Changes` for the spreadsheet and the manifest. `results`: the pickle of the
    measure results, if the build made one; `shown`: the notebooks' tables, if read."""
    import pandas as pd

    from helpers.core.config import default_catalogue
    from helpers.pipeline import changes as ch
    from helpers.pipeline.change_tables import TABLES_NAME
    from helpers.pipeline.changes_page import page_html
    from helpers.present.render import PageContent

    if plan.partial:
        return [], None
    settings = publication_settings(plan.options.settings_path)
    previous, missing = ch.find_previous(
        plan.outputs_root, plan.quarter.code, plan.force.slug, plan.options.previous
    )
    current = pd.read_csv(staging / "measures.csv", dtype={"period_end": str})
    tables = None
    if previous is not None and previous.tables is not None:
        # Every table this report shows, as its tables.json will keep them.
        tables = [t.as_dict() for t in report_tables(plan, staging, shown=shown)]
    changes = ch.compare(
        previous,
        current,
        _this_manifest(plan, inputs) if previous is not None else {},
        quarter=plan.quarter.code,
        # Only an earlier quarter needs the measures' histories (a pickle of every series).
        results=_results(results) if previous is not None else [],
        catalogue=default_catalogue(),
        threshold_percent=settings["threshold_percent"],
        missing=missing,
        tables=tables,
    )
    if previous is None:
        log.detail(f"    changes: {missing} (PREVIOUS=<report folder> names one)")
    else:
        log.detail(
            f"    changes: {len(changes.moved)} measure(s) moved, {len(changes.changes)} "
            f"figure(s) differ from {previous.folder} ({changes.tables_compared} tables compared)"
        )
        if previous.tables is None:
            log.detail(
                f"    changes: {previous.folder} keeps no {TABLES_NAME}: charts not compared"
            )
    fragment = page_html(
        changes,
        force=plan.force.name,
        quarter_title=plan.quarter.title,
        quarter=plan.quarter.code,
    )
    stem = f"{ch.PAGE_NUMBER:02d}_{ch.PAGE_ID}"
    page = PageContent(ch.PAGE_ID, ch.PAGE_NUMBER, ch.PAGE_TITLE, None, stem, fragment)
    return [page], changes


def check_previous(given: str | Path) -> None:
    """A `ConfigError` unless `given` (PREVIOUS=) is a report folder or a measures.csv."""
    from helpers.core.exceptions import ConfigError

    path = Path(given).expanduser()
    measures = path if path.suffix == ".csv" else path / "measures.csv"
    if not measures.is_file():
        raise ConfigError(
            f"PREVIOUS={given}: no measures.csv there; give the folder of a published report "
            "(outputs/<quarter>/<force>) or its measures.csv"
        )


def place_pages(contents: list[Any], pages: Sequence[Any]) -> list[Any]:
    """`contents` with `pages` before the methods page (at the end if there is none)."""
    if not pages:
        return contents
    at = next((i for i, c in enumerate(contents) if c.id == "methods"), len(contents))
    return [*contents[:at], *pages, *contents[at:]]


# ----- the spreadsheet -------------------------------------------------------------------------

_MEASURE_COLUMNS = (
    # (measures.csv column, header with its unit, number format: a name of spreadsheet.FORMATS,
    # "unit" for the row's own unit, None for text)
    ("section", "Section", None),
    ("title", "Measure", None),
    ("unit", "Unit of the value columns", None),
    ("period_end", "12 months ending", "month"),
    ("count_12m", "Count (12 months): number", "count"),
    ("denominator", "Denominator (12 months): number", "count"),
    ("denominator_year", "Population year used (mid-year)", "year"),
    ("value", "Value: in the unit", "unit"),
    ("ci_low", "Lower 95% confidence limit: in the unit", "unit"),
    ("ci_high", "Upper 95% confidence limit: in the unit", "unit"),
    ("previous_value", "Value a year earlier: in the unit", "unit"),
    ("comparator", "Comparator", None),
    ("comparator_value", "Comparator value: in the unit", "unit"),
    ("national_value", "England and Wales value: in the unit", "unit"),
    ("msg_rank", "Rank (1 = best)", None),
    ("rank_of", "Forces ranked", None),
    ("benchmark", "Benchmark", None),
    ("trend", "Trend / Outlook", None),
    ("trend_p_value", "Trend test p-value", "p_value"),
    ("note", "Note", None),
)
# What each comparator is called (measures.csv keeps the catalogue's code).
COMPARATOR_LABELS = {
    "msg": "Most similar group average",
    "all_forces": "All forces (rank) and England and Wales",
    "national": "England and Wales",
    "population_share": "Area population share (Census 2021)",
    "none": "None: no comparator data",
    "not_applicable": "Not applicable",
}
_NO_COMPARATOR = frozenset({"none", "not_applicable"})


def _missing_mark(column: str, record: dict[str, Any]) -> str:
    """[z] where the cell cannot apply to the measure (an interval of a count, a denominator
    of a count, a rank of an unranked measure), [x] where it could and is missing."""
    unit, comparator = record.get("unit"), record.get("comparator")
    if column in ("ci_low", "ci_high", "denominator") and unit == "count":
        return NOT_APPLICABLE
    if column == "denominator_year" and unit not in ("rate_per_1000", "rate_per_1000_households"):
        return NOT_APPLICABLE
    if column in ("msg_rank", "rank_of") and comparator not in ("msg", "all_forces"):
        return NOT_APPLICABLE
    if column == "comparator_value" and (
        comparator in _NO_COMPARATOR or comparator == "all_forces"
    ):
        return NOT_APPLICABLE
    if column in ("note", "comparator"):
        return NOT_APPLICABLE
    return NOT_AVAILABLE


def measures_sheet(measures: Any, confidence: float = 0.95) -> SheetTable:
    """The measures summary: the report force's rows of measures.csv, the same values, with
    labels in place of the catalogue's codes and each number shown as the report prints it."""
    import pandas as pd

    from helpers.core.config import default_catalogue
    from helpers.present.formatting import axis_label

    frame = measures
    if "is_report_force" in frame:
        frame = frame[frame["is_report_force"].astype(str).str.lower() == "true"]
    catalogue = default_catalogue()
    if "title" not in frame.columns and "measure" in frame.columns:
        # A measure is named by its title, never by its id.
        titles = {m.id: m.title for m in catalogue.measures}
        frame = frame.assign(title=[titles.get(m, m) for m in frame["measure"]])
    columns = [(c, h, f) for c, h, f in _MEASURE_COLUMNS if c in frame.columns]
    sections = {s.id: s.title for s in catalogue.sections}
    level = f"{confidence:.0%}"
    rows = []
    for record in frame.to_dict("records"):
        row = []
        for column, _, _ in columns:
            value = record[column]
            missing = value is None or (isinstance(value, float) and pd.isna(value))
            if missing or (isinstance(value, str) and not value.strip()):
                value = _missing_mark(column, record)
            elif column == "section":
                value = sections.get(value, value)
            elif column == "unit":
                value = axis_label(value)
            elif column == "comparator":
                value = COMPARATOR_LABELS.get(value, value)
            elif column in ("msg_rank", "rank_of", "denominator_year"):
                value = int(value)
            row.append(value)
        rows.append(row)
    units = [str(r) for r in frame["unit"]] if "unit" in frame else []
    formats = [units if f == "unit" else f for _, _, f in columns]
    headers = [h.replace("95%", level) for _, h, _ in columns]
    return SheetTable(
        title="Measures summary: every measure for the force at the report's quarter",
        columns=headers,
        rows=rows,
        notes=(
            "Each row's value columns are in the unit its 'Unit of the value columns' cell "
            "names: a rate per 1,000 residents or households, a percentage (0 to 100), a "
            "number, or a rate ratio to the White group. Values are shown as the report prints "
            "them; the cell holds the full value. The same figures as measures.csv.",
        ),
        sheet="Measures",
        description="Measures summary (measures.csv): every measure, its figure, benchmark "
        "and trend",
        kind="measures",
        formats=formats,
    )


def notebook_tables(notebooks: Sequence[Path]) -> list[SheetTable]:
    """Every table the notebooks displayed (`report.TABLES_KEY` in an output's metadata), in
    the order given and, within a notebook, the order shown."""
    from helpers.present.report.fragment import TABLES_KEY

    tables = []
    for path in notebooks:
        try:
            nb = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for cell in nb.get("cells", []):
            for output in cell.get("outputs", []) or []:
                metadata = output.get("metadata") or {}
                found = (metadata.get("text/html") or {}).get(TABLES_KEY) or metadata.get(
                    TABLES_KEY
                )
                for data in found or []:
                    tables.append(SheetTable.from_dict(data))
    return tables


def _cover(
    plan: BuildPlan, inputs: Any, report_built: str | None, tables: Sequence[SheetTable]
) -> Cover:
    from helpers.inputs.schemas import SOURCES

    settings = publication_settings(plan.options.settings_path)
    files = dict(inputs.files or {})
    sources = []
    for source in SOURCES.values():
        mine = sorted(p for p in files if p == source.path or p.startswith(source.path + "/"))
        if not mine:
            covers = "not supplied"
        elif len(mine) == 1:
            covers = f"file {mine[0]} (SHA-256 {files[mine[0]][:12]})"
        else:
            first = Path(mine[0]).stem
            last = Path(mine[-1]).stem
            covers = f"{len(mine)} quarterly files, {first} to {last} (folder {source.path})"
        sources.append((f"{source.description} ({source.publisher})", covers))
    warning = None
    # The same test as the pages' banner (report.context.sample_data_banner): the data's README.
    if getattr(inputs, "is_synthetic", False):  # a test's inputs need not say
        warning = (
            "SYNTHETIC SAMPLE DATA. These figures were generated for demonstration and testing; "
            "they are not real police data."
        )
    quarter = plan.quarter
    # The day, not the time: a narrative edit the same day reuses the cached file.
    try:
        published: date | str = date.fromisoformat((report_built or "")[:10])
    except ValueError:
        published = (report_built or "")[:10]
    return Cover(
        title=f"Performance Report: {plan.force.name}, {quarter.title}: data tables",
        force=plan.force.name,
        quarter=quarter.title,
        period=f"12 months from {quarter.window_label(12)}",
        published=published,
        next_update=(
            next_update(published, quarter, settings["next_update_months"])
            if isinstance(published, date)
            else None
        ),
        sources=sources,
        contact=settings["contact"] or ["See the report's methods page."],
        about=(
            "The numbers behind the report published beside this file (report.html, "
            "report.pdf): the measures summary, the changes since the last report, every "
            f"chart's data and every comparison table: {len(tables)} tables, one per sheet, "
            "listed on the Contents sheet.",
            "The periods each source covers (their vintages) are on the Sources sheet; "
            "manifest.json beside this file records every input file with its SHA-256, the "
            "settings and the software used.",
        ),
        warning=warning,
    )


def shown_tables(plan: BuildPlan, staging: Path) -> list[SheetTable]:
    """Every table the executed notebooks in `staging` displayed, in report order (reading
    them takes about a second: the build reads them once, for the changes and report.ods)."""
    return notebook_tables([staging / "notebooks" / f"{s.stem}.ipynb" for s in plan.specs])


def report_tables(
    plan: BuildPlan,
    staging: Path,
    changes: Changes | None = None,
    shown: Sequence[SheetTable] | None = None,
) -> list[SheetTable]:
    """Every table report.ods holds, in order; `shown`: the notebooks' tables, if read."""
    import pandas as pd

    from helpers.pipeline.changes_page import sheet_table

    tables = []
    measures = staging / "measures.csv"
    if measures.is_file():
        frame = pd.read_csv(measures, dtype={"period_end": str})
        tables.append(measures_sheet(frame, plan.settings.benchmark.confidence))
    if changes is not None:
        tables.append(sheet_table(changes))
    tables += list(shown) if shown is not None else shown_tables(plan, staging)
    for extra in EXTRA_TABLES:
        tables += list(extra(plan, staging))
    return tables


def write_report_ods(
    plan: BuildPlan,
    inputs: Any,
    staging: Path,
    *,
    changes: Changes | None,
    report_built: str | None,
    cache: BuildCache,
    log: BuildLog,
    shown: Sequence[SheetTable] | None = None,
) -> Path:
    """report.ods in `staging`, copied from the cache when its content is unchanged, and
    tables.json beside it. `shown`: the notebooks' tables, if read."""
    from dataclasses import asdict

    from helpers.pipeline.change_tables import TABLES_NAME, write_tables
    from helpers.present.spreadsheet import write_spreadsheet

    tables = report_tables(plan, staging, changes, shown)
    # The same tables, machine-readable: the next report's changes page compares with them.
    write_tables(staging / TABLES_NAME, tables)
    cover = _cover(plan, inputs, report_built, tables)
    target = staging / ODS_NAME
    key = hashing.digest(
        {
            "tables": [t.as_dict() for t in tables],
            "cover": asdict(cover),
            "writer": _source_digest(),
        }
    )
    slug = plan.target.name
    hit = cache.ods(plan.quarter.code, slug, key)
    if hit is not None:
        shutil.copyfile(hit, target)
        log.detail(f"    report.ods: {len(tables)} tables, reused (content unchanged)")
        return target
    started = time.perf_counter()
    write_spreadsheet(target, cover, tables)
    log.detail(
        f"    report.ods: {len(tables)} tables, {sum(len(t.rows) for t in tables)} rows, "
        f"written in {time.perf_counter() - started:.2f} s"
    )
    cache.store_ods(plan.quarter.code, slug, key, target)
    return target


def _source_digest() -> str:
    """The spreadsheet writer's code (its module and this one)."""
    from helpers.present import spreadsheet

    paths = [Path(spreadsheet.__file__), Path(__file__)]
    return hashing.files_digest(paths, Path(__file__).parents[1])


__all__ = [
    "CONTACT_PLACEHOLDER",
    "EXTRA_TABLES",
    "ODS_NAME",
    "changes_page",
    "check_previous",
    "contact_warning",
    "manifest_extra",
    "measures_sheet",
    "next_update",
    "notebook_tables",
    "place_pages",
    "publication_settings",
    "report_tables",
    "shown_tables",
    "write_report_ods",
]
