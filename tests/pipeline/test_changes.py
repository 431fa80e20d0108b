"""Changes since the last report: a revised count in the sample data, found and explained."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.core.config import default_catalogue, load_settings
from helpers.core.quarters import FinancialQuarter
from helpers.inputs.datasets import load_inputs
from helpers.measures.compute import compute_measures
from helpers.pipeline import changes as ch
from helpers.present.measures_table import measures_table, write_measures_csv

ROOT = Path(__file__).resolve().parents[2]
FORCE = "Avon and Somerset"
MEASURES = ("homicide", "serious_violence", "satisfaction_overall")
PRC = "national/prc_pfa.csv.gz"
POPULATION = "national/population_pfa.csv"


def _build(data_dir: Path, quarter: str, folder: Path | None = None):
    """The measures of MEASURES for FORCE at `quarter` and the manifest a build would record;
    written as a published report into `folder` when given."""
    catalogue = default_catalogue()
    settings = load_settings(force=FORCE, data_dir=str(data_dir))
    inputs = load_inputs(data_dir)
    q = FinancialQuarter.parse(quarter)
    results = compute_measures([catalogue.measure(m) for m in MEASURES], inputs, q, FORCE, settings)
    table = measures_table(results)
    manifest = {
        "report": {"quarter": quarter, "quarter_title": q.title, "force": FORCE},
        "inputs": {"files": dict(inputs.files)},
        "settings": settings.as_dict(),
        "measure_digests": ch.measure_digests(catalogue),
        "helpers_digest": "same",
    }
    if folder is not None:
        import json

        folder.mkdir(parents=True)
        write_measures_csv(table, folder / "measures.csv")
        (folder / "manifest.json").write_text(json.dumps(manifest, default=str))
    table = pd.read_csv(folder / "measures.csv", dtype={"period_end": str}) if folder else table
    return results, table, manifest


@pytest.fixture(scope="module")
def revised(tmp_path_factory) -> tuple[Path, int]:
    """A copy of the sample data in which the Home Office revised Avon and Somerset's murders
    of 2024/25 Q3 (October to December 2024) up by 3."""
    data = tmp_path_factory.mktemp("revised") / "data"
    shutil.copytree(ROOT / "data" / "sample", data)
    prc = pd.read_csv(data / PRC, dtype=str, keep_default_na=False)
    row = (
        (prc["Financial Year"] == "2024/25")
        & (prc["Financial Quarter"] == "3")
        & (prc["Force Name"] == FORCE)
        & (prc["Offence Code"] == "1")
    )
    assert row.sum() == 1
    prc.loc[row, "Number of Offences"] = str(int(prc.loc[row, "Number of Offences"].iloc[0]) + 3)
    prc.to_csv(data / PRC, index=False, compression="gzip")
    return data, 3


@pytest.fixture(scope="module")
def previous(tmp_path_factory) -> ch.PreviousReport:
    """The last quarter's report (2024-12), built from the data as first published."""
    outputs = tmp_path_factory.mktemp("outputs")
    folder = outputs / "2024-12" / "avon-and-somerset"
    _build(ROOT / "data" / "sample", "2024-12", folder)
    found, why = ch.find_previous(outputs, "2025-03", "avon-and-somerset")
    assert found is not None, why
    return found


def test_a_revised_count_is_found_with_its_cause(previous, revised):
    data, added = revised
    results, table, manifest = _build(data, "2025-03")
    changes = ch.compare(
        previous,
        table,
        manifest,
        quarter="2025-03",
        results=results,
        catalogue=default_catalogue(),
        threshold_percent=1.0,
    )
    assert "12 months to the previous report's quarter (2024-12)" in changes.compared
    by_figure = {(c.measure, c.figure): c for c in changes.changes}
    count = by_figure[("homicide", "Count (12 months)")]
    assert (count.period, count.difference) == ("2024-12", added)
    mine = previous.measures[previous.measures["is_report_force"]]
    old = mine.set_index("measure").loc["homicide"]
    assert count.old == old["count_12m"] and count.new == old["count_12m"] + added
    value = by_figure[("homicide", "Value")]
    assert value.flagged and value.percent == pytest.approx(100 * added / old["count_12m"])
    assert PRC in value.causes and POPULATION not in value.causes
    # Homicide is part of serious violence; satisfaction comes from another source: unchanged.
    assert ("serious_violence", "Count (12 months)") in by_figure
    assert not [c for c in changes.changes if c.measure == "satisfaction_overall"]
    # The denominator and England and Wales' population did not change.
    assert ("homicide", "Denominator (12 months)") not in by_figure
    assert any(PRC in cause for cause in changes.build_causes)


def test_unchanged_data_change_nothing_and_a_small_change_is_not_flagged(previous):
    results, table, manifest = _build(ROOT / "data" / "sample", "2025-03")
    same = ch.compare(previous, table, manifest, quarter="2025-03", results=results)
    assert same.changes == []
    assert same.build_causes == ["No input file changed (same SHA-256)."]
    html = ch.page_html(same, force=FORCE, quarter_title="Q")
    assert "No figure changed." in html

    # A threshold above the change: listed, not flagged.
    series = results[0].series
    at = series["period"] == FinancialQuarter.parse("2024-12").period
    results[0].series = series.assign(
        force_value=series["force_value"].where(~at, series["force_value"] * 1.001)
    )
    small = ch.compare(
        previous, table, manifest, quarter="2025-03", results=results, threshold_percent=1.0
    )
    [change] = small.changes
    assert (change.measure, change.figure, change.flagged) == ("homicide", "Value", False)
    assert change.causes == "no cause found in the two manifests"


def test_same_quarter_compares_every_column_and_names_a_population_year(tmp_path):
    columns = [
        "measure",
        "force",
        "is_report_force",
        "period_end",
        "title",
        "unit",
        "value",
        "denominator",
        "denominator_year",
        "benchmark",
        "trend",
    ]
    old = pd.DataFrame(
        [
            [
                "homicide",
                FORCE,
                True,
                "2025-03",
                "Homicide",
                "rate_per_1000",
                0.0100,
                1_000_000,
                2023,
                "4th/8 MSG (similar to MSG average rates)",
                "Stable",
            ]
        ],
        columns=columns,
    )
    new = old.assign(
        value=0.0098,
        denominator=1_020_000,
        denominator_year=2024,
        benchmark="3rd/8 MSG (similar to MSG average rates)",
    )
    previous = ch.PreviousReport(
        tmp_path, old, {"report": {"quarter": "2025-03"}, "inputs": {"files": {POPULATION: "a"}}}
    )
    manifest = {"inputs": {"files": {POPULATION: "b"}}}
    found = ch.compare(
        previous,
        new,
        manifest,
        quarter="2025-03",
        catalogue=default_catalogue(),
        threshold_percent=5.0,
    )
    figures = [(c.figure, c.old, c.new, c.flagged) for c in found.changes]
    assert figures == [
        ("Denominator (12 months)", 1_000_000, 1_020_000, False),
        ("Population year used", 2023, 2024, False),
        ("Value", 0.01, 0.0098, False),
        (
            "Benchmark",
            "4th/8 MSG (similar to MSG average rates)",
            "3rd/8 MSG (similar to MSG average rates)",
            True,
        ),
    ]
    cause = found.changes[0].causes
    assert f"population estimates changed ({POPULATION})" in cause
    assert "population year mid-2023 -> mid-2024" in cause
    sheet = ch.sheet_table(found)
    assert sheet.rows[0][4:8] == [1_000_000, 1_020_000, 20_000, pytest.approx(2.0)]
    assert sheet.rows[3][6] == "[z]"  # no difference between two words


def test_a_method_setting_or_a_measure_definition_is_named(tmp_path):
    old = pd.DataFrame(
        {
            "measure": ["homicide"],
            "force": [FORCE],
            "is_report_force": [True],
            "period_end": ["2025-03"],
            "value": [0.01],
            "trend": ["Stable"],
        }
    )
    new = old.assign(trend="Increasing")
    before = {
        "report": {"quarter": "2025-03"},
        "inputs": {"files": {"x": "1"}},
        "settings": {"trend": {"alpha": 0.05}},
        "measure_digests": {"homicide": "1"},
    }
    after = {
        "inputs": {"files": {"x": "1"}},
        "settings": {"trend": {"alpha": 0.1}},
        "measure_digests": {"homicide": "2"},
    }
    found = ch.compare(
        ch.PreviousReport(tmp_path, old, before),
        new,
        after,
        quarter="2025-03",
        catalogue=default_catalogue(),
    )
    [change] = found.changes
    assert "trend.alpha: 0.05 -> 0.1" in change.causes
    assert "the measure's definition changed" in change.causes
    assert "Measure definitions changed (params/measures.yaml): homicide." in found.build_causes


def test_nothing_to_compare_says_so_and_a_wrong_previous_is_an_error(tmp_path):
    found, why = ch.find_previous(tmp_path, "2025-03", "kent")
    assert found is None and "2024-12/kent/measures.csv" in why and "PREVIOUS=" in why
    page = ch.page_html(
        ch.compare(None, pd.DataFrame(), {}, quarter="2025-03", missing=why),
        force="Kent",
        quarter_title="Q",
    )
    assert "Nothing is compared." in page and "PREVIOUS=" in page
    with pytest.raises(FileNotFoundError, match=r"no measures\.csv"):
        ch.find_previous(tmp_path, "2025-03", "kent", given=tmp_path)
    # A measures.csv this project did not write is not compared, and the page says why.
    (tmp_path / "measures.csv").write_text("a,b\n1,2\n")
    other, _ = ch.find_previous(tmp_path, "2025-03", "kent", given=tmp_path / "measures.csv")
    result = ch.compare(other, pd.DataFrame({"measure": []}), {}, quarter="2025-03")
    assert result.previous is None and "no column measure" in result.missing


def test_threshold_and_contact_come_from_params(tmp_path):
    from helpers.pipeline.publication import publication_settings

    settings = tmp_path / "report.yaml"
    settings.write_text(
        "force: Kent\npublication:\n  contact: [a@b.uk]\n  changes: {threshold_percent: 2.5}\n"
    )
    assert publication_settings(settings) == {
        "contact": ["a@b.uk"],
        "threshold_percent": 2.5,
        "next_update_months": 3,
    }
    assert publication_settings(tmp_path / "absent.yaml")["threshold_percent"] == 1.0
    shipped = publication_settings()
    assert shipped["contact"] and shipped["threshold_percent"] == 1.0
