"""The 43 territorial forces: canonical names, ONS codes, most similar groups, and name matching.

Published sources spell forces differently ("Avon & Somerset", "Avon and Somerset Constabulary",
"Devon & Cornwall", "City of London"). Every loader passes names through `canonical_force`, so the
rest of the project only ever sees the canonical name of `params/forces.yaml`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from helpers.core.exceptions import ConfigError
from helpers.core.paths import PARAMS_DIR

ENGLAND_AND_WALES = "England and Wales"
ENGLAND_AND_WALES_CODE = "K04000001"
# Published "forces" that are not territorial Police Force Areas: kept out of national totals.
NON_TERRITORIAL = frozenset(
    {"British Transport Police", "Action Fraud", "CIFAS", "UK Finance", "Financial Fraud Action UK"}
)
_SUFFIXES = re.compile(r"\s+(police service|police|constabulary)$")


@dataclass(frozen=True)
class Force:
    name: str
    code: str
    slug: str
    aliases: tuple[str, ...] = ()
    msg: tuple[str, ...] = ()

    @property
    def has_msg(self) -> bool:
        return bool(self.msg)


def _key(name: str) -> str:
    text = name.strip().lower().replace("&", "and")
    text = re.sub(r"\s+", " ", text)
    return _SUFFIXES.sub("", text)


class ForceRegistry:
    """All forces of a forces file, looked up by any of their spellings."""

    def __init__(self, forces: Iterable[Force]):
        self.forces: tuple[Force, ...] = tuple(forces)
        self._by_key: dict[str, Force] = {}
        for force in self.forces:
            for spelling in (force.name, force.slug, force.code, *force.aliases):
                self._by_key[_key(spelling)] = force
        for force in self.forces:
            for member in force.msg:
                if _key(member) not in self._by_key:
                    raise ConfigError(
                        f"forces file: MSG of {force.name} names unknown force '{member}'"
                    )

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.forces]

    def find(self, name: str) -> Force | None:
        return self._by_key.get(_key(str(name)))

    def get(self, name: str) -> Force:
        """The force for any known spelling, or a `ConfigError` that suggests the nearest name."""
        force = self.find(name)
        if force is None:
            raise ConfigError(f"unknown force '{name}'{self.suggestion(name)}")
        return force

    def canonical(self, name: str) -> str:
        return self.get(name).name

    def suggestion(self, name: str) -> str:
        close = difflib.get_close_matches(_key(str(name)), list(self._by_key), n=1, cutoff=0.6)
        if not close:
            return ""
        return f": did you mean '{self._by_key[close[0]].name}'?"

    def comparison_group(self, name: str) -> list[str]:
        """The force's MSG (itself included), or every force where no MSG is configured."""
        force = self.get(name)
        return [self.canonical(m) for m in force.msg] if force.msg else self.names


def load_forces(path: Path | None = None) -> ForceRegistry:
    path = path or PARAMS_DIR / "forces.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the forces file: {exc}") from exc
    forces = []
    for i, entry in enumerate(raw.get("forces", []), start=1):
        try:
            forces.append(
                Force(
                    name=entry["name"],
                    code=entry["code"],
                    slug=entry["slug"],
                    aliases=tuple(entry.get("aliases") or ()),
                    msg=tuple(entry.get("msg") or ()),
                )
            )
        except KeyError as exc:
            raise ConfigError(f"{path}: force entry {i} has no '{exc.args[0]}'") from exc
    return ForceRegistry(forces)


@lru_cache(maxsize=1)
def default_forces() -> ForceRegistry:
    return load_forces()


def canonical_force(name: str) -> str:
    """Canonical name of a force written in any published spelling."""
    return default_forces().canonical(name)
