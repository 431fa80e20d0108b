"""Figures summed with plain pandas from the sample files as published (CSV columns, not the tidy
tables), so that a mistake in the loaders, the rolling sums or the denominators shows up in the
measures' tests."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from helpers.core.paths import PROJECT_ROOT
from helpers.core.quarters import FinancialQuarter

SAMPLE = PROJECT_ROOT / "data" / "sample"

AS = "Avon and Somerset"

MSG = [
    "Avon and Somerset",
    "Derbyshire",
    "Essex",
    "Hampshire",
    "Hertfordshire",
    "Kent",
    "Staffordshire",
    "Sussex",
]

Q = FinancialQuarter.parse("2025-03")

SEPT_2024 = pd.Period("2024-09", freq="M")


def financial_quarters(q: FinancialQuarter) -> list[tuple[str, int]]:
    return [(x.financial_year, x.quarter_number) for x in (q - 3, q - 2, q - 1, q)]


def prc_count(raw: pd.DataFrame, force: str, q: FinancialQuarter, subgroups=None, codes=None):
    keys = financial_quarters(q)
    rows = raw[raw["Force Name"] == force]
    rows = rows[
        [
            (fy, fq) in keys
            for fy, fq in zip(rows["Financial Year"], rows["Financial Quarter"], strict=True)
        ]
    ]
    mask = rows["Offence Subgroup"].isin(subgroups or []) | rows["Offence Code"].isin(codes or [])
    return int(rows.loc[mask, "Number of Offences"].sum())


def population_estimate(raw: pd.DataFrame, code: str, year: int, kind: str = "population") -> float:
    return float(raw[(raw["area_code"] == code) & (raw["mid_year"] == year)][kind].iloc[0])


def with_tables(inputs, **tables):
    """The sample inputs with some tables replaced (the measures read tables by attribute)."""
    names = ("prc", "population", "population_ethnicity", "victim_satisfaction", "stop_search")
    fields = {name: getattr(inputs, name) for name in names}
    return SimpleNamespace(**{**fields, **tables}, missing=set())
