"""helpers.present.report.funnels: the funnel plots' tables for the spreadsheet."""

from __future__ import annotations

import pytest


def test_funnel_tables_for_the_spreadsheet_one_per_crime_rate():
    """From the measures a build computes: a table for each crime rate, none for the rest."""
    from helpers.core.config import default_catalogue, load_settings
    from helpers.core.paths import resolve
    from helpers.core.quarters import FinancialQuarter
    from helpers.inputs.datasets import load_inputs
    from helpers.measures.compute import compute_measure
    from helpers.present.report.funnels import funnel_tables

    settings = load_settings()
    inputs = load_inputs(resolve(settings.data_dir))
    catalogue = default_catalogue()
    quarter = FinancialQuarter.parse("2025-03")
    wanted = ["homicide", "residential_burglary", "rape_charge_rate"]
    results = [
        compute_measure(catalogue.measure(m), inputs, quarter, "Avon and Somerset", settings)
        for m in wanted
    ]
    tables = funnel_tables(results, settings)
    assert sorted(tables) == ["homicide", "residential_burglary"]
    burglary = tables["residential_burglary"]
    assert burglary.attrs["title"].startswith("Residential burglary (rate per 1,000 households)")
    assert "Households" in burglary.columns
    # every force with a figure, and England and Wales only as the centre line
    at_quarter = results[1].all_forces
    assert len(burglary) == at_quarter["count"].notna().sum() - 1
    assert "England and Wales" not in set(burglary["Force"])
    mine = burglary[burglary["Group"] == "This force"].iloc[0]
    assert mine["Force"] == "Avon and Somerset"
    assert mine["Rate per 1,000 households"] == pytest.approx(results[1].value)
