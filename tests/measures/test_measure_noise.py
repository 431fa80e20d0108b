"""measure_noise: a measure's cv and rho from every force's history in the sample inputs, and
what it says it was estimated from."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.core.config import default_catalogue
from helpers.measures.noise import (
    DEFAULT_CV,
    DEFAULT_RHO,
    LOCKDOWN_QUARTERS,
    measure_noise,
    noise_panel,
)
from helpers.measures.series import all_forces_series
from helpers.stats.trends.noise import CV_BOUNDS, RHO_BOUNDS, fit_trend_noise

QUARTER = pd.Period("2025-03", freq="M")


def measure(measure_id):
    return next(m for m in default_catalogue().measures if m.id == measure_id)


@pytest.fixture(scope="module")
def robbery(inputs, settings):
    return all_forces_series(measure("personal_robbery"), inputs, settings)


def test_a_recorded_crime_measure_is_estimated_from_every_force(robbery):
    noise = measure_noise(measure("personal_robbery"), robbery, QUARTER)
    assert CV_BOUNDS[0] <= noise.cv <= CV_BOUNDS[1]
    assert RHO_BOUNDS[0] <= noise.rho <= RHO_BOUNDS[1]
    assert noise.basis.startswith("43 forces, quarters ending Mar 2013 to Mar 2025")
    assert "(2020/21 left out)" in noise.basis


def test_the_panel_is_each_force_s_quarterly_counts_without_lockdown(robbery):
    panel = noise_panel(measure("personal_robbery"), robbery, pd.Period("2023-06", freq="M"))
    assert len(panel.forces) == 43 and "England and Wales" not in panel.forces
    assert panel.quarters[-1] == pd.Period("2023-06", freq="M")
    kent = panel.forces.index("Kent")
    mine = robbery[robbery["force"] == "Kent"].set_index("period")
    at = list(panel.quarters).index(pd.Period("2019-09", freq="M"))
    assert panel.events[kent, at] == mine.loc[pd.Period("2019-09", freq="M"), "raw_count"]
    assert panel.exposure[kent, at] == mine.loc[pd.Period("2019-09", freq="M"), "denominator"]
    lockdown = np.isin(panel.quarters, list(LOCKDOWN_QUARTERS))
    assert lockdown.sum() == 4 and np.isnan(panel.events[:, lockdown]).all()


def test_the_estimate_is_the_estimator_s_on_the_panel(robbery):
    """measure_noise hands the panel to fit_trend_noise as it is (blocks of 16, seasons)."""
    m = measure("personal_robbery")
    panel = noise_panel(m, robbery, QUARTER)
    index = np.array([p.ordinal // 3 for p in panel.quarters])
    direct = fit_trend_noise(panel.events, panel.exposure, index, block_quarters=16, min_points=8)
    noise = measure_noise(m, robbery, QUARTER)
    assert noise.cv == pytest.approx(float(direct.cv))
    assert noise.rho == pytest.approx(float(direct.rho))


def test_a_local_extract_of_one_force_uses_its_own_history(inputs, settings):
    m = measure("satisfaction_overall")
    series = all_forces_series(m, inputs, settings)
    one = series[series["force"] == "Kent"]
    noise = measure_noise(m, one, QUARTER)
    assert noise.basis.startswith("the force's own history")
    assert 0 <= noise.cv <= CV_BOUNDS[1]


def test_too_short_a_history_gets_the_stated_default(robbery):
    recent = robbery[robbery["period"] >= pd.Period("2022-06", freq="M")]
    noise = measure_noise(measure("personal_robbery"), recent, QUARTER)
    assert (noise.cv, noise.rho) == (DEFAULT_CV, DEFAULT_RHO)
    assert noise.basis == "default (fewer than 16 quarters of history)"


def test_figures_published_as_12_months_get_the_default(inputs, settings):
    m = measure("csew_confidence")
    noise = measure_noise(m, all_forces_series(m, inputs, settings), QUARTER)
    assert noise.basis == "default (no quarterly counts to estimate it from)"


def test_burglary_is_split_at_the_2017_change_of_definition(inputs, settings):
    m = measure("residential_burglary")
    panel = noise_panel(m, all_forces_series(m, inputs, settings), QUARTER)
    assert len(panel.forces) == 3 * 43  # before April 2017, to March 2023, from April 2023
    first = panel.forces.index("Kent")
    parts = [i for i, f in enumerate(panel.forces) if f == "Kent"]
    assert len(parts) == 3 and parts[0] == first
    at_2017 = list(panel.quarters).index(pd.Period("2017-06", freq="M"))
    assert np.isnan(panel.events[parts[0], at_2017:]).all()
    assert np.isnan(panel.events[parts[1], :at_2017]).all()


def test_the_caller_names_the_default_and_the_quarters_left_out(robbery):
    from helpers.stats.trends.noise import TrendNoise

    recent = robbery[robbery["period"] >= pd.Period("2022-06", freq="M")]
    settings_noise = TrendNoise(0.1, 0.6, "the settings' working values")
    noise = measure_noise(measure("personal_robbery"), recent, QUARTER, default=settings_noise)
    assert (noise.cv, noise.rho) == (0.1, 0.6)
    assert noise.basis == "the settings' working values (fewer than 16 quarters of history)"
    odd = [pd.Period("2019-06", freq="M"), pd.Period("2019-09", freq="M")]
    panel = noise_panel(measure("personal_robbery"), robbery, QUARTER, left_out=odd)
    lockdown = np.isin(panel.quarters, list(LOCKDOWN_QUARTERS))
    assert np.isfinite(panel.events[:, lockdown]).any()
    assert np.isnan(panel.events[:, np.isin(panel.quarters, odd)]).all()
    noise = measure_noise(measure("personal_robbery"), robbery, QUARTER, left_out=odd)
    assert "(2 quarters left out)" in noise.basis
