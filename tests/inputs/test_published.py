"""Real published files in, real figures out (../shared/data/real beside the clone).

Every expected figure is computed here from the raw rows with the csv module, independently of
the loaders and of pandas."""

from __future__ import annotations

import csv
import gzip
import zipfile
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest
from workbooks import ods_workbook, xlsx_workbook

from helpers.core.config import default_catalogue, load_settings
from helpers.core.forces import NON_TERRITORIAL, default_forces
from helpers.core.quarters import FinancialQuarter
from helpers.inputs import published
from helpers.inputs.datasets import load_inputs
from helpers.inputs.processed import cached
from helpers.measures.compute import compute_measure
from helpers.measures.compute import main as measures_main

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"
pytestmark = [
    pytest.mark.real_data,
    pytest.mark.skipif(
        not REAL.is_dir(), reason=f"real published data not found at {REAL} (../shared beside it)"
    ),
]
PRC = REAL / "ho-prc-pfa" / "prc_pfa_2012q1_2023q1.csv.gz"
SHEET = REAL / "ho-prc-pfa" / "original-sheet-2017-18" / "prc-pfa-mar2013-onwards-tables201718.csv"
POP = REAL / "ons-population-households"
POP_FILES = [
    POP / "ons_pfa_table_P9_mid_year_population_estimates_2002_2016.csv",
    POP / "ons_pfa_table_P10_mid_year_households_estimates_2002_2016.csv",
    POP / "ons_pfa_population_households_mid2016_to_mid2018.csv",
]
UOF = REAL / "ho-use-of-force"
STREET_DERIVED = (
    REAL
    / "data-police-uk-street-2021"
    / "derived_monthly_counts_by_force_crime_type_2021_AvonSomerset_and_MSG.csv"
)


# ----- by hand ----------------------------------------------------------------------------------
def _rows(path: Path) -> list[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def prc_rows():
    return _rows(PRC)


def _quarters_ending(period: str) -> set[tuple[str, str]]:
    """(financial year, quarter) of the 4 quarters ending with month `period`."""
    year, month = int(period[:4]), int(period[5:])
    out = set()
    for _ in range(4):
        fy_start = year if month >= 4 else year - 1
        quarter = {6: 1, 9: 2, 12: 3, 3: 4}[month]
        out.add((f"{fy_start}/{(fy_start + 1) % 100:02d}", str(quarter)))
        month -= 3
        if month <= 0:
            month += 12
            year -= 1
    return out


def _hand_count(rows, force, period, *, subgroups=(), codes=()) -> int:
    wanted = _quarters_ending(period)
    return sum(
        int(r["Number of Offences"])
        for r in rows
        if r["Force Name"] == force
        and (r["Financial Year"], r["Financial Quarter"]) in wanted
        and (r["Offence Subgroup"] in subgroups or r["Offence Code"] in codes)
    )


def _hand_denominator(code: str, year: int, column: str) -> int:
    """The unrounded table (P9/P10) where it has the year, else the P3 denominators."""
    for path in POP_FILES:
        for r in _rows(path):
            if r["area_code"] == code and int(r["mid_year"]) == year and r.get(column):
                return round(float(r[column]))
    raise AssertionError(f"no {column} for {code} {year}")


@pytest.fixture(scope="module")
def real_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("real")
    published.import_real(REAL, out)
    return out


@pytest.fixture(scope="module")
def inputs(real_folder):
    return load_inputs(real_folder)


# ----- 12-month counts and rates ---------------------------------------------------------------
CASES = [
    # measure, force (as the PRC file spells it), canonical, ONS code, quarter
    ("homicide", "Avon and Somerset", "Avon and Somerset", "E23000036", "2019-12"),
    ("homicide", "Avon and Somerset", "Avon and Somerset", "E23000036", "2013-03"),  # 1/4.1/...
    ("residential_burglary", "Kent", "Kent", "E23000032", "2023-06"),  # 28I-28P from April 2023
    ("residential_burglary", "Devon & Cornwall", "Devon and Cornwall", "E23000035", "2017-03"),
    ("theft_from_person", "London, City of", "London, City of", "E23000034", "2016-06"),
    ("drug_trafficking", "Essex", "Essex", "E23000028", "2020-12"),
    ("vehicle_offences", "Metropolitan Police", "Metropolitan Police", "E23000001", "2018-09"),
    ("personal_robbery", "Sussex", "Sussex", "E23000033", "2022-03"),
    ("serious_violence", "Hampshire", "Hampshire", "E23000030", "2019-12"),
]


@pytest.mark.parametrize(("measure_id", "spelt", "force", "code", "quarter"), CASES)
def test_12_month_counts_and_rates_match_the_raw_rows(
    inputs, prc_rows, measure_id, spelt, force, code, quarter
):
    measure = default_catalogue().measure(measure_id)
    num = measure.numerator
    expected = _hand_count(
        prc_rows,
        spelt,
        quarter,
        subgroups=tuple(num.get("offence_subgroups", ())),
        codes=tuple(str(c) for c in num.get("offence_codes", ())),
    )
    result = compute_measure(
        measure, inputs, FinancialQuarter.parse(quarter), force, load_settings()
    )
    assert result.available, result.unavailable_reason
    assert result.count == expected
    column = "households" if measure.denominator == "households" else "population"
    denominator = _hand_denominator(code, result.denominator_year, column)
    assert result.denominator == denominator
    assert result.value == pytest.approx(1000 * expected / denominator, rel=1e-12)
    # The latest estimate no later than the year wanted (the real files stop at mid-2018).
    assert result.denominator_year == min(result.denominator_year_wanted, 2018)


def test_combined_homicide_code_and_new_burglary_codes_are_counted(inputs, prc_rows):
    prc = inputs.prc
    assert "1/4.1/4.10/4.2" in set(
        prc.loc[prc["period"] == pd.Period("2013-03", "M"), "offence_code"]
    )
    new_codes = {
        r["Offence Code"]
        for r in prc_rows
        if r["Financial Year"] == "2023/24"
        and r["Offence Subgroup"] in ("Domestic burglary", "Residential burglary")
    }
    assert {"28I", "29B"} <= new_codes
    kent = compute_measure(
        default_catalogue().measure("residential_burglary"),
        inputs,
        FinancialQuarter.parse("2023-06"),
        "Kent",
        load_settings(),
    )
    only_new = _hand_count(prc_rows, "Kent", "2023-06", codes=tuple(sorted(new_codes)))
    assert only_new > 0 and kent.count >= only_new


def test_negative_counts_are_kept(inputs, prc_rows):
    territorial = {f.name for f in default_forces().forces}
    negative = sum(
        1
        for r in prc_rows
        if int(r["Number of Offences"]) < 0 and default_forces().find(r["Force Name"]) is not None
    )
    assert negative > 0
    assert int((inputs.prc["count"] < 0).sum()) == negative
    assert set(inputs.prc["force"]) == territorial


def test_measures_command_on_named_files(tmp_path, prc_rows):
    out = tmp_path / "measures.csv"
    code = measures_main(
        [
            "--quarter",
            "2019-12",
            "--prc",
            str(PRC),
            "--population",
            *map(str, POP_FILES),
            "--force",
            "all",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    table = pd.read_csv(out)
    wanted = [
        "homicide",
        "serious_violence",
        "drug_trafficking",
        "residential_burglary",
        "vehicle_offences",
        "personal_robbery",
        "theft_from_person",
    ]
    for column in [
        "force",
        "measure",
        "period_end",
        "count_12m",
        "denominator",
        "denominator_year",
        "rate_per_1000",
        "msg_average",
        "msg_rank",
        "benchmark",
        "trend",
    ]:
        assert column in table.columns
    crime = table[table["measure"].isin(wanted)]
    assert crime.groupby("measure")["force"].nunique().to_dict() == dict.fromkeys(wanted, 43)
    row = crime[(crime["force"] == "Avon and Somerset") & (crime["measure"] == "homicide")].iloc[0]
    assert row["count_12m"] == _hand_count(
        prc_rows, "Avon and Somerset", "2019-12", subgroups=("Homicide",)
    )
    assert row["period_end"] == "2019-12"
    assert row["denominator"] == _hand_denominator("E23000036", 2018, "population")
    assert row["benchmark"].endswith(")") and "/8 MSG" in row["benchmark"]
    assert not pd.isna(row["msg_average"])


# ----- the published 2017/18 sheet -------------------------------------------------------------
def test_padded_sheet_reads_to_the_same_numbers_as_xlsx(tmp_path):
    with SHEET.open(encoding="utf-8-sig", newline="") as handle:
        raw = list(csv.reader(handle))
    xlsx = tmp_path / "prc-pfa-mar2013-onwards-tables.xlsx"
    xlsx_workbook(
        xlsx,
        {
            "Contents": [["Police recorded crime"]],
            "2017-18": [["Police recorded crime by PFA, 2017/18"], [], *raw],
        },
    )
    from_csv = published.tidy_prc(published.read_prc(SHEET))
    from_xlsx = published.tidy_prc(published.read_prc(xlsx))
    pd.testing.assert_frame_equal(from_csv, from_xlsx)
    assert from_xlsx["count"].sum() == from_csv["count"].sum() != 0


def test_padded_sheet_reads_to_the_same_numbers_as_csv_and_ods(tmp_path):
    with SHEET.open(encoding="utf-8-sig", newline="") as handle:
        raw = list(csv.reader(handle))
    assert any(r[-1].strip() == "-00" for r in raw[1:]) and any(
        r[-1].startswith(" ") for r in raw[1:]
    )
    ods = tmp_path / "prc-pfa-mar2013-onwards-tables.ods"
    ods.write_bytes(
        ods_workbook(
            {
                "Cover": [["Police recorded crime"]],
                "2017-18": [["Police recorded crime by PFA, 2017/18"], [], *raw],
            }
        )
    )
    from_csv = published.tidy_prc(published.read_prc(SHEET))
    from_ods = published.tidy_prc(published.read_prc(ods))
    pd.testing.assert_frame_equal(from_csv, from_ods)
    # By hand: A&S 2017/18 total, '-00' read as 0.
    by_hand = sum(
        0 if r[7].strip() == "-00" else int(r[7]) for r in raw[1:] if r[2] == "Avon and Somerset"
    )
    assert from_csv.loc[from_csv["force"] == "Avon and Somerset", "count"].sum() == by_hand
    assert by_hand == 140_071  # PROVENANCE.md: the 2019 vintage of the sheet
    later = sum(
        int(r["Number of Offences"])
        for r in _rows(PRC)
        if r["Force Name"] == "Avon and Somerset" and r["Financial Year"] == "2017/18"
    )
    assert later == 140_207  # the 2023 vintage: revised, so never compared with the sheet


# ----- population -------------------------------------------------------------------------------
def test_population_and_household_tables_combine():
    frame = published.read_ons_population(POP_FILES)
    aands = frame[frame["area_code"] == "E23000036"].set_index("mid_year")
    p9 = {
        int(r["mid_year"]): round(float(r["population"]))
        for r in _rows(POP_FILES[0])
        if r["area_code"] == "E23000036"
    }
    p10 = {
        int(r["mid_year"]): round(float(r["households"]))
        for r in _rows(POP_FILES[1])
        if r["area_code"] == "E23000036"
    }
    p3 = {int(r["mid_year"]): r for r in _rows(POP_FILES[2]) if r["area_code"] == "E23000036"}
    assert aands.loc[2016, "population"] == p9[2016]
    assert abs(p9[2016] - float(p3[2016]["population"])) <= 50
    assert aands.loc[2010, "households"] == p10[2010]
    assert aands.loc[2018, "population"] == round(float(p3[2018]["population"]))
    assert sorted(aands.index) == list(range(2002, 2019))
    gmp = frame[(frame["area_code"] == "E23000005") & (frame["mid_year"] == 2018)]
    assert gmp["households"].isna().all()  # blank in the published table


# ----- use of force -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("ods", "extract"),
    [
        (
            "police-use-of-force-apr2019-mar2020-hosb3720-tables.ods",
            "use-of-force-by-ethnicity-force_april2019-march2020.csv",
        ),
        (
            "police-use-of-force-apr2018-mar2019-hosb3319-tables.ods",
            "use-of-force-by-ethnicity-force_april2018-march2019.csv",
        ),
    ],
)
def test_use_of_force_ods_and_tidy_extract_agree(ods, extract):
    from_ods = published.read_use_of_force(UOF / ods)
    from_csv = published.read_use_of_force(UOF / extract)
    pd.testing.assert_frame_equal(from_ods, from_csv)
    assert from_ods["force"].nunique() == 43
    assert from_ods["period"].nunique() == 1


def test_use_of_force_by_hand_and_not_rolled(inputs):
    rows = [
        r
        for r in _rows(UOF / "use-of-force-by-ethnicity-force_april2019-march2020.csv")
        if r["Police Force"] == "Avon & Somerset" and r["Tactic"] == "*Total Tactics"
    ]
    (row,) = rows
    table = inputs.use_of_force
    mine = table[
        (table["force"] == "Avon and Somerset") & (table["period"] == pd.Period("2020-03", "M"))
    ].set_index("ethnic_group")
    assert mine.loc["White", "incidents"] == round(float(row["White"])) == 12_788
    assert mine.loc["Not recorded", "incidents"] == round(float(row["Not reported"])) == 6_943
    assert mine["incidents"].sum() == round(float(row["Number of times tactic reported"]))
    census = {
        r["ethnic group"]: int(r["population"])
        for r in _rows(REAL / "pfa-population-ethnicity" / "pfa-ethnicity-census2021.csv")
        if r["police force area"] == "Avon and Somerset"
    }
    result = compute_measure(
        default_catalogue().measure("use_of_force_disproportionality_black"),
        inputs,
        FinancialQuarter.parse("2020-03"),
        "Avon and Somerset",
        load_settings(),
    )
    black = round(float(row["Black (or Black British)"]))
    expected = (black / census["Black"]) / (12_788 / census["White"])
    assert result.value == pytest.approx(expected, rel=1e-12)


# ----- data.police.uk ---------------------------------------------------------------------------
def test_street_files_count_as_the_derived_table():
    counts = published.read_police_uk_street(
        REAL / "data-police-uk-street-2021" / "avon-and-somerset-raw"
    )
    derived = _rows(
        REAL
        / "data-police-uk-street-2021"
        / "derived_monthly_counts_by_force_crime_type_2021_AvonSomerset_and_MSG.csv"
    )
    expected = {
        (r["Month"], r["Crime type"]): int(r["count"])
        for r in derived
        if r["Falls within"] == "Avon and Somerset Constabulary"
    }
    got = {
        (str(p), t): int(c)
        for p, t, c in zip(counts["period"], counts["crime_type"], counts["count"], strict=True)
    }
    assert got == expected
    assert sum(got.values()) == 161_397
    assert set(counts["force"]) == {"Avon and Somerset"}


def test_street_files_read_from_an_archive_zip(tmp_path):
    raw_dir = REAL / "data-police-uk-street-2021" / "avon-and-somerset-raw"
    archive = tmp_path / "2021-12.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(raw_dir.glob("2021-0[12]-*.csv.gz")):
            z.writestr(f"{path.name[:7]}/{path.name[:-3]}", gzip.decompress(path.read_bytes()))
    counts = published.read_police_uk_street(archive)
    assert sorted(counts["period"].astype(str).unique()) == ["2021-01", "2021-02"]


def test_stop_search_by_hand(tmp_path):
    (path,) = (REAL / "data-police-uk-stop-search-sample").glob("*.csv")
    rows = _rows(path)
    table = published.read_police_uk_stop_search(path)
    assert set(table["force"]) == {"Avon and Somerset"}
    assert set(table["period"]) == {"2026-01"}
    expected = defaultdict(lambda: [0, 0])
    for r in rows:
        group = r["Officer-defined ethnicity"] or "Not recorded"
        expected[group][0] += 1
        expected[group][1] += r["Outcome"] not in ("", "A no further action disposal")
    mine = table.set_index("ethnic_group")
    for group in ("White", "Black", "Asian", "Mixed", "Other", "Not recorded"):
        assert mine.loc[group, "searches"] == expected[group][0]
        assert mine.loc[group, "positive_outcomes"] == expected[group][1]
    assert mine["searches"].sum() == len(rows)


# ----- force names ------------------------------------------------------------------------------
def _names(path: Path, column: str) -> set[str]:
    return {r[column] for r in _rows(path) if r.get(column)}


def test_every_force_name_of_every_source_is_canonical():
    registry = default_forces()
    skip = {n.lower() for n in NON_TERRITORIAL}
    sources = {
        PRC: "Force Name",
        SHEET: "Force Name",
        REAL / "pfa-population-ethnicity" / "pfa-ethnicity-census2021.csv": "police force area",
        REAL / "pfa-population-ethnicity" / "pfa-population-mid-2024.csv": "police force area",
        REAL
        / "pfa-population-ethnicity"
        / "census2011-ethnic-group-by-pfa_force-demographics.csv": "PFA16NM",
        REAL / "pfa-population-ethnicity" / "LAD16_CSP16_PFA16_lookup_EW.csv": "PFA16NM",
        UOF / "use-of-force-by-ethnicity-force_april2018-march2019.csv": "Police Force",
        UOF / "use-of-force-by-ethnicity-force_april2019-march2020.csv": "Police Force",
        UOF / "use-of-force-incidents-by-force_april2019-march2020.csv": "Police Force",
        REAL / "ho-workforce-ethnicity-partial" / "chief-officer-latest.csv": "Force Name",
        STREET_DERIVED: "Falls within",
    }
    for path, column in sources.items():
        names = {
            n
            for n in _names(path, column)
            if n.strip().lower() not in skip and not n.strip().lower().startswith("total")
        }
        unknown = sorted(n for n in names if registry.find(n) is None)
        assert not unknown, f"{path.name}: {unknown}"
        if "lookup" not in path.name and "derived" not in path.name:
            assert len({registry.find(n).name for n in names}) == 43, path.name
    for path in POP_FILES:  # ONS names agree with their codes
        for r in _rows(path):
            force = registry.find(r["area_name"])
            if r["area_code"].startswith(("E23", "W15")):
                assert force is not None and force.code == r["area_code"], r
    uof = published.read_use_of_force(
        UOF / "police-use-of-force-apr2019-mar2020-hosb3720-tables.ods"
    )
    assert set(uof["force"]) == set(registry.names)


# ----- the processed cache ------------------------------------------------------------------------
def test_processed_table_rebuilt_only_when_a_raw_file_changes(tmp_path):
    raw = tmp_path / "pop.csv"
    raw.write_bytes(POP_FILES[2].read_bytes())
    builds = []

    def build():
        builds.append(1)
        return published.read_ons_population(raw)

    first = cached("population", [raw], build, directory=tmp_path / "processed")
    again = cached("population", [raw], build, directory=tmp_path / "processed")
    assert len(builds) == 1
    pd.testing.assert_frame_equal(first, again)
    raw.write_bytes(raw.read_bytes().replace(b"2636600.0", b"2636700.0"))
    changed = cached("population", [raw], build, directory=tmp_path / "processed")
    assert len(builds) == 2
    assert 2636700 in set(changed["population"])
    assert raw.read_bytes() != POP_FILES[2].read_bytes() and POP_FILES[2].is_file()


def test_import_real_is_validated_and_marked_real(real_folder):
    from helpers.inputs.validation import check_inputs

    report = check_inputs(real_folder)
    assert not report.errors, report.errors[:5]
    assert {"rape_outcomes", "stop_search", "workforce", "csew_confidence"} <= report.missing
    inputs = load_inputs(real_folder)
    assert not inputs.is_synthetic
    assert "REAL published data" in (real_folder / "README.md").read_text().splitlines()[0]
    assert str(inputs.latest_quarter.period) == "2023-06"


def test_real_prc_with_a_force_missing_a_quarter_gives_no_figure_for_it(tmp_path):
    """The review's case: Kent's rows for 2019/20 Q2 removed from the real PRC file, and only the
    ONS 2016-2018 population file (the PRC starts in 2012): the command runs, Kent has no serious
    violence figure for the year ending December 2019, and its MSG partners say it is left out."""
    broken = tmp_path / "prc.csv.gz"
    with gzip.open(PRC, "rt", newline="") as src, gzip.open(broken, "wt", newline="") as dst:
        for line in src:
            if not line.startswith("2019/20,2,Kent,"):
                dst.write(line)
    out = tmp_path / "measures.csv"
    population = POP / "ons_pfa_population_households_mid2016_to_mid2018.csv"
    args = ["--quarter", "2019-12", "--prc", str(broken), "--population", str(population)]
    assert measures_main([*args, "--force", "all", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    sv = table[table["measure"] == "serious_violence"].set_index("force")
    assert not sv.loc["Kent", "available"] and pd.isna(sv.loc["Kent", "count_12m"])
    assert "September 2019" in sv.loc["Kent", "note"]
    avon = sv.loc["Avon and Somerset"]
    assert avon["rank_of"] == 7 and "Kent (a period with no data)" in avon["note"]
    # The full file, by contrast, gives Kent a figure: the gap is what removes it.
    ok = measures_main(
        [
            "--quarter",
            "2019-12",
            "--prc",
            str(PRC),
            "--population",
            str(population),
            "--force",
            "Kent",
            "--out",
            str(tmp_path / "k.csv"),
        ]
    )
    kent = pd.read_csv(tmp_path / "k.csv")
    kent = kent[(kent["measure"] == "serious_violence") & (kent["force"] == "Kent")]
    assert ok == 0 and kent["available"].all() and kent["count_12m"].iloc[0] > 0


def test_import_real_reads_a_flat_folder_as_make_data_leaves_it(real_folder, tmp_path):
    """`make data` saves the files flat in data/raw under their publishers' names: the same
    files found there make the same data folder as the one-folder-per-publication layout."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in [PRC, SHEET, *sorted(POP.glob("*.csv")), *sorted(UOF.glob("*.ods"))]:
        (raw / path.name).symlink_to(path)
    (raw / "pfa-ethnicity-census2021.csv").symlink_to(
        REAL / "pfa-population-ethnicity" / "pfa-ethnicity-census2021.csv"
    )
    out = tmp_path / "data"
    made = published.import_real(raw, out)
    assert set(made) == {
        "national/prc_pfa.csv.gz",
        "national/population_pfa.csv",
        "national/population_ethnicity_pfa.csv",
        "national/use_of_force.csv",
    }
    assert made["national/prc_pfa.csv.gz"] == [PRC.name]  # not the 2017/18 sheet beside it
    for rel in made:
        assert (out / rel).read_bytes() == (real_folder / rel).read_bytes(), rel


def test_import_real_without_the_required_files_says_what_to_do(tmp_path, capsys):
    assert published.main(["--real-dir", str(tmp_path / "absent"), "--out", str(tmp_path)]) == 1
    assert "make data downloads them into data/raw" in capsys.readouterr().err
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "pfa-ethnicity-census2021.csv").write_text("x\n")
    assert published.main(["--real-dir", str(tmp_path / "raw"), "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "no file for a required input" in err
    assert "prc-pfa-*tables*.ods" in err and "ons_pfa_population*.csv" in err
