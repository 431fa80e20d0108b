"""The force's Police and Crime Plan: its name and the priority each section of the report serves.

Declared per force in the `plan:` block of ``params/report.yaml``; the title page prints the
plan's name and a section's heading its priority, as the Commissioner's own report does. A force
without a plan declared gets neither line (the report still builds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import yaml

from helpers.core.exceptions import ConfigError
from helpers.core.paths import PARAMS_DIR


@dataclass(frozen=True)
class PolicePlan:
    """A force's plan: its `name` and, for each section id, the priority it serves."""

    force: str
    name: str
    priorities: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def priority(self, section_id: str) -> str | None:
        """The priority a section serves ("Priority 4 – ..."), or None."""
        return self.priorities.get(section_id)


def police_and_crime_plan(force: str, path: Path | None = None) -> PolicePlan | None:
    """The plan declared for `force` (its canonical name) in `path` (default
    ``params/report.yaml``), or None where none is declared. A `ConfigError` names the file
    and the entry for a block that cannot be read."""
    path = path or PARAMS_DIR / "report.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the settings file: {exc}") from exc
    block = raw.get("plan") or {}
    if not isinstance(block, dict):
        raise ConfigError(f"{path}: 'plan' must map each force's name to its plan")
    entry = block.get(force)
    if entry is None:
        return None
    where = f"{path}: plan for {force}"
    if not isinstance(entry, dict) or not str(entry.get("name") or "").strip():
        raise ConfigError(f"{where}: give the plan's 'name'")
    priorities: dict[str, str] = {}
    for i, priority in enumerate(entry.get("priorities") or [], start=1):
        if not isinstance(priority, dict) or not str(priority.get("title") or "").strip():
            raise ConfigError(f"{where}, priority {i}: give its 'title'")
        sections = priority.get("sections") or []
        if not isinstance(sections, list):
            raise ConfigError(f"{where}, priority {i}: 'sections' must be a list of section ids")
        for section in sections:
            if str(section) in priorities:
                raise ConfigError(f"{where}: section '{section}' is under two priorities")
            priorities[str(section)] = str(priority["title"]).strip()
    _check_sections(priorities, where)
    return PolicePlan(force, str(entry["name"]).strip(), MappingProxyType(priorities))


def _check_sections(priorities: Mapping[str, str], where: str) -> None:
    from helpers.core.config import default_catalogue

    known = {s.id for s in default_catalogue().sections}
    unknown = sorted(set(priorities) - known)
    if unknown:
        raise ConfigError(
            f"{where}: unknown section(s) {', '.join(unknown)}; sections are: "
            f"{', '.join(sorted(known))}"
        )


__all__ = ["PolicePlan", "police_and_crime_plan"]
