"""What a build will make, decided once before anything runs: the build plan.

* `PlannedNotebook`, `report_plan`, `select_sections`: the pages of the report and their notebooks;
* `notebook_parameters`: what papermill injects into every notebook;
* `BuildOptions`: what the command line (or a batch) asked for;
* `BuildRequest`: those options resolved against params/report.yaml (settings, the canonical
  force, folders, sections), before the inputs are read; a typo fails here, exit status 2;
* `BuildPlan`: the request with the quarter the checked inputs resolved; frozen, and handed
  to every later stage of the build (helpers.pipeline.build) instead of attributes set on the
  way.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.core.config import Catalogue, Settings, default_catalogue, load_settings
from helpers.core.exceptions import ConfigError
from helpers.core.forces import Force, default_forces
from helpers.core.paths import NOTEBOOKS_DIR, resolve
from helpers.core.quarters import FinancialQuarter

# Pages around the catalogue's sections: (id, number, title, notebook). Their numbers give the
# file names 00_summary and 90_methods, matching the notebooks.
FRONT_MATTER = (("summary", 0, "Measures summary", "00_summary.ipynb"),)
BACK_MATTER = (("methods", 90, "Glossary, methods and data", "90_methods.ipynb"),)
PARTIAL_SUFFIX = "-partial"


@dataclass(frozen=True)
class PlannedNotebook:
    """One page of the report and the notebook that makes it."""

    id: str
    number: int
    title: str
    part: str | None  # None for front and back matter
    notebook: Path

    @property
    def stem(self) -> str:
        """``01_homicide``: names the executed notebook and the section's HTML page."""
        return f"{self.number:02d}_{self.id}"


def report_plan(
    catalogue: Catalogue | None = None, notebooks_dir: Path = NOTEBOOKS_DIR
) -> list[PlannedNotebook]:
    """Every page in report order: the summary, the catalogue's sections, the methods note."""
    catalogue = catalogue or default_catalogue()
    front = [PlannedNotebook(i, n, t, None, notebooks_dir / nb) for i, n, t, nb in FRONT_MATTER]
    back = [PlannedNotebook(i, n, t, None, notebooks_dir / nb) for i, n, t, nb in BACK_MATTER]
    middle = [
        PlannedNotebook(s.id, s.number, s.title, s.part, notebooks_dir / s.notebook)
        for s in catalogue.sections
    ]
    return [*front, *middle, *back]


def select_sections(
    plan: Sequence[PlannedNotebook], wanted: Iterable[str]
) -> list[PlannedNotebook]:
    """The sections named in `wanted`, in report order; an unknown id is a `ConfigError`."""
    wanted = [w.strip() for w in wanted if w.strip()]
    known = {s.id for s in plan}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        hints = []
        for u in unknown:
            close = difflib.get_close_matches(u, known, n=1)
            hints.append(f"'{u}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        raise ConfigError(
            f"unknown section {', '.join(hints)}; sections are: {', '.join(s.id for s in plan)}"
        )
    return [s for s in plan if s.id in set(wanted)]


def notebook_parameters(
    quarter: FinancialQuarter, force: str, data_dir: Path, settings: Settings
) -> dict[str, Any]:
    """What papermill injects into every notebook. Each notebook receives the subset its
    parameters cell declares (plus `worker.CORE_PARAMETERS`), so papermill does not warn about
    the rest."""
    return {
        "quarter": quarter.code,
        "force": force,
        "data_dir": str(data_dir),
        "narrative_dir": str(resolve(settings.narrative_dir)),
        "trend_method": settings.trend.method,
        "trend_alpha": settings.trend.alpha,
        "trend_window_quarters": settings.trend.window_quarters,
        "benchmark_confidence": settings.benchmark.confidence,
        "benchmark_byar_min_count": settings.benchmark.byar_min_count,
        "funnel_overdispersion": settings.funnel.overdispersion,
        "funnel_winsorise": settings.funnel.winsorise,
        "population_rule": settings.population_rule,
        "disclosure_min_count": settings.disclosure_min_count,
    }


@dataclass(frozen=True)
class BuildOptions:
    """What was asked for; None means "the default of params/report.yaml"."""

    quarter: str | None = None
    force: str | None = None
    data_dir: str | None = None
    jobs: int | None = None
    sections: list[str] | None = None
    outputs: str | None = None
    narrative_dir: str | None = None
    settings_path: Path | None = None
    cache: bool = True  # reuse what earlier builds made from the same content (incremental.py)
    pdf: bool = True
    scheduler: str | None = None  # a Dask scheduler: one task per section (executors.py)
    # The report the changes page compares with (a folder or its measures.csv); default: the
    # previous quarter's under the outputs folder (helpers.pipeline.changes).
    previous: str | None = None
    # One warm kernel per worker, reused for its notebooks (helpers.pipeline.kernels); False: a
    # fresh kernel per notebook (`--cold-kernels`).
    warm_kernels: bool = True
    argv: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BuildRequest:
    """The options resolved before any input is read."""

    options: BuildOptions
    settings: Settings  # with the force, data and narrative folders; no quarter yet
    force: Force
    data_dir: Path
    outputs_root: Path
    specs: tuple[PlannedNotebook, ...]
    partial: bool  # some sections only: published beside the full report, never over it
    quarter_wanted: str | None  # as asked ("latest", a code, a title) or None: the data's latest

    @property
    def slug(self) -> str:
        return self.force.slug + (PARTIAL_SUFFIX if self.partial else "")

    def plan(self, quarter: FinancialQuarter) -> BuildPlan:
        """The plan, once the checked inputs resolved the quarter."""
        return BuildPlan(
            request=self,
            quarter=quarter,
            settings=self.settings.with_overrides(quarter=quarter.code),
        )


def resolve_request(
    options: BuildOptions,
    sections: Callable[[], list[PlannedNotebook]] = report_plan,
    check_previous: Callable[[str], None] | None = None,
) -> BuildRequest:
    """`options` against params/report.yaml and the section plan; a `ConfigError` or
    `QuarterError` for an unknown force, section or quarter, a bad `--jobs`, or (through
    `check_previous`) a `--previous` that is no report."""
    o = options
    settings = load_settings(o.settings_path) if o.settings_path else load_settings()
    force = default_forces().get(o.force or settings.force)
    data_dir = (
        Path(o.data_dir).expanduser().resolve()
        if o.data_dir
        else resolve(settings.data_dir).resolve()
    )
    outputs_root = (
        Path(o.outputs).expanduser().resolve()
        if o.outputs
        else resolve(settings.outputs_dir).resolve()
    )
    everything = sections()
    specs = select_sections(everything, o.sections) if o.sections else list(everything)
    if o.jobs is not None and o.jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {o.jobs}")
    if o.quarter and o.quarter != "latest":
        FinancialQuarter.parse(o.quarter)  # a typo fails before the inputs are read
    if o.previous and check_previous is not None:
        check_previous(o.previous)  # a wrong path fails before anything runs
    return BuildRequest(
        options=o,
        settings=settings.with_overrides(
            force=force.name,
            data_dir=str(data_dir),
            narrative_dir=str(Path(o.narrative_dir).expanduser().resolve())
            if o.narrative_dir
            else None,
        ),
        force=force,
        data_dir=data_dir,
        outputs_root=outputs_root,
        specs=tuple(specs),
        partial=bool(o.sections) and len(specs) < len(everything),
        quarter_wanted=o.quarter or settings.quarter,
    )


@dataclass(frozen=True)
class BuildPlan:
    """Everything a build's stages need to know about what they make (frozen: made once)."""

    request: BuildRequest
    quarter: FinancialQuarter
    settings: Settings  # the request's, with the quarter

    # The request's fields, read through the plan so that a stage takes one value.
    @property
    def options(self) -> BuildOptions:
        return self.request.options

    @property
    def force(self) -> Force:
        return self.request.force

    @property
    def data_dir(self) -> Path:
        return self.request.data_dir

    @property
    def outputs_root(self) -> Path:
        return self.request.outputs_root

    @property
    def specs(self) -> tuple[PlannedNotebook, ...]:
        return self.request.specs

    @property
    def partial(self) -> bool:
        return self.request.partial

    @property
    def narrative_dir(self) -> Path:
        return resolve(self.settings.narrative_dir)

    @property
    def target(self) -> Path:
        """outputs/<quarter>/<force>[-partial]: the folder the report is published as."""
        return self.outputs_root / self.quarter.code / self.request.slug

    @property
    def full_target(self) -> Path:
        """The full report's folder (a partial build reads its timings)."""
        return self.target.with_name(self.force.slug)

    def parameters(self) -> dict[str, Any]:
        return notebook_parameters(self.quarter, self.force.name, self.data_dir, self.settings)


__all__ = [
    "BACK_MATTER",
    "FRONT_MATTER",
    "BuildOptions",
    "BuildPlan",
    "BuildRequest",
    "PlannedNotebook",
    "notebook_parameters",
    "report_plan",
    "resolve_request",
    "select_sections",
]
