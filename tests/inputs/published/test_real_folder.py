"""`import_real` and the folders it writes: Real published files in, real figures out
(../shared/data/real beside the clone); every expected figure computed here from the raw rows
with the csv module, independently of the loaders and of pandas.
"""

from __future__ import annotations

import pandas as pd
from published_files import (
    POP,
    POP_FILES,
    PRC,
    REAL,
    REAL_DATA_MARKS,
    SHEET,
    STREET_DERIVED,
    UOF,
    csv_rows,
    hand_count,
    hand_denominator,
    names_in,
)

from helpers.core.forces import NON_TERRITORIAL, default_forces
from helpers.inputs import published
from helpers.inputs.datasets import load_inputs
from helpers.inputs.processed import cached
from helpers.present.measures_table import main as measures_main

pytestmark = REAL_DATA_MARKS


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
    assert row["count_12m"] == hand_count(
        prc_rows, "Avon and Somerset", "2019-12", subgroups=("Homicide",)
    )
    assert row["period_end"] == "2019-12"
    assert row["denominator"] == hand_denominator("E23000036", 2018, "population")
    assert row["benchmark"].endswith(")") and "/8 MSG" in row["benchmark"]
    assert not pd.isna(row["msg_average"])


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
            for n in names_in(path, column)
            if n.strip().lower() not in skip and not n.strip().lower().startswith("total")
        }
        unknown = sorted(n for n in names if registry.find(n) is None)
        assert not unknown, f"{path.name}: {unknown}"
        if "lookup" not in path.name and "derived" not in path.name:
            assert len({registry.find(n).name for n in names}) == 43, path.name
    for path in POP_FILES:  # ONS names agree with their codes
        for r in csv_rows(path):
            force = registry.find(r["area_name"])
            if r["area_code"].startswith(("E23", "W15")):
                assert force is not None and force.code == r["area_code"], r
    uof = published.read_use_of_force(
        UOF / "police-use-of-force-apr2019-mar2020-hosb3720-tables.ods"
    )
    assert set(uof["force"]) == set(registry.names)


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
    assert "csew_confidence" in report.missing
    assert not {"rape_outcomes", "stop_search", "population_ethnicity_2011"} & report.missing
    assert "workforce" not in report.missing  # the ethnicity extract, to March 2006
    inputs = load_inputs(real_folder)
    assert not inputs.is_synthetic
    assert "REAL published data" in (real_folder / "README.md").read_text().splitlines()[0]
    assert str(inputs.latest_quarter.period) == "2023-06"


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
