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
from helpers.pipeline.change_causes import NO_CAUSE
from helpers.pipeline.changes_page import NOT_KEPT, NOTHING_REVISED, page_html, sheet_table
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
    crime_file = "the Home Office revised its police recorded crime file"
    by_figure = {(c.measure, c.figure): c for c in changes.changes}
    count = by_figure[("homicide", "Count (12 months)")]
    assert (count.period, count.difference) == ("2024-12", added)
    mine = previous.measures[previous.measures["is_report_force"]]
    old = mine.set_index("measure").loc["homicide"]
    assert count.old == old["count_12m"] and count.new == old["count_12m"] + added
    value = by_figure[("homicide", "Value")]
    assert value.flagged and value.percent == pytest.approx(100 * added / old["count_12m"])
    assert crime_file in value.causes and "population" not in value.causes
    # Homicide is part of serious violence; satisfaction comes from another source: unchanged.
    assert ("serious_violence", "Count (12 months)") in by_figure
    assert not [c for c in changes.changes if c.measure == "satisfaction_overall"]
    # The denominator and England and Wales' population did not change.
    assert ("homicide", "Denominator (12 months)") not in by_figure
    assert changes.build_causes == [crime_file[:1].upper() + crime_file[1:] + "."]
    assert changes.files_changed == [PRC]  # for the spreadsheet, not the page


def test_unchanged_data_change_nothing_and_a_small_change_is_not_flagged(previous):
    results, table, manifest = _build(ROOT / "data" / "sample", "2025-03")
    same = ch.compare(previous, table, manifest, quarter="2025-03", results=results)
    assert same.changes == []
    assert same.build_causes == ["No input file changed."]
    html = page_html(same, force=FORCE, quarter_title="Q")
    assert NOTHING_REVISED in html
    # The last report kept no tables.json: the page does not claim its charts were compared.
    assert NOT_KEPT in html and "chart" not in same.compared

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
    assert change.causes == NO_CAUSE


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
    assert "the ONS revised its population estimates" in cause
    assert "the population estimate moved from mid-2023 to mid-2024" in cause
    assert POPULATION not in cause
    # What moved comes first in the sheet (the benchmark), then every revised figure.
    sheet = sheet_table(found)
    assert [r[0] for r in sheet.rows] == ["What moved since the last report"] + [
        "Revised figures"
    ] * 4
    assert sheet.rows[0][2] == "Benchmark" and sheet.rows[0][4:6] == [
        "4th/8 MSG (similar to MSG average rates)",
        "3rd/8 MSG (similar to MSG average rates)",
    ]
    assert sheet.rows[1][4:8] == [1_000_000, 1_020_000, 20_000, pytest.approx(2.0)]
    assert sheet.rows[4][6] == "[z]"  # no difference between two words


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
    assert "trend.alpha from 0.05 to 0.1" in change.causes
    assert "the measure's definition changed" in change.causes
    assert "The definition of 1 measure(s) changed." in found.build_causes
    assert [(m.what, m.old, m.new) for m in found.moved] == [("Trend", "Stable", "Increasing")]


def test_nothing_to_compare_says_so_and_a_wrong_previous_is_an_error(tmp_path):
    found, why = ch.find_previous(tmp_path, "2025-03", "kent")
    assert found is None and "quarter ending December 2024" in why
    # The page is printed: it names no command to type.
    assert "PREVIOUS=" not in why
    page = page_html(
        ch.compare(None, pd.DataFrame(), {}, quarter="2025-03", missing=why),
        force="Kent",
        quarter_title="Q",
    )
    assert "Nothing is compared." in page
    sheet = sheet_table(ch.compare(None, pd.DataFrame(), {}, quarter="2025-03", missing=why))
    assert sheet.rows == [["Nothing compared", why, *["[z]"] * 8]]
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


def test_tables_are_compared_row_by_row_and_point_by_point(tmp_path):
    from helpers.pipeline.change_tables import compare_tables, read_tables, write_tables
    from helpers.present.spreadsheet import SheetTable

    chart = SheetTable(
        "Homicide - 12 Month Rolling Rates per 1000 Residents (chart data)",
        ["Period ending", "Avon and Somerset: rate", "MSG average: rate"],
        [["Dec 2023", 0.0116, 0.0128], ["Mar 2024", 0.0105, float("nan")]],
        kind="chart",
    )
    ranked = SheetTable(
        "Homicide: most similar group, year ending December 2024",
        ["Rank (1 = best)", "Force", "Value"],
        [[1, "Kent", 0.009], [2, "Avon and Somerset", 0.0105]],
        kind="comparison",
    )
    write_tables(tmp_path / "tables.json", [chart, ranked])
    old = read_tables(tmp_path)
    assert old is not None and [t["title"] for t in old] == [chart.title, ranked.title]
    # This report: one chart point revised, a missing point now known, one new point (not
    # compared), and the ranked table at a new quarter (another title: other figures).
    new_chart = SheetTable(
        chart.title,
        list(chart.columns),
        [["Mar 2024", 0.0122, 0.0131], ["Dec 2023", 0.0116, 0.0128], ["Jun 2024", 1.0, 1.0]],
        kind="chart",
    )
    later = SheetTable(ranked.title.replace("December", "March"), ranked.columns, ranked.rows)
    found, compared = compare_tables(old, [new_chart.as_dict(), later.as_dict()])
    assert compared == [chart.title]
    assert [(r.table, r.row, r.column, r.old, r.new) for r in found] == [
        (
            chart.title[: -len(" (chart data)")],
            "Mar 2024",
            "Avon and Somerset: rate",
            0.0105,
            0.0122,
        ),
        (chart.title[: -len(" (chart data)")], "Mar 2024", "MSG average: rate", "[x]", 0.0131),
    ]
    # A ranked table's rows are its forces, not its ranks: a change of rank is a change.
    moved = SheetTable(
        ranked.title, ranked.columns, [[2, "Kent", 0.009], [1, "Avon and Somerset", 0.0105]]
    )
    found, _ = compare_tables(old, [moved.as_dict()])
    assert sorted((r.row, r.column, r.old, r.new) for r in found) == [
        ("Avon and Somerset", "Rank (1 = best)", 2, 1),
        ("Kent", "Rank (1 = best)", 1, 2),
    ]
    assert read_tables(tmp_path / "absent") is None
