"""Tidy loaders: periods, canonical force names, laziness, caching, missing sources, file hashes."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.core.exceptions import InputNotSupplied, InputValidationError
from helpers.core.forces import ENGLAND_AND_WALES, default_forces
from helpers.core.quarters import FinancialQuarter
from helpers.inputs.datasets import InputData, load_inputs, prc_periods, snake_case
from helpers.inputs.sample_data import write_minimal_sample
from helpers.inputs.schemas import LOCAL_SOURCES, SOURCES

FIXTURES = Path(__file__).parents[1] / "fixtures" / "bad_inputs"
REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"
FORCES = set(default_forces().names)


@pytest.fixture(scope="module")
def minimal_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("minimal")
    write_minimal_sample(out)
    return out


@pytest.fixture(scope="module")
def inputs(minimal_folder: Path) -> InputData:
    return load_inputs(minimal_folder)


@pytest.fixture
def data_dir(minimal_folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(minimal_folder, target)
    return target


def test_prc_periods_follow_the_financial_year() -> None:
    years = pd.Series(["2023/24", "2023/24", "2023/24", "2023/24", "1999/00"])
    quarters = pd.Series([1, 2, 3, 4, 4])
    periods = prc_periods(years, quarters)
    assert [str(p) for p in periods] == ["2023-06", "2023-09", "2023-12", "2024-03", "2000-03"]
    assert str(periods.dtype) == "period[M]"


def test_prc_tidy_form(inputs: InputData) -> None:
    prc = inputs.prc
    assert list(prc.columns) == [
        "period",
        "force",
        "offence_code",
        "offence_description",
        "offence_group",
        "offence_subgroup",
        "count",
    ]
    assert str(prc["period"].dtype) == "period[M]" and prc["count"].dtype == "int64"
    assert set(prc["force"]) == FORCES  # British Transport Police and Action Fraud are left out
    assert set(prc["period"].dt.month) == {3, 6, 9, 12}
    assert inputs.latest_quarter == FinancialQuarter.parse("2024/25 Q4")
    fraud = inputs.action_fraud_national
    assert set(fraud["force"]) == {"Action Fraud"} and set(fraud["offence_code"]) == {"AF"}
    assert len(fraud) == prc["period"].nunique()


def test_prc_counts_match_the_file(inputs: InputData, minimal_folder: Path) -> None:
    raw = pd.read_csv(minimal_folder / "national/prc_pfa.csv.gz", dtype={"Offence Code": str})
    row = raw[
        (raw["Force Name"] == "Kent")
        & (raw["Financial Year"] == "2024/25")
        & (raw["Financial Quarter"] == 4)
        & (raw["Offence Code"] == "34B")
    ]["Number of Offences"]
    prc = inputs.prc
    tidy = prc[
        (prc["force"] == "Kent")
        & (prc["period"] == pd.Period("2025-03", freq="M"))
        & (prc["offence_code"] == "34B")
    ]["count"]
    assert tidy.tolist() == row.tolist() and len(row) == 1


@pytest.mark.parametrize("name", [n for n in SOURCES if n not in ("prc", "population")])
def test_every_source_is_tidy(inputs: InputData, name: str) -> None:
    table = getattr(inputs, name)
    source = SOURCES[name]
    own = [
        snake_case(c)
        for c in source.columns
        if c not in (source.period_column, source.force_column)
    ]
    expected = (["period"] if source.period_column else []) + ["force", *own]
    assert list(table.columns) == expected
    assert table["force"].isin(FORCES | {ENGLAND_AND_WALES}).all()
    if source.period_column:
        assert str(table["period"].dtype) == "period[M]"
        if source.frequency in ("quarterly", "year_ending", "semiannual"):
            assert set(table["period"].dt.month) <= {3, 6, 9, 12}
    for column in source.integer_columns:
        if column != source.period_column:
            assert table[snake_case(column)].dtype == "int64"


def test_population_carries_england_and_wales(inputs: InputData, data_dir: Path) -> None:
    population = inputs.population
    assert list(population.columns) == ["force", "mid_year", "population", "households"]
    national = population[population["force"] == ENGLAND_AND_WALES].set_index("mid_year")
    forces = (
        population[population["force"] != ENGLAND_AND_WALES]
        .groupby("mid_year")
        .sum(numeric_only=True)
    )
    assert (national["population"] == forces["population"]).all()
    # Without the K04000001 row in the file, England and Wales is the sum of the forces.
    path = data_dir / "national/population_pfa.csv"
    frame = pd.read_csv(path, dtype=str)
    frame[frame["area_code"] != "K04000001"].to_csv(path, index=False)
    summed = load_inputs(data_dir).population
    assert summed.equals(population)


def test_workforce_period_is_the_as_at_month(inputs: InputData) -> None:
    assert sorted({str(p) for p in inputs.workforce["period"]}) == ["2024-03", "2024-09", "2025-03"]


def test_census_spellings_become_canonical(inputs: InputData) -> None:
    forces = set(inputs.population_ethnicity["force"])
    assert "Devon and Cornwall" in forces and "Devon & Cornwall" not in forces


def test_aliases_in_local_extracts_become_canonical(data_dir: Path) -> None:
    shutil.copyfile(
        FIXTURES / "drugs_disruptions_bom_crlf_aliases.csv",
        data_dir / "local/drugs_disruptions/2025-03.csv",
    )
    table = load_inputs(data_dir).drugs_disruptions
    latest = table[table["period"] >= pd.Period("2025-01", freq="M")]
    assert set(latest["force"]) == {"Avon and Somerset"}
    assert latest["disruptions"].tolist() == [50, 48, 52]


def test_sources_load_lazily_and_once(data_dir: Path) -> None:
    # A broken optional file does not stop a section that needs only police recorded crime.
    shutil.copyfile(
        FIXTURES / "victim_satisfaction_bad_values.csv",
        data_dir / "local/victim_satisfaction/2025-03.csv",
    )
    inputs = load_inputs(data_dir)
    assert inputs.files_read == []
    assert inputs.prc is inputs.prc
    assert inputs.files_read == ["national/prc_pfa.csv.gz"]
    with pytest.raises(InputValidationError) as caught:
        _ = inputs.victim_satisfaction
    assert {p.file for p in caught.value.problems} == {"local/victim_satisfaction/2025-03.csv"}


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import helpers.inputs.datasets as datasets

    reads: list[str] = []
    real = datasets.read_source

    def counting(data_dir, source, **kwargs):
        reads.append(source.name)
        return real(data_dir, source, **kwargs)

    monkeypatch.setattr(datasets, "read_source", counting)
    return reads


def test_a_process_reads_the_same_files_once(data_dir: Path, monkeypatch) -> None:
    """A warm kernel executes many notebooks (and forces): each loads the inputs again, and
    gets the tables read the first time, as long as the files' content is the same."""
    reads = _count_reads(monkeypatch)
    first = load_inputs(data_dir).population
    second = load_inputs(data_dir).population
    assert reads == ["population"]
    pd.testing.assert_frame_equal(first, second)
    assert first is not second
    assert load_inputs(data_dir, validate=False).population is not None
    assert reads == ["population", "population"]  # an unchecked read is not a checked one

    path = data_dir / "national/population_pfa.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")  # one row fewer
    third = load_inputs(data_dir).population
    assert reads[-1] == "population" and len(reads) == 3
    assert len(third) == len(first) - 1


def test_a_table_changed_by_one_notebook_is_unchanged_for_the_next(data_dir: Path) -> None:
    table = load_inputs(data_dir).prc
    before = int(table["count"].sum())
    table["count"] = 0
    table.loc[0, "force"] = "Nowhere"
    again = load_inputs(data_dir).prc
    assert int(again["count"].sum()) == before and (again["force"] != "Nowhere").all()


def test_a_source_that_fails_its_contract_fails_every_time(data_dir: Path) -> None:
    shutil.copyfile(
        FIXTURES / "rape_outcomes_bad_periods.csv", data_dir / "national/rape_outcomes.csv"
    )
    for _ in range(2):
        with pytest.raises(InputValidationError):
            _ = load_inputs(data_dir).rape_outcomes


def test_saved_tables_serve_another_process_without_reading_the_files(
    data_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    """The build saves the tables it validated; a notebook's kernel (another process: here the
    process's memory of tables is emptied) loads them instead of parsing the files, as long as
    the files are the same."""
    import helpers.inputs.datasets as datasets
    import helpers.inputs.validation as validation

    built = load_inputs(data_dir)
    expected = built.population.copy()
    saved = tmp_path / datasets.INPUT_TABLES
    datasets.save_tables(built, saved)
    monkeypatch.setattr(datasets, "_LOADED", {})
    monkeypatch.setattr(datasets, "_SEEDED", set())
    monkeypatch.setattr(validation, "_READ", {})
    reads = _count_reads(monkeypatch)

    datasets.load_tables(saved)
    kernel = load_inputs(data_dir, validate=False)
    pd.testing.assert_frame_equal(kernel.population, expected)
    assert kernel.prc is not None and kernel.missing == built.missing
    assert reads == []

    path = data_dir / "national/population_pfa.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")
    assert len(load_inputs(data_dir, validate=False).population) == len(expected) - 1
    assert reads == ["population"]


def test_a_file_that_is_not_saved_tables_is_ignored(tmp_path: Path, monkeypatch) -> None:
    import pickle

    import helpers.inputs.datasets as datasets

    monkeypatch.setattr(datasets, "_LOADED", {})
    other = tmp_path / datasets.INPUT_TABLES
    other.write_bytes(pickle.dumps({("prc",): "not tables"}))
    datasets.load_tables(other)
    assert datasets._LOADED == {}


def test_validate_false_skips_the_contract_rules(data_dir: Path) -> None:
    shutil.copyfile(
        FIXTURES / "rape_outcomes_bad_periods.csv", data_dir / "national/rape_outcomes.csv"
    )
    with pytest.raises(InputValidationError):
        _ = load_inputs(data_dir).rape_outcomes
    table = load_inputs(data_dir, validate=False).rape_outcomes
    # sorted by force and period: 2024-02 (not a quarter end), 2024-03, 2024-06 (25 > 20)
    assert [str(p) for p in table["period"]] == ["2024-02", "2024-03", "2024-06"]
    assert table["charged_summonsed"].tolist() == [25, 30, 25]


def test_missing_sources(data_dir: Path) -> None:
    shutil.rmtree(data_dir / "local/complaint_reviews")
    (data_dir / "national/csew_confidence.csv").unlink()
    inputs = load_inputs(data_dir)
    assert inputs.missing == {"complaint_reviews", "csew_confidence"}
    assert not inputs.has("complaint_reviews") and inputs.get("complaint_reviews") is None
    with pytest.raises(InputNotSupplied, match="local/complaint_reviews"):
        _ = inputs.complaint_reviews
    (data_dir / "national/prc_pfa.csv.gz").unlink()
    with pytest.raises(InputValidationError, match="required input 'prc' is missing"):
        load_inputs(data_dir)


def test_files_are_hashed(inputs: InputData, minimal_folder: Path) -> None:
    files = inputs.files
    expected = {"national/prc_pfa.csv.gz", "national/population_pfa.csv"} | {
        f"local/{name}/2025-03.csv" for name in LOCAL_SOURCES
    }
    assert expected <= set(files)
    assert "README.md" not in files
    path = minimal_folder / "local/cyber_crime/2024-12.csv"
    assert files["local/cyber_crime/2024-12.csv"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert inputs.is_synthetic


def test_repeated_prc_codes_are_added(data_dir: Path) -> None:
    (data_dir / "national/prc_pfa.csv.gz").unlink()
    text = (FIXTURES / "prc_published_format.csv").read_text(encoding="utf-8")
    extra = (
        "2017/18,1,Avon and Somerset,Homicide,Violence against the person,Homicide,1/4.1/4.10/4.2,"
    )
    text += f"{extra} 1 \n{extra} 2 \n{extra}-00\n"
    (data_dir / "national/prc_pfa.csv").write_text(text, encoding="utf-8")
    inputs = load_inputs(data_dir)
    prc = inputs.prc.set_index(["force", "offence_code"])["count"]
    assert prc[("Avon and Somerset", "1/4.1/4.10/4.2")] == 3
    assert prc[("Avon and Somerset", "8N")] == 1755 and prc[("Avon and Somerset", "26")] == 0
    assert prc[("London, City of", "1")] == 0
    assert any("share their financial year" in w.message for w in inputs.warnings)


@pytest.mark.real_data
def test_real_prc_force_names_are_canonical(data_dir: Path) -> None:
    real = REAL / "ho-prc-pfa" / "prc_pfa_2012q1_2023q1.csv.gz"
    if not real.is_file():
        pytest.skip(f"real data not available: {real} (../shared/data/real beside the clone)")
    shutil.copyfile(real, data_dir / "national/prc_pfa.csv.gz")
    inputs = load_inputs(data_dir)
    prc = inputs.prc
    assert set(prc["force"]) == FORCES  # "Devon & Cornwall" -> "Devon and Cornwall"
    assert inputs.latest_quarter == FinancialQuarter.parse("2023/24 Q1")
    # PROVENANCE.md: Avon and Somerset's 2017/18 total in this vintage is 140,207.
    year = prc[
        (prc["force"] == "Avon and Somerset")
        & (prc["period"] >= pd.Period("2017-06", freq="M"))
        & (prc["period"] <= pd.Period("2018-03", freq="M"))
    ]
    assert int(year["count"].sum()) == 140_207


@pytest.mark.real_data
def test_real_published_sheet_reads_to_the_published_total(data_dir: Path) -> None:
    sheet = (
        REAL / "ho-prc-pfa" / "original-sheet-2017-18" / "prc-pfa-mar2013-onwards-tables201718.csv"
    )
    if not sheet.is_file():
        pytest.skip(f"real data not available: {sheet} (../shared/data/real beside the clone)")
    (data_dir / "national/prc_pfa.csv.gz").unlink()
    shutil.copyfile(sheet, data_dir / "national/prc_pfa.csv")
    prc = load_inputs(data_dir).prc
    # PROVENANCE.md: Avon and Somerset's 2017/18 total in the 2019 vintage is 140,071 (padded
    # text counts, "-00" zeros and the four homicide rows under one code, all read).
    assert int(prc.loc[prc["force"] == "Avon and Somerset", "count"].sum()) == 140_071
    assert set(prc["force"]) == FORCES
