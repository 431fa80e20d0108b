"""Data contracts of every input: where it lives, its exact columns, what its values must satisfy.

`SOURCES` is the registry: one `Source` per input, national (published) or local (the force's own
quarterly extracts). Each carries a pandera `DataFrameSchema` that describes the file *after its
text has been read into numbers* (`helpers.inputs.validation` does the reading, so that a bad
value is reported with the file, the line and what was found). The schema is the contract;
`docs/DATA.md` explains it in words, and the header-only templates in `data/templates/` are
written from it.

Counts in the Home Office recorded-crime file are the one place where negative numbers are genuine
(adjustments published by the Home Office), so that source accepts them with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

import pandas as pd
import pandera.pandas as pa

from helpers.core.forces import ENGLAND_AND_WALES, NON_TERRITORIAL, default_forces

Frequency = Literal["monthly", "quarterly", "semiannual", "year_ending", "annual", "census"]
Kind = Literal["national", "local"]

# ----- categorical values
CENSUS_ETHNIC_GROUPS = ("Asian", "Black", "Mixed", "Other", "White")
# Officer-defined (stop and search) / officer-perceived (use of force) ethnicity.
RECORDED_ETHNIC_GROUPS = ("White", "Black", "Asian", "Mixed", "Other", "Not recorded")
WORKFORCE_ETHNIC_GROUPS = ("Asian", "Black", "Mixed", "Other", "White", "Not stated")
WORKER_TYPES = ("Police officer", "Police staff", "PCSO")
SATISFACTION_SURVEYS = ("overall", "burglary", "hate_crime", "violent_crime", "asb")
REQUEST_TYPES = ("FOI", "SAR")

# Home Office PRC columns, exactly as published.
PRC_COLUMNS = (
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Number of Offences",
)
PRC_KEY = ("Financial Year", "Financial Quarter", "Force Name", "Offence Code")
# Offence subgroups the Home Office has published by PFA (both vintages); others get a warning.
PRC_SUBGROUPS = frozenset(
    {
        "Homicide",
        "Violence with injury",
        "Violence without injury",
        "Stalking and harassment",
        "Death or serious injury - unlawful driving",
        "Rape offences",
        "Other sexual offences",
        "Robbery of business property",
        "Robbery of personal property",
        "Domestic burglary",
        "Residential burglary",
        "Non-domestic burglary",
        "Non-residential burglary",
        "Theft from a vehicle",
        "Theft of a motor vehicle",
        "Vehicle interference",
        "Bicycle theft",
        "Shoplifting",
        "Theft from the person",
        "Other theft offences",
        "Arson",
        "Criminal damage",
        "Trafficking of drugs",
        "Possession of drugs",
        "Possession of weapons offences",
        "Public order offences",
        "Miscellaneous crimes against society",
        "Miscellaneous crimes",
        "Fraud offences to 2012/13",
        "Fraud: Action Fraud",
        "Fraud: action fraud",
        "Fraud: CIFAS",
        "Fraud: Financial Fraud Action UK",
        "Fraud: UK Finance",
    }
)

PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
AS_AT_PATTERN = r"^\d{4}-(03-31|09-30)$"
FINANCIAL_YEAR_PATTERN = r"^(\d{4})/(\d{2})$"
QUARTER_END_MONTHS = (3, 6, 9, 12)
LOCAL_FILE_PATTERN = re.compile(r"^(\d{4})-(\d{2})\.csv(\.gz)?$")

# Non-PFA ONS areas found in the published population tables (regions, countries): accepted and
# left out of the tidy table.
_ONS_OTHER_AREA = re.compile(r"^(E12\d{6}|E92000001|W92000004)$")


@dataclass(frozen=True)
class Source:
    """One input: its place in the data folder, its contract and what it is."""

    name: str
    path: str  # relative to the data folder: a file, or a folder of quarterly files
    schema: pa.DataFrameSchema
    frequency: Frequency
    required: bool
    description: str
    publisher: str
    kind: Kind
    force_column: str = "force"
    period_column: str | None = "period"
    integer_columns: tuple[str, ...] = ()  # read as whole numbers
    key: tuple[str, ...] = ()
    categories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ratios: tuple[tuple[str, str], ...] = ()  # (part, whole): part <= whole on every row
    negative_counts_allowed: bool = False
    blank_allowed: tuple[str, ...] = ()  # may be empty (not published): NaN, with a warning
    annual_tables: bool = False  # may be one row a year (its last month): no gaps between

    @property
    def columns(self) -> list[str]:
        """The exact header, in the order of the templates."""
        return list(self.schema.columns)

    @property
    def is_folder(self) -> bool:
        """Local extracts: a folder holding one `<YYYY-MM>.csv` per quarter."""
        return not self.path.endswith((".csv", ".csv.gz"))

    @property
    def text_columns(self) -> list[str]:
        return [c for c in self.columns if c not in self.integer_columns]


# ----- checks
def _known_force_check(*, national: bool, non_territorial: bool) -> pa.Check:
    """Element-wise in effect, evaluated once per distinct name (a PRC file has 300k rows)."""
    registry = default_forces()
    extra = {ENGLAND_AND_WALES.lower()} if national else set()
    if non_territorial:
        extra |= {n.lower() for n in NON_TERRITORIAL}

    def known(series: pd.Series) -> pd.Series:
        verdict = {
            name: registry.find(name) is not None or str(name).strip().lower() in extra
            for name in series.unique()
        }
        return series.map(verdict).astype(bool)

    what = "a force of params/forces.yaml"
    if national:
        what += f" or '{ENGLAND_AND_WALES}'"
    return pa.Check(known, name="known_force", error=f"unknown force: must be {what}")


def _quarter_end_check() -> pa.Check:
    def quarter_end(series: pd.Series) -> pd.Series:
        month = pd.to_numeric(series.str.slice(5, 7), errors="coerce")
        return month.isin(QUARTER_END_MONTHS)

    return pa.Check(
        quarter_end,
        name="quarter_end",
        error="quarterly data: the period must be a quarter's last month (03, 06, 09 or 12)",
    )


def _ratio_check(part: str, whole: str) -> pa.Check:
    return pa.Check(
        # A blank (not published) value cannot break the rule.
        lambda frame: (frame[part] <= frame[whole]) | frame[part].isna() | frame[whole].isna(),
        name=f"{part}<={whole}",
        error=f"'{part}' is more than '{whole}'",
    )


def _isin(values: tuple[str, ...]) -> pa.Check:
    return pa.Check.isin(list(values), error=f"must be one of: {', '.join(values)}")


def _count(*, negative: bool = False) -> pa.Column:
    checks = [] if negative else [pa.Check.ge(0, error="a count cannot be negative")]
    return pa.Column("int64", checks=checks, nullable=False)


def _blank_count() -> pa.Column:
    """A count that may be empty (no figure published): NaN, never read as zero."""
    check = pa.Check.ge(0, error="a count cannot be negative")
    return pa.Column("float64", coerce=True, nullable=True, checks=[check])


def _period(frequency: Frequency) -> pa.Column:
    checks = [pa.Check.str_matches(PERIOD_PATTERN, error="period must be written YYYY-MM")]
    if frequency in ("quarterly", "year_ending"):
        checks.append(_quarter_end_check())
    return pa.Column(str, checks=checks)


def _force(*, national: bool = False, non_territorial: bool = False) -> pa.Column:
    return pa.Column(
        str, checks=[_known_force_check(national=national, non_territorial=non_territorial)]
    )


def _schema(
    name: str,
    columns: dict[str, pa.Column],
    *,
    key: tuple[str, ...],
    ratios: tuple[tuple[str, str], ...] = (),
    extra_checks: tuple[pa.Check, ...] = (),
) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        columns,
        checks=[*(_ratio_check(p, w) for p, w in ratios), *extra_checks],
        unique=list(key) or None,
        report_duplicates="exclude_first",
        strict=True,
        ordered=False,
        name=name,
    )


def _source(
    name: str,
    path: str,
    *,
    frequency: Frequency,
    kind: Kind,
    required: bool = False,
    description: str,
    publisher: str,
    categories: dict[str, tuple[str, ...]] | None = None,
    counts: tuple[str, ...],
    ratios: tuple[tuple[str, str], ...] = (),
    national_row: bool = False,
    blank_allowed: tuple[str, ...] = (),
    annual_tables: bool = False,
) -> Source:
    """A source in the common tidy form: period, force, categories..., counts...; the counts
    in `blank_allowed` may be empty where the publisher gives no figure (NaN, with a warning)."""
    categories = categories or {}
    period_column = "as_at" if frequency == "semiannual" else "period"
    columns: dict[str, pa.Column] = {}
    if period_column == "as_at":
        columns["as_at"] = pa.Column(
            str,
            checks=[
                pa.Check.str_matches(
                    AS_AT_PATTERN,
                    error="as_at must be 31 March or 30 September, written YYYY-MM-DD",
                )
            ],
        )
    else:
        columns["period"] = _period(frequency)
    columns["force"] = _force(national=national_row)
    for column, values in categories.items():
        columns[column] = pa.Column(str, checks=[_isin(values)])
    for column in counts:
        columns[column] = _blank_count() if column in blank_allowed else _count()
    key = (period_column, "force", *categories)
    return Source(
        name=name,
        path=path,
        schema=_schema(name, columns, key=key, ratios=ratios),
        frequency=frequency,
        required=required,
        description=description,
        publisher=publisher,
        kind=kind,
        period_column=period_column,
        integer_columns=counts,
        key=key,
        categories=MappingProxyType(dict(categories)),
        ratios=ratios,
        blank_allowed=blank_allowed,
        annual_tables=annual_tables,
    )


# ----- the national files
def _prc() -> Source:
    columns = {
        "Financial Year": pa.Column(
            str,
            checks=[
                pa.Check.str_matches(
                    FINANCIAL_YEAR_PATTERN, error="financial year must be written like 2023/24"
                ),
                pa.Check(
                    _consecutive_years,
                    name="consecutive_years",
                    error="the second year must follow the first (e.g. 2023/24)",
                ),
            ],
        ),
        "Financial Quarter": pa.Column(
            "int64",
            checks=[pa.Check.isin([1, 2, 3, 4], error="financial quarter must be 1, 2, 3 or 4")],
        ),
        "Force Name": _force(non_territorial=True),
        "Offence Description": pa.Column(str),
        "Offence Group": pa.Column(str),
        "Offence Subgroup": pa.Column(str),
        "Offence Code": pa.Column(
            str, checks=[pa.Check.str_length(min_value=1, error="offence code is empty")]
        ),
        "Number of Offences": _count(negative=True),
    }
    return Source(
        name="prc",
        path="national/prc_pfa.csv.gz",
        # Not unique in pandera: the published 2017/18 sheet lists the four homicide offences
        # under one code, 1/4.1/4.10/4.2. Repeated keys are a warning and are added together.
        schema=_schema("prc", columns, key=()),
        frequency="quarterly",
        required=True,
        description=("Police recorded crime by Police Force Area and offence code, quarterly"),
        publisher="Home Office",
        kind="national",
        force_column="Force Name",
        period_column=None,
        integer_columns=("Number of Offences", "Financial Quarter"),
        key=PRC_KEY,
        negative_counts_allowed=True,
    )


def _consecutive_years(series: pd.Series) -> pd.Series:
    def consecutive(text: str) -> bool:
        match = re.match(FINANCIAL_YEAR_PATTERN, str(text))
        return match is None or (int(match[1]) + 1) % 100 == int(match[2])

    verdict = {value: consecutive(value) for value in series.unique()}
    return series.map(verdict).astype(bool)


def _population() -> Source:
    columns = {
        "area_code": pa.Column(
            str,
            checks=[
                pa.Check(
                    _known_area_code,
                    name="known_area_code",
                    error="not the ONS code of a Police Force Area or of England and Wales",
                ),
            ],
        ),
        "area_name": pa.Column(str),
        "mid_year": pa.Column(
            "int64",
            checks=[pa.Check.in_range(1981, 2100, error="mid_year must be a year (e.g. 2023)")],
        ),
        "population": pa.Column(
            "int64", checks=[pa.Check.gt(0, error="population must be above 0")]
        ),
        # ONS tables leave a cell blank where no estimate is published (Greater Manchester,
        # mid-2018): read as NaN with a warning.
        "households": pa.Column(
            "float64",
            coerce=True,
            nullable=True,
            checks=[pa.Check.gt(0, error="households must be above 0")],
        ),
    }
    key = ("area_code", "mid_year")
    return Source(
        name="population",
        path="national/population_pfa.csv",
        schema=_schema(
            "population",
            columns,
            key=key,
            ratios=(("households", "population"),),
            extra_checks=(
                pa.Check(
                    _area_name_matches_code,
                    name="area_name_matches_code",
                    error="area_name is not the area that area_code names",
                ),
            ),
        ),
        frequency="annual",
        required=True,
        description="Mid-year population and household estimates by Police Force Area",
        publisher="Office for National Statistics",
        kind="national",
        force_column="area_name",
        period_column=None,
        integer_columns=("mid_year", "population", "households"),
        blank_allowed=("households",),
        key=key,
        ratios=(("households", "population"),),
    )


@lru_cache(maxsize=1)
def area_codes() -> Mapping[str, str]:
    """ONS area code -> canonical force name (and K04000001 -> England and Wales)."""
    from helpers.core.forces import ENGLAND_AND_WALES_CODE

    codes = {f.code: f.name for f in default_forces().forces}
    codes[ENGLAND_AND_WALES_CODE] = ENGLAND_AND_WALES
    return MappingProxyType(codes)


def is_other_ons_area(code: str) -> bool:
    """A region or country code of the ONS tables: not a PFA, dropped by the loader."""
    return bool(_ONS_OTHER_AREA.match(str(code).strip()))


def _known_area_code(series: pd.Series) -> pd.Series:
    codes = area_codes()
    stripped = series.str.strip()
    return stripped.isin(list(codes)) | stripped.str.match(_ONS_OTHER_AREA.pattern)


def _area_name_matches_code(frame: pd.DataFrame) -> pd.Series:
    codes = area_codes()
    registry = default_forces()

    def matches(code: str, name: str) -> bool:
        expected = codes.get(code.strip())
        if expected is None:  # other ONS areas, or an unknown code reported by its own check
            return True
        if expected == ENGLAND_AND_WALES:
            return name.strip().lower() == ENGLAND_AND_WALES.lower()
        force = registry.find(name)
        return force is not None and force.name == expected

    pairs = {(c, n) for c, n in zip(frame["area_code"], frame["area_name"], strict=True)}
    verdict = {pair: matches(*pair) for pair in pairs}
    return pd.Series(
        [verdict[(c, n)] for c, n in zip(frame["area_code"], frame["area_name"], strict=True)],
        index=frame.index,
    )


def _population_ethnicity(census: int = 2021) -> Source:
    """Residents by broad ethnic group and PFA at a census; the same columns for each census."""
    columns = {
        "police force area": _force(national=True),
        "ethnic group": pa.Column(str, checks=[_isin(CENSUS_ETHNIC_GROUPS)]),
        "population": _count(),
    }
    key = ("police force area", "ethnic group")
    name = "population_ethnicity" if census == 2021 else f"population_ethnicity_{census}"
    table = {2021: "TS021", 2011: "KS201EW"}[census]
    return Source(
        name=name,
        path=f"national/{name}_pfa.csv",
        schema=_schema(name, columns, key=key),
        frequency="census",
        required=False,
        description=f"Usual residents by broad ethnic group and PFA, Census {census} ({table})",
        publisher="Office for National Statistics",
        kind="national",
        force_column="police force area",
        period_column=None,
        integer_columns=("population",),
        key=key,
        categories=MappingProxyType({"ethnic group": CENSUS_ETHNIC_GROUPS}),
    )


def _build_sources() -> dict[str, Source]:
    national = [
        _prc(),
        _population(),
        _population_ethnicity(),
        _population_ethnicity(2011),
        _source(
            "rape_outcomes",
            "national/rape_outcomes.csv",
            frequency="quarterly",
            kind="national",
            description="Rape offences (19C-19H): outcomes assigned and charges/summonses",
            publisher="Home Office (crime outcomes open data)",
            counts=("finalised_outcomes", "charged_summonsed"),
            ratios=(("charged_summonsed", "finalised_outcomes"),),
        ),
        _source(
            "stop_search",
            "national/stop_search.csv",
            frequency="monthly",
            kind="national",
            description=(
                "Stop and searches, positive outcomes and arrests, by the person's ethnicity"
            ),
            publisher="Home Office (police powers and procedures) / data.police.uk",
            categories={"ethnic_group": RECORDED_ETHNIC_GROUPS},
            counts=("searches", "positive_outcomes", "arrests"),
            # Not arrests <= searches: the Home Office publish 3 groups with more (docs/DATA.md).
            ratios=(("positive_outcomes", "searches"), ("arrests", "positive_outcomes")),
            annual_tables=True,
            # Home Office: no outcome but arrests; `-`, `..`, `*` where no figure is published.
            blank_allowed=("searches", "positive_outcomes", "arrests"),
        ),
        _source(
            "use_of_force",
            "national/use_of_force.csv",
            frequency="quarterly",
            kind="national",
            description="Use-of-force incidents by the subject's officer-perceived ethnicity",
            publisher="Home Office (police use of force statistics)",
            categories={"ethnic_group": RECORDED_ETHNIC_GROUPS},
            counts=("incidents",),
            annual_tables=True,
        ),
        _source(
            "workforce",
            "national/workforce.csv",
            frequency="semiannual",
            kind="national",
            description="Police workforce headcount by worker type and ethnic group",
            publisher="Home Office (police workforce open data tables)",
            categories={"worker_type": WORKER_TYPES, "ethnic_group": WORKFORCE_ETHNIC_GROUPS},
            counts=("headcount",),
        ),
        _source(
            "csew_confidence",
            "national/csew_confidence.csv",
            frequency="year_ending",
            kind="national",
            description=(
                "Crime Survey for England and Wales: respondents who have confidence in the "
                "police in their area; each row is already a 12-month (year-ending) estimate"
            ),
            publisher="Office for National Statistics (CSEW)",
            counts=("respondents", "agree"),
            ratios=(("agree", "respondents"),),
            national_row=True,
        ),
    ]
    local = [
        _source(
            "victim_satisfaction",
            "local/victim_satisfaction",
            frequency="monthly",
            kind="local",
            description="Victim satisfaction survey: respondents and those satisfied, by survey",
            publisher="the force (victim survey)",
            categories={"survey": SATISFACTION_SURVEYS},
            counts=("respondents", "satisfied"),
            ratios=(("satisfied", "respondents"),),
        ),
        _source(
            "confidence_survey",
            "local/confidence_survey",
            frequency="monthly",
            kind="local",
            description="Local public confidence survey: respondents and those who agree",
            publisher="the force / the OPCC (public confidence survey)",
            counts=("respondents", "agree"),
            ratios=(("agree", "respondents"),),
        ),
        _source(
            "drugs_disruptions",
            "local/drugs_disruptions",
            frequency="monthly",
            kind="local",
            description="Drugs disruptions and county lines disrupted",
            publisher="the force",
            counts=("disruptions", "county_lines_disrupted"),
        ),
        _source(
            "cyber_crime",
            "local/cyber_crime",
            frequency="monthly",
            kind="local",
            description="Cyber-dependent crimes disseminated and investigated; victims and advised",
            publisher="the force (cyber crime unit)",
            counts=("disseminated", "investigated", "victims", "victims_advised"),
            ratios=(("investigated", "disseminated"), ("victims_advised", "victims")),
        ),
        _source(
            "action_fraud",
            "local/action_fraud",
            frequency="monthly",
            kind="local",
            description="Action Fraud referrals disseminated to the force (NFIB)",
            publisher="the force (from the National Fraud Intelligence Bureau)",
            counts=("referrals_disseminated",),
        ),
        _source(
            "complaint_reviews",
            "local/complaint_reviews",
            frequency="monthly",
            kind="local",
            description="Complaint reviews completed by the OPCC and those upheld",
            publisher="the OPCC",
            counts=("reviews_completed", "upheld"),
            ratios=(("upheld", "reviews_completed"),),
        ),
        _source(
            "information_rights",
            "local/information_rights",
            frequency="monthly",
            kind="local",
            description="FOI and Subject Access Requests due and answered on time",
            publisher="the force (information rights unit)",
            categories={"request_type": REQUEST_TYPES},
            counts=("requests_due", "answered_on_time"),
            ratios=(("answered_on_time", "requests_due"),),
        ),
    ]
    return {s.name: s for s in (*national, *local)}


SOURCES: Mapping[str, Source] = MappingProxyType(_build_sources())
REQUIRED_SOURCES: tuple[str, ...] = tuple(n for n, s in SOURCES.items() if s.required)
LOCAL_SOURCES: tuple[str, ...] = tuple(n for n, s in SOURCES.items() if s.kind == "local")


def get_source(name: str) -> Source:
    """The source called `name`, or a `KeyError` listing the known names."""
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source '{name}'; sources are: {', '.join(SOURCES)}") from None


def not_supplied(name: str) -> str:
    """How the report says a source is missing: the force's own extracts are "local data"."""
    source = SOURCES.get(name)
    return (
        "Local data not supplied"
        if source is None or source.kind == "local"
        else ("National data not supplied")
    )
