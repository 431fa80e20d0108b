"""helpers.present.report.funnels: the funnel plots' tables for the spreadsheet."""

from __future__ import annotations

import html
from dataclasses import replace
from types import SimpleNamespace

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


# ----- the funnel block and the methods note (issue 18 point 6; issue 19 points 6 and 9) -------
@pytest.fixture(scope="module")
def sample_results():
    from helpers.core.config import default_catalogue, load_settings
    from helpers.core.paths import resolve
    from helpers.core.quarters import FinancialQuarter
    from helpers.inputs.datasets import load_inputs
    from helpers.measures.compute import compute_measure

    settings = load_settings()
    inputs = load_inputs(resolve(settings.data_dir))
    catalogue = default_catalogue()
    quarter = FinancialQuarter.parse("2025-03")
    results = [
        compute_measure(catalogue.measure(m), inputs, quarter, "Avon and Somerset", settings)
        for m in ("homicide", "vehicle_offences", "rape_charge_rate")
    ]
    return settings, results


def test_the_funnel_block_gives_the_verdict_under_the_plot_and_no_explainer(sample_results):
    from helpers.present.report.funnels import funnel_block, funnel_for
    from helpers.present.wording.funnel_words import funnel_limits_note, funnel_verdict

    settings, results = sample_results
    for result in results[:2]:
        block = funnel_block(result, settings)
        text = block.text
        funnel = funnel_for(result, settings)
        verdict = funnel_verdict(funnel)
        assert "for a force of its size" in verdict
        chart_at = text.index("<svg") if "<svg" in text else text.index("<img")
        verdict_at = text.index('<p class="funnel-verdict">')
        assert chart_at < verdict_at
        assert html.escape(verdict) in text[verdict_at:]
        # How to read a funnel plot is said once, in the methods note, not under each plot.
        for explainer in ("19 times in 20", "narrow for larger forces", "τ", "φ", "random effects"):
            assert explainer not in text, (result.measure.id, explainer)
        assert '"Funnel plots" in the methods note' in html.unescape(text)
        (sheet,) = block.tables
        assert funnel_limits_note(funnel) in sheet.notes


def _methods_note(settings, results) -> str:
    from helpers.present.report.methods import MethodsReport

    page = MethodsReport.__new__(MethodsReport)
    page.context = SimpleNamespace(settings=settings)
    page.__dict__["all_results"] = results  # the cached property, as a build fills it
    return "\n".join(page._funnel_method())


def test_the_methods_note_explains_funnels_once_and_says_which_limits_were_drawn(
    sample_results,
):
    from helpers.present.report.funnels import funnel_for

    settings, results = sample_results
    text = _methods_note(settings, results)
    assert text.count("19 times in 20") == 1
    assert "by chance alone" in text
    assert "because homicide counts are small" not in text  # not true with φ above 1
    assert "never drawn narrower than the exact Poisson one" in text
    funnel = funnel_for(results[0], settings)
    exact = int(funnel.points["exact_limit"].sum())
    row = "Additive random effects"
    if exact:
        row += f"; exact Poisson where wider ({exact} of {funnel.overdispersion.n} forces)"
    assert f"<td>{row}</td>" in text
    # With no allowance set, the note and the table say the limits are chance alone.
    plain = replace(settings, funnel=replace(settings.funnel, overdispersion="none"))
    text = _methods_note(plain, results)
    assert "never drawn narrower" not in text
    assert "makes no allowance for it" in text
    assert "<td>Exact Poisson (no allowance set)</td>" in text
