"""A page's parameters, inputs, settings and results (the build's handoff), and its banners."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.core.config import Catalogue, Settings, default_catalogue, load_settings
from helpers.core.forces import default_forces
from helpers.core.paths import resolve
from helpers.core.quarters import FinancialQuarter, resolve_quarter

if TYPE_CHECKING:
    # helpers.measures.compute (scipy, statsmodels: about 0.8 s to import) is imported where a
    # measure is computed: a rebuild that only re-renders the narrative computes none.
    from helpers.measures.result import MeasureResult


def settings_for(
    *,
    force: str | None = None,
    quarter: str | None = None,
    data_dir: str | None = None,
    narrative_dir: str | None = None,
    trend_method: str | None = None,
    trend_alpha: float | None = None,
    trend_window_quarters: int | None = None,
) -> Settings:
    """Settings from params/report.yaml overridden by a notebook's parameters."""
    return load_settings(
        force=force,
        quarter=quarter,
        data_dir=data_dir,
        narrative_dir=narrative_dir,
        trend_method=trend_method,
        trend_alpha=trend_alpha,
        trend_window_quarters=trend_window_quarters,
    )


@dataclass
class ReportContext:
    """The inputs, force and quarter shared by every page of one build.

    `parameters` are the notebook's own (quarter, force, data_dir, trend_*): where a build
    offers its inputs and measure results for exactly these parameters and inputs
    (`helpers.measures.handoff`), the context takes them, and the build's settings, instead of
    reading and computing again; otherwise it computes everything itself."""

    settings: Settings
    catalogue: Catalogue = field(default_factory=default_catalogue)
    parameters: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        offer = self.offer
        if offer is not None and offer.settings is not None:
            self.settings = offer.settings  # what the build computed measures.csv with

    @cached_property
    def offer(self) -> Any:
        """The build's `handoff.Offer` for this notebook's parameters and inputs, or None."""
        if not self.parameters:
            return None
        from helpers.inputs.datasets import load_tables
        from helpers.measures import handoff

        try:
            # `inputs` itself: its files are hashed once. The key holds the data folder
            # resolved, so an offer taken is for this same folder.
            files = self.inputs.files
        except Exception:
            return None  # the inputs report their own problem when they are used
        found = handoff.find(handoff.offer_key(self.parameters, files))
        if found is not None and found.tables is not None:
            # Only a shortcut: whatever goes wrong, the files are read as without it.
            with contextlib.suppress(Exception):
                load_tables(found.tables)
        return found

    @cached_property
    def inputs(self) -> Any:
        from helpers.inputs.datasets import load_inputs

        # Tables the build offered are keyed on the files' sha256: used without reading again.
        return load_inputs(resolve(self.settings.data_dir))

    @cached_property
    def _precomputed_results(self) -> dict[str, MeasureResult]:
        if self.offer is None:
            return {}
        import pickle

        with open(self.offer.results, "rb") as handle:
            results: list[MeasureResult] = pickle.load(handle)
        return {r.measure.id: r for r in results if r.force == self.force}

    @cached_property
    def force(self) -> str:
        return default_forces().canonical(self.settings.force)

    @cached_property
    def quarter(self) -> FinancialQuarter:
        known = next(iter(self._precomputed_results.values()), None)
        if known is not None:  # the build resolved (and checked) the quarter already
            return known.quarter
        return resolve_quarter(self.settings.quarter, self.inputs.latest_quarter)

    @property
    def narrative_dir(self) -> Path:
        return resolve(self.settings.narrative_dir)

    @property
    def is_sample_data(self) -> bool:
        return bool(getattr(self.inputs, "is_synthetic", False))

    def results(self, measures: Iterable[Any]) -> list[MeasureResult]:
        """The results of `measures`: the build's (the objects measures.csv was written from)
        where it offered them, otherwise computed now by the same steps."""
        measures = list(measures)
        known = self._precomputed_results
        if known and all(m.id in known for m in measures):
            return [known[m.id] for m in measures]
        from helpers.measures.compute import compute_measures

        return compute_measures(measures, self.inputs, self.quarter, self.force, self.settings)

    @classmethod
    def from_parameters(cls, **parameters: Any) -> ReportContext:
        """A context from a notebook's parameters (the settings it overrides)."""
        return cls(settings_for(**parameters), parameters=dict(parameters))


def sample_data_banner(context: ReportContext) -> str:
    """The banner under a page's heading: synthetic sample data, real published data or none."""
    if not context.is_sample_data:
        return real_data_banner(context)
    return (
        '<p class="flag" role="note"><strong>Synthetic sample data.</strong> These figures are '
        "generated for demonstration and testing; they are not real police data.</p>"
    )


def real_data_banner(context: ReportContext) -> str:
    """Which data a report built from `python -m helpers import-real` used (its README says)."""
    readme = Path(context.inputs.data_dir) / "README.md"
    try:
        first = readme.read_text(encoding="utf-8").split("\n", 1)[0]
    except (OSError, UnicodeDecodeError):
        return ""
    if "REAL published data" not in first:
        return ""
    return (
        '<p class="flag" role="note"><strong>Real published data.</strong> The Home Office, '
        "ONS and data.police.uk files as published (the data page lists each input and the "
        "periods it covers); sections whose inputs were not supplied say so.</p>"
    )
