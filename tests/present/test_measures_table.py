"""measures.csv (helpers.present.measures_table): its rows and columns, its bytes, and the
`python -m helpers measures` command."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sample_figures import AS, MSG, SAMPLE, Q

from helpers.core.config import default_catalogue, load_settings
from helpers.inputs.datasets import load_inputs
from helpers.measures.compute import compute_measure
from helpers.present.measures_table import (
    MEASURES_COLUMNS,
    measures_table,
    measures_table_for,
    write_measures_csv,
)
from helpers.present.measures_table import main as measures_main
from helpers.present.wording.benchmark_words import is_valid_benchmark
from helpers.stats.trends import TREND_WORDS


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(SAMPLE)


@pytest.fixture(scope="module")
def settings():
    return load_settings()


@pytest.mark.parametrize("force", [AS, "Gwent", "London, City of"])
def test_every_measure_has_an_allowed_trend_word_and_benchmark(inputs, settings, force):
    table = measures_table_for(inputs, Q, force, settings)
    mine = table[table["is_report_force"]]
    assert list(mine["measure"]) == [m.id for m in default_catalogue().measures]
    assert set(mine["trend"]) <= set(TREND_WORDS)
    bad = [b for b in mine["benchmark"] if not is_valid_benchmark(b)]
    assert not bad
    if force == "Gwent":  # no MSG configured: ranked among all forces, tested against E&W
        assert re.fullmatch(
            r"\d+(st|nd|rd|th)/43 \((above|below|similar to) national average\)",
            mine.set_index("measure").loc["homicide", "benchmark"],
        )


def test_measures_table_has_a_row_per_msg_force(inputs, settings):
    catalogue = default_catalogue()
    results = [
        compute_measure(catalogue.measure(i), inputs, Q, AS, settings)
        for i in ("homicide", "satisfaction_overall")
    ]
    table = measures_table(results)
    assert list(table.columns) == MEASURES_COLUMNS
    homicide = table[table["measure"] == "homicide"]
    assert sorted(homicide["force"]) == sorted(MSG)
    assert homicide["msg_rank"].between(1, 8).all()
    mine = homicide[homicide["is_report_force"]].iloc[0]
    others = homicide[~homicide["is_report_force"]]
    # lower is better for homicide: forces ranked above A&S have lower rates
    assert (others.loc[others["msg_rank"] < mine["msg_rank"], "value"] <= mine["value"]).all()
    assert (others.loc[others["msg_rank"] > mine["msg_rank"], "value"] >= mine["value"]).all()
    assert (table["measure"] == "satisfaction_overall").sum() == 1


def test_measures_csv_is_byte_identical_across_runs(inputs, settings, tmp_path: Path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    write_measures_csv(measures_table_for(inputs, Q, AS, settings), first)
    write_measures_csv(measures_table_for(load_inputs(SAMPLE), Q, AS, settings), second)
    assert first.read_bytes() == second.read_bytes()


def test_measures_command_checks_only_the_population_years_the_quarter_needs(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    population = pd.read_csv(data / "national" / "population_pfa.csv")
    # The sample's crime data start in 2012; keep estimates from mid-2020 only.
    population[population["mid_year"] >= 2020].to_csv(
        data / "national" / "population_pfa.csv", index=False
    )
    out = tmp_path / "m.csv"
    assert measures_main(["--data-dir", str(data), "--quarter", "2025-03", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert table.loc[table["measure"] == "homicide", "available"].iloc[0]
    # A quarter whose windows want mid-2019 or earlier is refused, naming the year.
    assert measures_main(["--data-dir", str(data), "--quarter", "2020-03", "--out", str(out)]) == 1
