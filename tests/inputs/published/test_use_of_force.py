"""Home Office use of force: Real published files in, real figures out (../shared/data/real beside
the clone); every expected figure computed here from the raw rows with the csv module,
independently of the loaders and of pandas.
"""

from __future__ import annotations

import pandas as pd
import pytest
from published_files import (
    REAL,
    REAL_DATA_MARKS,
    UOF,
    csv_rows,
)

from helpers.core.config import default_catalogue, load_settings
from helpers.core.quarters import FinancialQuarter
from helpers.inputs import published
from helpers.measures.compute import compute_measure

pytestmark = REAL_DATA_MARKS


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
        for r in csv_rows(UOF / "use-of-force-by-ethnicity-force_april2019-march2020.csv")
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
    # The year ending March 2020 began before Census 2021: its residents are Census 2011's,
    # taken here from the police-style aggregation (not the file the import reads).
    (census,) = [
        {"Black": int(r["Black (or Black British)"]), "White": int(r["White"])}
        for r in csv_rows(
            REAL
            / "pfa-population-ethnicity"
            / "census2011-ethnic-group-by-pfa_police-defined-demographics.csv"
        )
        if r["Police force"] == "Avon & Somerset"
    ]
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
