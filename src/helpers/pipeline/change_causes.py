"""Why a figure changed between two reports, in plain words, from the two manifest.json files.

A Commissioner reads "the Home Office revised its police recorded crime file", not a checksum:
the causes here are sentences a reader can act on. The file names and checksums behind them
stay in manifest.json, the methods page and the spreadsheet (`Causes.files_changed` gives the
spreadsheet the paths).

What is looked at: each source's input files (their SHA-256 in the manifests), the population
files for rates and ratios, the population year used, the method settings, each measure's
catalogue entry (`measure_digests`) and the report's code (`helpers_digest`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpers.pipeline.change_tables import is_number

POPULATION_PATH = "national/population_pfa.csv"
ETHNICITY_POPULATION_PATH = "national/population_ethnicity_pfa.csv"
# Settings that change figures (not where the report is written or which force it is for).
_IGNORED_SETTINGS = frozenset({"force", "quarter", "data_dir", "outputs_dir", "narrative_dir"})
# What a changed input file means, said the way a reader would say it (by source name).
SOURCE_WORDS: Mapping[str, str] = {
    "prc": "the Home Office revised its police recorded crime file",
    "population": "the ONS revised its population estimates",
    "population_ethnicity": "the Census 2021 population by ethnic group file changed",
    "rape_outcomes": "the Home Office revised its rape outcomes file",
    "stop_search": "the Home Office revised its stop and search file",
    "use_of_force": "the Home Office revised its use of force file",
    "workforce": "the Home Office revised its police workforce file",
    "csew_confidence": "the ONS revised its Crime Survey for England and Wales figures",
    "victim_satisfaction": "the force's victim satisfaction survey file changed",
    "confidence_survey": "the local public confidence survey file changed",
    "drugs_disruptions": "the force's drugs disruptions file changed",
    "cyber_crime": "the force's cyber crime file changed",
    "action_fraud": "the Action Fraud referrals file changed",
    "complaint_reviews": "the OPCC's complaint reviews file changed",
    "information_rights": "the force's information rights file changed",
}
NO_CAUSE = "no cause found: the two reports used the same inputs, settings and definitions"
NO_MANIFEST = "not known: the last report does not record its inputs (no manifest.json)"


def _files_of(source_path: str, files: Mapping[str, str]) -> dict[str, str]:
    return {p: d for p, d in files.items() if p == source_path or p.startswith(source_path + "/")}


def _changed_files(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    return sorted(p for p in set(old) | set(new) if old.get(p) != new.get(p))


def _flat(prefix: str, value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(f"{prefix}.{k}" if prefix else str(k), v))
        return out
    return {prefix: value}


def source_words(name: str) -> str:
    """A changed input file of source `name`, in words."""
    if name in SOURCE_WORDS:
        return SOURCE_WORDS[name]
    from helpers.inputs.schemas import SOURCES

    source = SOURCES.get(name)
    what = source.description if source is not None else name
    return f"the input file '{what}' changed"


def year_words(old_year: Any, new_year: Any) -> str | None:
    """'the population estimate moved from mid-2022 to mid-2023', or None when it did not."""
    if is_number(old_year) and is_number(new_year) and int(old_year) != int(new_year):
        return f"the population estimate moved from mid-{int(old_year)} to mid-{int(new_year)}"
    return None


class Causes:
    """Likely causes of a change, from the last report's manifest (`old`) and this one's."""

    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any]):
        self.old, self.new = old, new
        self.old_files = (old.get("inputs") or {}).get("files") or {}
        self.new_files = (new.get("inputs") or {}).get("files") or {}
        a = _flat("", self._settings(old))
        b = _flat("", self._settings(new))
        keys = sorted(set(a) | set(b))
        self.settings = [f"{k} from {a.get(k)} to {b.get(k)}" for k in keys if a.get(k) != b.get(k)]
        self.old_measures = old.get("measure_digests") or {}
        self.new_measures = new.get("measure_digests") or {}
        old_code, new_code = old.get("helpers_digest"), new.get("helpers_digest")
        self.code_changed = bool(old_code and new_code and old_code != new_code)

    @staticmethod
    def _settings(manifest: Mapping[str, Any]) -> dict[str, Any]:
        settings = manifest.get("settings") or {}
        return {k: v for k, v in settings.items() if k not in _IGNORED_SETTINGS}

    def files_changed(self) -> list[str]:
        """The input files (paths in the data folder) whose content differs."""
        return _changed_files(self.old_files, self.new_files)

    def sources_changed(self) -> list[str]:
        """The names of the sources with a changed input file, in `SOURCES` order."""
        from helpers.inputs.schemas import SOURCES

        changed = self.files_changed()
        return [
            name
            for name, source in SOURCES.items()
            if any(p == source.path or p.startswith(source.path + "/") for p in changed)
        ]

    def definitions_changed(self) -> list[str]:
        return [
            m
            for m, digest in self.new_measures.items()
            if self.old_measures.get(m) is not None and self.old_measures[m] != digest
        ]

    def build_level(self) -> list[str]:
        """What differs between the two reports, whatever the figure: sentences."""
        if not self.old:
            return ["The last report does not record its inputs (no manifest.json)."]
        out = [_sentence(source_words(name)) for name in self.sources_changed()]
        if self.old_files and not out and not self.files_changed():
            out.append("No input file changed.")
        elif not self.old_files:
            out.append("The last report does not list its input files.")
        if self.settings:
            out.append("A method setting changed: " + "; ".join(self.settings) + ".")
        definitions = self.definitions_changed()
        if definitions:
            out.append(f"The definition of {len(definitions)} measure(s) changed.")
        if self.code_changed:
            out.append("The report's software changed.")
        return out

    def for_measure(self, measure: Any, years: tuple[Any, Any] = (None, None)) -> str:
        """The likely causes of a change in one of `measure`'s figures (None: a table no
        measure owns; then every changed source is named)."""
        if not self.old:
            return NO_MANIFEST
        causes = []
        if measure is None:
            causes += [source_words(name) for name in self.sources_changed()]
        else:
            from helpers.inputs.schemas import SOURCES

            source = SOURCES.get(measure.source)
            if source is not None and _changed_files(
                _files_of(source.path, self.old_files), _files_of(source.path, self.new_files)
            ):
                causes.append(source_words(measure.source))
            if measure.is_rate or measure.unit == "ratio":
                path = POPULATION_PATH if measure.is_rate else ETHNICITY_POPULATION_PATH
                name = "population" if measure.is_rate else "population_ethnicity"
                if self.old_files and self.old_files.get(path) != self.new_files.get(path):
                    causes.append(source_words(name))
            old_digest = self.old_measures.get(measure.id)
            if old_digest and old_digest != self.new_measures.get(measure.id):
                causes.append("the measure's definition changed")
        year = year_words(*years)
        if year:
            causes.append(year)
        if self.settings:
            causes.append("a method setting changed (" + "; ".join(self.settings) + ")")
        if self.code_changed:
            causes.append("the report's software changed")
        if not causes:
            return NO_CAUSE
        return "; ".join(dict.fromkeys(causes))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


__all__ = [
    "NO_CAUSE",
    "NO_MANIFEST",
    "POPULATION_PATH",
    "SOURCE_WORDS",
    "Causes",
    "source_words",
    "year_words",
]
