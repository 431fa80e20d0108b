"""Home Office police recorded crime: Real published files in, real figures out
(../shared/data/real beside the clone); every expected figure computed here from the raw rows
with the csv module, independently of the loaders and of pandas.
"""

from __future__ import annotations

import csv
import gzip

import pandas as pd
import pytest
from published_files import (
    CASES,
    POP,
    PRC,
    REAL_DATA_MARKS,
    SHEET,
    csv_rows,
    hand_count,
    hand_denominator,
)
from workbooks import ods_workbook, xlsx_workbook

from helpers.core.config import default_catalogue, load_settings
from helpers.core.forces import default_forces
from helpers.core.quarters import FinancialQuarter
from helpers.inputs import published
from helpers.measures.compute import compute_measure
from helpers.present.measures_table import main as measures_main

pytestmark = REAL_DATA_MARKS


@pytest.mark.parametrize(("measure_id", "spelt", "force", "code", "quarter"), CASES)
def test_12_month_counts_and_rates_match_the_raw_rows(
    inputs, prc_rows, measure_id, spelt, force, code, quarter
):
    measure = default_catalogue().measure(measure_id)
    num = measure.numerator
    expected = hand_count(
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
    denominator = hand_denominator(code, result.denominator_year, column)
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
    only_new = hand_count(prc_rows, "Kent", "2023-06", codes=tuple(sorted(new_codes)))
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
        for r in csv_rows(PRC)
        if r["Force Name"] == "Avon and Somerset" and r["Financial Year"] == "2017/18"
    )
    assert later == 140_207  # the 2023 vintage: revised, so never compared with the sheet


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
