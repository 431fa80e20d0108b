"""Parameters of a build: `params/report.yaml` (settings) and `params/measures.yaml` (catalogue).

Settings are read once, merged with overrides (command line, papermill parameters) and checked,
so that a mistyped method or alpha fails before any data is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from helpers.core.exceptions import ConfigError
from helpers.core.paths import PARAMS_DIR

TREND_METHODS = (
    "mann_kendall_rolling",
    "mann_kendall_hamed_rao",
    "seasonal_mann_kendall",
    "rate_ratio",
    "spc",
    "regression_ar1",
    "quasi_poisson",
)
UNITS = ("rate_per_1000", "rate_per_1000_households", "percent", "count", "ratio")
POLARITIES = ("lower_is_better", "higher_is_better", "neutral")
COMPARATORS = ("msg", "all_forces", "national", "population_share", "none", "not_applicable")

Unit = Literal["rate_per_1000", "rate_per_1000_households", "percent", "count", "ratio"]
Polarity = Literal["lower_is_better", "higher_is_better", "neutral"]


@dataclass(frozen=True)
class ExceptionalPeriod:
    """A stretch of months the report names wherever a trend window holds it (the COVID-19
    lockdowns): a change measured from it is not the same finding as one measured from ordinary
    quarters. `first` and `last` are months ("2020-04"); `reason` says why in a few words."""

    name: str
    first: str
    last: str
    reason: str

    def __post_init__(self) -> None:
        import pandas as pd

        try:
            first, last = pd.Period(self.first, "M"), pd.Period(self.last, "M")
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"exceptional period '{self.name}': first and last must be months such as "
                f"2020-04, got {self.first!r} and {self.last!r}"
            ) from exc
        if last < first:
            raise ConfigError(f"exceptional period '{self.name}': last is before first")


# The level of Student's t at which regression_ar1's critical value is set, with its scale
# floored at 1, so that false alarms stay at or below 5% in every no-trend scenario of the
# simulation study (benchmarks/trend_methods.py --tune on a seed of its own, checked on the
# study's; BENCHMARKS.md). Calibrated for alpha 0.05 only.
CALIBRATED_CRITICAL_ALPHA = 0.071


@dataclass(frozen=True)
class TrendSettings:
    method: str = "regression_ar1"
    window_quarters: int = 12
    alpha: float = 0.05
    # regression_ar1's quarter-to-quarter noise when no estimate from the panel is given
    working_cv: float = 0.10
    working_rho: float = 0.6
    # The regression_ar1 test's size correction, chosen by benchmarks/trend_methods.py so that
    # false alarms stay at or below alpha in every no-trend scenario of its study: a floor on the
    # estimated scale (1: the counts vary at least as much as the working covariance says; 0:
    # none) and the level at which Student's t gives the critical value (the word and the
    # interval; the report's significance level stays alpha). None: CALIBRATED_CRITICAL_ALPHA
    # when alpha is 0.05 (the level it was calibrated for), alpha itself otherwise.
    min_scale: float = 1.0
    critical_alpha: float | None = None
    # A quarter whose tail probability against the fit of the others is below this is left out
    # of the regressions' trend test (benchmarks/exceptional_quarter.py chose it); 0: never.
    exceptional_p: float = 1e-4
    exceptional_periods: tuple[ExceptionalPeriod, ...] = ()

    @property
    def test_alpha(self) -> float:
        """The level at which regression_ar1's critical value is set (see critical_alpha)."""
        if self.critical_alpha is not None:
            return self.critical_alpha
        return CALIBRATED_CRITICAL_ALPHA if self.alpha == 0.05 else self.alpha

    def __post_init__(self) -> None:
        if self.method not in TREND_METHODS:
            raise ConfigError(
                f"trend.method '{self.method}' is not one of {', '.join(TREND_METHODS)}"
            )
        if not 0 < self.alpha < 0.5:
            raise ConfigError(f"trend.alpha must be between 0 and 0.5, got {self.alpha}")
        if not 4 <= self.window_quarters <= 60:
            raise ConfigError(
                f"trend.window_quarters must be between 4 and 60, got {self.window_quarters}"
            )
        if not (0 <= self.working_cv < 2 and 0 <= self.working_rho < 1):
            raise ConfigError(
                "trend.working_cv must be in [0, 2) and trend.working_rho in [0, 1), got "
                f"{self.working_cv} and {self.working_rho}"
            )
        if not 0 <= self.min_scale <= 10:
            raise ConfigError(f"trend.min_scale must be in [0, 10], got {self.min_scale}")
        if self.critical_alpha is not None and not 0 < self.critical_alpha < 0.5:
            raise ConfigError(
                f"trend.critical_alpha must be between 0 and 0.5, got {self.critical_alpha}"
            )
        if not 0 <= self.exceptional_p < 0.05:
            raise ConfigError(f"trend.exceptional_p must be in [0, 0.05), got {self.exceptional_p}")
        periods = tuple(
            p if isinstance(p, ExceptionalPeriod) else ExceptionalPeriod(**_period_fields(p))
            for p in self.exceptional_periods
        )
        object.__setattr__(self, "exceptional_periods", periods)


def _period_fields(raw: Any) -> dict[str, str]:
    wanted = ("name", "first", "last", "reason")
    if not isinstance(raw, dict) or set(raw) != set(wanted):
        raise ConfigError(
            f"trend.exceptional_periods: each period needs exactly {', '.join(wanted)}, got {raw!r}"
        )
    return {k: str(raw[k]) for k in wanted}


@dataclass(frozen=True)
class BenchmarkSettings:
    confidence: float = 0.95
    byar_min_count: int = 10

    def __post_init__(self) -> None:
        if not 0.5 < self.confidence < 1:
            raise ConfigError(
                f"benchmark.confidence must be between 0.5 and 1, got {self.confidence}"
            )


FUNNEL_OVERDISPERSION = ("additive", "multiplicative", "none")


@dataclass(frozen=True)
class FunnelSettings:
    """Funnel plots of crime rates (helpers.stats.funnel): how limits allow for overdispersion."""

    overdispersion: str = "additive"
    winsorise: float = 0.1

    def __post_init__(self) -> None:
        if self.overdispersion not in FUNNEL_OVERDISPERSION:
            raise ConfigError(
                f"funnel.overdispersion '{self.overdispersion}' is not one of "
                f"{', '.join(FUNNEL_OVERDISPERSION)}"
            )
        if not 0 <= self.winsorise < 0.5:
            raise ConfigError(f"funnel.winsorise must be from 0 to below 0.5, got {self.winsorise}")


@dataclass(frozen=True)
class Settings:
    force: str = "Avon and Somerset"
    quarter: str = "latest"
    data_dir: str = "data/sample"
    outputs_dir: str = "outputs"
    narrative_dir: str = "params/narrative"
    trend: TrendSettings = field(default_factory=TrendSettings)
    benchmark: BenchmarkSettings = field(default_factory=BenchmarkSettings)
    funnel: FunnelSettings = field(default_factory=FunnelSettings)
    population_rule: str = "period_midpoint"
    disclosure_min_count: int = 5

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with non-empty overrides applied (`trend_method=...` style keys allowed)."""
        flat = {k: v for k, v in overrides.items() if v not in (None, "")}
        trend = {k[6:]: flat.pop(k) for k in list(flat) if k.startswith("trend_")}
        bench = {k[10:]: flat.pop(k) for k in list(flat) if k.startswith("benchmark_")}
        funnel = {k[7:]: flat.pop(k) for k in list(flat) if k.startswith("funnel_")}
        new = replace(self, **flat)
        if trend:
            new = replace(new, trend=replace(new.trend, **_typed(trend, TrendSettings)))
        if bench:
            new = replace(new, benchmark=replace(new.benchmark, **_typed(bench, BenchmarkSettings)))
        if funnel:
            new = replace(new, funnel=replace(new.funnel, **_typed(funnel, FunnelSettings)))
        return new

    def as_dict(self) -> dict[str, Any]:
        return {
            "force": self.force,
            "quarter": self.quarter,
            "data_dir": self.data_dir,
            "trend": {
                **vars(self.trend),
                "exceptional_periods": [vars(p) for p in self.trend.exceptional_periods],
            },
            "benchmark": vars(self.benchmark),
            "funnel": vars(self.funnel),
            "population": {"rule": self.population_rule},
            "disclosure": {"min_count": self.disclosure_min_count},
        }


def _typed(values: dict[str, Any], cls: type) -> dict[str, Any]:
    defaults = cls()
    out = {}
    for key, value in values.items():
        if not hasattr(defaults, key):
            raise ConfigError(f"unknown setting '{key}' for {cls.__name__}")
        try:
            out[key] = type(getattr(defaults, key))(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"setting '{key}': cannot read {value!r}: {exc}") from exc
    return out


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Settings from `params/report.yaml`, with overrides applied."""
    path = path or PARAMS_DIR / "report.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the settings file: {exc}") from exc
    try:
        settings = Settings(
            force=str(raw.get("force", Settings.force)),
            quarter=str(raw.get("quarter", Settings.quarter)),
            data_dir=str(raw.get("data_dir", Settings.data_dir)),
            outputs_dir=str(raw.get("outputs_dir", Settings.outputs_dir)),
            narrative_dir=str(raw.get("narrative_dir", Settings.narrative_dir)),
            trend=TrendSettings(**(raw.get("trend") or {})),
            benchmark=BenchmarkSettings(**(raw.get("benchmark") or {})),
            funnel=FunnelSettings(**(raw.get("funnel") or {})),
            population_rule=str((raw.get("population") or {}).get("rule", "period_midpoint")),
            disclosure_min_count=int((raw.get("disclosure") or {}).get("min_count", 5)),
        )
    except TypeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return settings.with_overrides(**overrides)


# ----- the measure catalogue -----------------------------------------------------------------
@dataclass(frozen=True)
class Section:
    id: str
    number: int
    part: str
    title: str
    notebook: str


@dataclass(frozen=True)
class Measure:
    id: str
    section: str
    title: str
    source: str
    numerator: dict[str, Any]
    denominator: Any
    unit: str
    polarity: str
    comparator: str
    chart_title: str
    definition: str = ""
    trend_down: str = "Reducing"

    @property
    def is_rate(self) -> bool:
        return self.unit in ("rate_per_1000", "rate_per_1000_households")

    @property
    def is_percent(self) -> bool:
        return self.unit == "percent"


@dataclass(frozen=True)
class Catalogue:
    parts: tuple[str, ...]
    sections: tuple[Section, ...]
    measures: tuple[Measure, ...]

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise ConfigError(
            f"unknown section '{section_id}'; sections are: "
            f"{', '.join(s.id for s in self.sections)}"
        )

    def measure(self, measure_id: str) -> Measure:
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise ConfigError(f"unknown measure '{measure_id}'")

    def measures_of(self, section_id: str) -> list[Measure]:
        self.section(section_id)
        return [m for m in self.measures if m.section == section_id]


def load_catalogue(path: Path | None = None) -> Catalogue:
    path = path or PARAMS_DIR / "measures.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the measure catalogue: {exc}") from exc
    sections = tuple(Section(**s) for s in raw["sections"])
    section_ids = {s.id for s in sections}
    measures = []
    seen: set[str] = set()
    for i, entry in enumerate(raw["measures"], start=1):
        where = f"{path.name}: measure {i} ({entry.get('id', '?')})"
        try:
            m = Measure(**entry)
        except TypeError as exc:
            raise ConfigError(f"{where}: {exc}") from exc
        for name, value, allowed in (
            ("unit", m.unit, UNITS),
            ("polarity", m.polarity, POLARITIES),
            ("comparator", m.comparator, COMPARATORS),
        ):
            if value not in allowed:
                raise ConfigError(f"{where}: {name} '{value}' is not one of {', '.join(allowed)}")
        if m.section not in section_ids:
            raise ConfigError(f"{where}: unknown section '{m.section}'")
        if m.id in seen:
            raise ConfigError(f"{where}: measure id '{m.id}' is declared twice")
        seen.add(m.id)
        measures.append(m)
    return Catalogue(parts=tuple(raw.get("parts", ())), sections=sections, measures=tuple(measures))


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    return load_catalogue()
