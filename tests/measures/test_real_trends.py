"""Every force's measures on the real Home Office PRC file, at one quarter of each financial year
it covers: no failure, and no trend finding with an absurd fitted change.

Before the robust fit, Wiltshire at 2023-06 stopped with "LinAlgError: Singular matrix" and
other forces' homicide series returned fitted changes such as +3.7e17% a year. Skipped without
the real files beside the clone.
"""

from __future__ import annotations

import math

import pytest
from real_data import converted_real_folder, real_data

from helpers.core.config import default_catalogue, load_settings
from helpers.core.forces import default_forces
from helpers.core.quarters import FinancialQuarter
from helpers.inputs.datasets import load_inputs
from helpers.measures.compute import compute_measure
from helpers.measures.series import all_forces_series

# One quarter (the first, April to June) of each financial year 2013/14 to 2023/24.
QUARTERS = [f"{year}-06" for year in range(2013, 2024)]
# A change of more than tenfold a year, or a fall to a tenth, over a 12-quarter window is no
# finding a force's recorded crime can support: it is a fit that broke down.
MOST_FOLD_A_YEAR = 10.0


@pytest.fixture(scope="module")
def real_inputs(tmp_path_factory):
    return load_inputs(converted_real_folder(tmp_path_factory))


@real_data
@pytest.mark.parametrize("quarter", QUARTERS)
def test_every_force_measures_with_sane_trends_on_the_real_prc_file(real_inputs, quarter):
    settings = load_settings()
    forces = default_forces()
    catalogue = default_catalogue()
    measures = [m for m in catalogue.measures if m.source not in real_inputs.missing]
    series = {m.id: all_forces_series(m, real_inputs, settings, forces) for m in measures}
    q = FinancialQuarter.parse(quarter)
    tested = 0
    for force in forces.names:
        for m in measures:
            result = compute_measure(m, real_inputs, q, force, settings, forces,
                                     series=series[m.id])  # fmt: skip
            trend = result.trend
            if trend is None or trend.slope is None or trend.interval is None:
                continue
            tested += 1
            where = f"{force}, {m.id}, {quarter}: {trend}"
            low, high = trend.interval
            assert math.isfinite(trend.slope) and math.isfinite(low) and math.isfinite(high), where
            assert 1 / MOST_FOLD_A_YEAR < 1 + trend.slope < MOST_FOLD_A_YEAR, where
            assert low <= trend.slope <= high, where
    # The file starts in 2012/13: from 2015/16 the window holds 12 quarters.
    if quarter >= "2015-06":
        assert tested > 0, f"no regression finding at {quarter}: the test tested nothing"
