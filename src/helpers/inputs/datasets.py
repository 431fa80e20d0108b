"""The inputs as tidy tables: `load_inputs(data_dir)` -> `InputData`.

Each source is read, checked against its contract and made tidy the first time it is used, then
kept: a section that needs only police recorded crime never parses the stop-and-search file. Tidy
means (docs/ARCHITECTURE.md): a `period` column holding a monthly `pd.Period` that names the last
month of the row's period, a `force` column with the canonical force name, then the source's own
columns in lower_snake_case.

    inputs = load_inputs(Path("data/sample"))
    inputs.prc                      # period, force, offence_code, ..., count (43 forces only)
    inputs.latest_quarter           # FinancialQuarter of the latest PRC data
    "victim_satisfaction" in inputs.missing   # an optional extract not supplied
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core.digests import sha256_file
from helpers.core.exceptions import InputNotSupplied, InputProblem, InputValidationError
from helpers.core.forces import ENGLAND_AND_WALES, default_forces
from helpers.core.quarters import FinancialQuarter
from helpers.inputs.reading import source_files
from helpers.inputs.schemas import SOURCES, Source, area_codes, is_other_ons_area
from helpers.inputs.validation import read_source

PRC_TIDY_COLUMNS = [
    "period",
    "force",
    "offence_code",
    "offence_description",
    "offence_group",
    "offence_subgroup",
    "count",
]
ACTION_FRAUD = "Action Fraud"
# Financial quarter (Q1 = April-June) -> month in which it ends, and the year offset from the
# financial year's first year.
_QUARTER_END = {1: (6, 0), 2: (9, 0), 3: (12, 0), 4: (3, 1)}


def snake_case(name: str) -> str:
    """'Offence Subgroup' -> 'offence_subgroup'; 'police force area' -> 'police_force_area'."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def _period_from_month_text(text: pd.Series) -> pd.Series:
    """'2024-03' or '2024-03-31' -> Period('2024-03', 'M')."""
    months = text.str.slice(0, 7)
    # Parsing a period string is slow and a table repeats a few dozen months many times:
    # parse each distinct month once.
    codes, distinct = pd.factorize(months, use_na_sentinel=False)
    periods = pd.PeriodIndex(distinct, freq="M")
    return pd.Series(periods.take(codes), index=text.index)


def _canonical_forces(names: pd.Series, source: Source, file_hint: str) -> pd.Series:
    registry = default_forces()
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for name in names.unique():
        force = registry.find(name)
        if force is not None:
            mapping[name] = force.name
        elif str(name).strip().lower() == ENGLAND_AND_WALES.lower():
            mapping[name] = ENGLAND_AND_WALES
        else:
            unknown.append(str(name))
    if unknown:
        raise InputValidationError(
            [
                InputProblem(file_hint, f"unknown force '{n}'{registry.suggestion(n)}", column=None)
                for n in unknown
            ]
        )
    return names.map(mapping)


def prc_periods(financial_year: pd.Series, financial_quarter: pd.Series) -> pd.Series:
    """Quarter-end month of each row: ('2023/24', 4) -> Period('2024-03', 'M')."""
    start = financial_year.str.slice(0, 4).astype("int64").to_numpy()
    quarter = financial_quarter.astype("int64").to_numpy()
    month = np.select([quarter == q for q in _QUARTER_END], [m for m, _ in _QUARTER_END.values()])
    year = start + (quarter == 4)
    ordinals = (year - 1970) * 12 + month - 1
    return pd.Series(
        pd.PeriodIndex.from_ordinals(ordinals, freq="M"), index=financial_year.index, name="period"
    )


# ----- tidy forms
def tidy_prc_tables(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the 43 territorial forces, Action Fraud's national series)."""
    registry = default_forces()
    names = raw["Force Name"]
    verdict = {n: registry.find(n) for n in names.unique()}
    territorial = names.map({n: f is not None for n, f in verdict.items()}).astype(bool)
    action_fraud = names.str.lower().eq(ACTION_FRAUD.lower())
    out = {}
    for label, mask in (("forces", territorial), ("action_fraud", action_fraud)):
        part = raw.loc[mask]
        force = (
            part["Force Name"].map({n: f.name for n, f in verdict.items() if f is not None})
            if label == "forces"
            else pd.Series(ACTION_FRAUD, index=part.index)
        )
        tidy = pd.DataFrame(
            {
                "period": prc_periods(part["Financial Year"], part["Financial Quarter"]),
                "force": force.astype(str),
                "offence_code": part["Offence Code"],
                "offence_description": part["Offence Description"],
                "offence_group": part["Offence Group"],
                "offence_subgroup": part["Offence Subgroup"],
                "count": part["Number of Offences"].astype("int64"),
            }
        )
        key = ["period", "force", "offence_code"]
        if tidy.duplicated(key).any():  # repeated codes (a published sheet's quirk) are added
            tidy = tidy.groupby(key, as_index=False, sort=False).agg(
                offence_description=("offence_description", "first"),
                offence_group=("offence_group", "first"),
                offence_subgroup=("offence_subgroup", "first"),
                count=("count", "sum"),
            )[PRC_TIDY_COLUMNS]
        out[label] = tidy.sort_values(
            ["force", "period", "offence_code"], kind="stable"
        ).reset_index(drop=True)
    return out["forces"], out["action_fraud"]


def _tidy_population(raw: pd.DataFrame) -> pd.DataFrame:
    codes = area_codes()
    keep = ~raw["area_code"].map(is_other_ons_area).astype(bool)
    part = raw.loc[keep]
    tidy = pd.DataFrame(
        {
            "force": part["area_code"].map(dict(codes)),
            "mid_year": part["mid_year"].astype("int64"),
            "population": part["population"].astype("int64"),
            # float (NaN) only where the file leaves an estimate blank
            "households": part["households"],
        }
    )
    if tidy["force"].isna().any():
        unknown = sorted(part.loc[tidy["force"].isna(), "area_code"].unique())
        raise InputValidationError(
            [InputProblem(SOURCES["population"].path, f"unknown area code '{c}'") for c in unknown]
        )
    forces = tidy[tidy["force"] != ENGLAND_AND_WALES]
    national_years = set(tidy.loc[tidy["force"] == ENGLAND_AND_WALES, "mid_year"])
    # England and Wales from the 43 forces where the file does not carry it.
    summed = (
        forces[~forces["mid_year"].isin(national_years)]
        .groupby("mid_year", as_index=False)[["population", "households"]]
        .sum()
        .assign(force=ENGLAND_AND_WALES)
    )
    if not summed.empty:
        tidy = pd.concat([tidy, summed[tidy.columns]], ignore_index=True)
    return tidy.sort_values(["force", "mid_year"], kind="stable").reset_index(drop=True)


def _tidy_generic(raw: pd.DataFrame, source: Source) -> pd.DataFrame:
    columns: dict[str, pd.Series] = {}
    if source.period_column is not None:
        columns["period"] = _period_from_month_text(raw[source.period_column])
    columns["force"] = _canonical_forces(raw[source.force_column], source, source.path)
    for column in source.columns:
        if column in (source.period_column, source.force_column):
            continue
        series = raw[column]
        whole = column in source.integer_columns and not (
            column in source.blank_allowed and series.isna().any()
        )
        # A count that may be blank (no figure published) stays float, its blanks NaN.
        columns[snake_case(column)] = series.astype("int64") if whole else series
    tidy = pd.DataFrame(columns)
    order = [c for c in ("force", "period") if c in tidy] + [
        snake_case(c) for c in source.categories
    ]
    return tidy.sort_values(order, kind="stable").reset_index(drop=True)


# ----- the inputs
_Loaded = tuple[dict[str, pd.DataFrame], tuple[InputProblem, ...], tuple[str, ...]]
# Tidy tables already read in this process, keyed on the source, the folder and the sha256 of
# its files: a warm kernel (helpers.pipeline.kernels) reads each file once for all the
# notebooks, and all the forces, it executes. Bounded: the sources of about two data folders.
_LOADED: dict[tuple[object, ...], _Loaded] = {}
_LOADED_MAX = 64


def _remember(entries: dict[tuple[object, ...], _Loaded]) -> None:
    _LOADED.update(entries)
    while len(_LOADED) > _LOADED_MAX:  # the oldest go first
        del _LOADED[next(iter(_LOADED))]


# Written by the build beside the measure results it passes to the notebooks (`precomputed`):
# every source's tidy table, so that a notebook's kernel loads one pickle instead of reading and
# parsing the files (`save_tables`, `load_tables`).
INPUT_TABLES = ".input-tables.pkl"
_SAVED: dict[str, bytes] = {}
_SEEDED: set[str] = set()


class InputData:
    """Every input of a data folder, each loaded (and checked) the first time it is used.

    Missing optional sources are listed in `missing`; asking for one raises `InputNotSupplied`
    (use `get(name)` for None instead). A source that breaks its contract raises
    `InputValidationError` when first used, naming every problem.
    """

    def __init__(self, data_dir: Path, *, validate: bool = True):
        self.data_dir = Path(data_dir)
        self.validate = validate
        self.warnings: list[InputProblem] = []
        self._tables: dict[str, pd.DataFrame] = {}
        self._files_read: dict[str, list[str]] = {}
        self._files: dict[str, str] | None = None
        problems = []
        if not self.data_dir.is_dir():
            problems.append(InputProblem(str(self.data_dir), "data folder does not exist"))
        else:
            for source in SOURCES.values():
                if source.required and not source_files(self.data_dir, source):
                    problems.append(
                        InputProblem(
                            source.path,
                            f"required input '{source.name}' is missing ({source.description}; "
                            f"publisher: {source.publisher})",
                        )
                    )
        if problems:
            raise InputValidationError(problems)
        self.missing: set[str] = {
            name
            for name, source in SOURCES.items()
            if not source.required and not source_files(self.data_dir, source)
        }

    def __repr__(self) -> str:
        loaded = ", ".join(self._tables) or "nothing yet"
        return (
            f"InputData({str(self.data_dir)!r}; loaded: {loaded}; missing: {sorted(self.missing)})"
        )

    # ----- generic access
    def has(self, name: str) -> bool:
        """Whether source `name` is supplied."""
        if name not in SOURCES:
            raise KeyError(f"unknown source '{name}'; sources are: {', '.join(SOURCES)}")
        return name not in self.missing

    def get(self, name: str) -> pd.DataFrame | None:
        """The tidy table of source `name`, or None where the source is not supplied."""
        return self.table(name) if self.has(name) else None

    def table(self, name: str) -> pd.DataFrame:
        """The tidy table of source `name` (raises `InputNotSupplied` where it is missing)."""
        if name in self._tables:
            return self._tables[name]
        if not self.has(name):
            source = SOURCES[name]
            raise InputNotSupplied(name, source.path, source.description)
        self._load(name)
        return self._tables[name]

    def _load(self, name: str) -> None:
        source = SOURCES[name]
        key = self._memo_key(source)
        loaded = _LOADED.get(key)
        if loaded is None:
            loaded = self._read(name, source)
            _remember({key: loaded})
        tables, warnings, files = loaded
        # Shallow copies: with pandas' copy-on-write, a notebook that changes its table
        # cannot change the one the next notebook gets.
        self._tables.update({n: t.copy(deep=False) for n, t in tables.items()})
        self.warnings.extend(warnings)
        self._files_read[name] = list(files)

    def _memo_key(self, source: Source) -> tuple[object, ...]:
        files = self.files
        contents = tuple(
            (rel, files.get(rel) or sha256_file(path))
            for path in source_files(self.data_dir, source)
            for rel in [path.relative_to(self.data_dir).as_posix()]
        )
        return (source.name, str(self.data_dir.resolve()), self.validate, contents)

    def _read(self, name: str, source: Source) -> _Loaded:
        result = read_source(self.data_dir, source, check=self.validate)
        if result.errors:
            raise InputValidationError(result.errors)
        assert result.frame is not None
        raw = result.frame
        if name == "prc":
            forces, action_fraud = tidy_prc_tables(raw)
            tables = {"prc": forces, "action_fraud_national": action_fraud}
        elif name == "population":
            tables = {name: _tidy_population(raw)}
        else:
            tables = {name: _tidy_generic(raw, source)}
        return tables, tuple(result.warnings), tuple(result.files)

    # ----- what was read
    @property
    def files(self) -> dict[str, str]:
        """{path relative to the data folder: sha256} of every input file (for the manifest)."""
        if self._files is None:
            files: dict[str, str] = {}
            for source in SOURCES.values():
                for path in source_files(self.data_dir, source):
                    rel = path.relative_to(self.data_dir).as_posix()
                    files[rel] = sha256_file(path)
            self._files = dict(sorted(files.items()))
        return self._files

    @property
    def files_read(self) -> list[str]:
        """The files parsed so far by this object (sources are loaded on first use)."""
        return sorted(f for files in self._files_read.values() for f in files)

    @property
    def is_synthetic(self) -> bool:
        """Whether the folder is the generator's SYNTHETIC sample (its README says so)."""
        readme = self.data_dir / "README.md"
        try:
            first = readme.read_text(encoding="utf-8").split("\n", 1)[0]
        except (OSError, UnicodeDecodeError):
            return False
        return "SYNTHETIC" in first

    @property
    def latest_quarter(self) -> FinancialQuarter:
        """The latest quarter of police recorded crime data."""
        return FinancialQuarter.parse(self.prc["period"].max())

    # ----- the sources
    @property
    def prc(self) -> pd.DataFrame:
        """Police recorded crime, the 43 territorial forces: period (quarter-end month), force,
        offence_code, offence_description, offence_group, offence_subgroup, count."""
        return self.table("prc")

    @property
    def action_fraud_national(self) -> pd.DataFrame:
        """Fraud recorded by Action Fraud (national, not by force), from the PRC file:
        period, force ('Action Fraud'), offence_code, ..., count."""
        self.table("prc")
        return self._tables["action_fraud_national"]

    @property
    def population(self) -> pd.DataFrame:
        """Mid-year estimates: force, mid_year, population, households (England and Wales
        included, summed from the forces where the file does not carry it)."""
        return self.table("population")

    @property
    def population_ethnicity(self) -> pd.DataFrame:
        """Census 2021: force, ethnic_group, population (the file's rows only)."""
        return self.table("population_ethnicity")

    @property
    def population_ethnicity_2011(self) -> pd.DataFrame:
        """Census 2011: force, ethnic_group, population (Chinese in Asian, as Census 2021)."""
        return self.table("population_ethnicity_2011")

    @property
    def rape_outcomes(self) -> pd.DataFrame:
        """Quarterly: period, force, finalised_outcomes, charged_summonsed."""
        return self.table("rape_outcomes")

    @property
    def stop_search(self) -> pd.DataFrame:
        """Monthly: period, force, ethnic_group, searches, positive_outcomes."""
        return self.table("stop_search")

    @property
    def use_of_force(self) -> pd.DataFrame:
        """Quarterly: period, force, ethnic_group, incidents."""
        return self.table("use_of_force")

    @property
    def workforce(self) -> pd.DataFrame:
        """31 March and 30 September: period (the as_at month), force, worker_type, ethnic_group,
        headcount."""
        return self.table("workforce")

    @property
    def csew_confidence(self) -> pd.DataFrame:
        """Quarterly rows, each already a 12-month estimate: period, force (England and Wales
        included), respondents, agree."""
        return self.table("csew_confidence")

    @property
    def victim_satisfaction(self) -> pd.DataFrame:
        """Monthly: period, force, survey, respondents, satisfied."""
        return self.table("victim_satisfaction")

    @property
    def confidence_survey(self) -> pd.DataFrame:
        """Monthly: period, force, respondents, agree."""
        return self.table("confidence_survey")

    @property
    def drugs_disruptions(self) -> pd.DataFrame:
        """Monthly: period, force, disruptions, county_lines_disrupted."""
        return self.table("drugs_disruptions")

    @property
    def cyber_crime(self) -> pd.DataFrame:
        """Monthly: period, force, disseminated, investigated, victims, victims_advised."""
        return self.table("cyber_crime")

    @property
    def action_fraud(self) -> pd.DataFrame:
        """Monthly: period, force, referrals_disseminated."""
        return self.table("action_fraud")

    @property
    def complaint_reviews(self) -> pd.DataFrame:
        """Monthly: period, force, reviews_completed, upheld."""
        return self.table("complaint_reviews")

    @property
    def information_rights(self) -> pd.DataFrame:
        """Monthly: period, force, request_type (FOI | SAR), requests_due, answered_on_time."""
        return self.table("information_rights")


def save_tables(inputs: InputData, path: Path) -> None:
    """Every supplied source of `inputs` (loaded now if it is not yet), tidy, pickled to `path`
    for `load_tables`. The tables serve readers with and without validation: `inputs` is the
    build's, whose files were validated."""
    import pickle

    entries: dict[tuple[object, ...], _Loaded] = {}
    for name, source in SOURCES.items():
        if not inputs.has(name):
            continue
        inputs.get(name)
        key = inputs._memo_key(source)
        loaded = _LOADED.get(key)
        if loaded is None:
            continue
        for validate in (True, False):
            entries[(*key[:2], validate, *key[3:])] = loaded
    # The same tables for every force of a batch: pickled once. The file starts with a short
    # pickle of what it holds, so that a kernel that has the tables already skips the rest.
    fingerprint = hashlib.sha256(repr(sorted(map(repr, entries))).encode()).hexdigest()
    data = _SAVED.get(fingerprint)
    if data is None:
        head = pickle.dumps(fingerprint, protocol=pickle.HIGHEST_PROTOCOL)
        data = head + pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
        _SAVED.clear()
        _SAVED[fingerprint] = data
    Path(path).write_bytes(data)


def load_tables(path: Path) -> None:
    """Make the tables `save_tables` wrote the ones this process's `InputData` return for the
    same files (they are keyed on the files' sha256, so changed files are read again)."""
    import pickle

    with open(path, "rb") as handle:
        fingerprint = pickle.load(handle)
        if not isinstance(fingerprint, str) or fingerprint in _SEEDED:
            return  # not a file of save_tables', or loaded already
        entries = pickle.load(handle)
    _remember(entries)
    _SEEDED.clear()
    _SEEDED.add(fingerprint)


def load_inputs(data_dir: Path | str, *, validate: bool = True) -> InputData:
    """The inputs of `data_dir`, each source loaded and checked on first use.

    Raises `InputValidationError` at once where a required input (police recorded crime,
    population) is missing; a source that breaks its contract raises when first used.
    """
    return InputData(Path(data_dir), validate=validate)
