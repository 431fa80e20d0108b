"""ONS population and households: Real published files in, real figures out (../shared/data/real
beside the clone); every expected figure computed here from the raw rows with the csv module,
independently of the loaders and of pandas.
"""

from __future__ import annotations

from published_files import (
    POP_FILES,
    REAL_DATA_MARKS,
    csv_rows,
)

from helpers.inputs import published

pytestmark = REAL_DATA_MARKS


def test_population_and_household_tables_combine():
    frame = published.read_ons_population(POP_FILES)
    aands = frame[frame["area_code"] == "E23000036"].set_index("mid_year")
    p9 = {
        int(r["mid_year"]): round(float(r["population"]))
        for r in csv_rows(POP_FILES[0])
        if r["area_code"] == "E23000036"
    }
    p10 = {
        int(r["mid_year"]): round(float(r["households"]))
        for r in csv_rows(POP_FILES[1])
        if r["area_code"] == "E23000036"
    }
    p3 = {int(r["mid_year"]): r for r in csv_rows(POP_FILES[2]) if r["area_code"] == "E23000036"}
    assert aands.loc[2016, "population"] == p9[2016]
    assert abs(p9[2016] - float(p3[2016]["population"])) <= 50
    assert aands.loc[2010, "households"] == p10[2010]
    assert aands.loc[2018, "population"] == round(float(p3[2018]["population"]))
    assert sorted(aands.index) == list(range(2002, 2019))
    gmp = frame[(frame["area_code"] == "E23000005") & (frame["mid_year"] == 2018)]
    assert gmp["households"].isna().all()  # blank in the published table
