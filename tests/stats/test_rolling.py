"""12-month rolling sums: window arithmetic, frequency inference, and refusing broken series.

Expected sums come from hand arithmetic on small series and, for large random tables, from a
naive reference that selects rows by calendar month (period in [p - 11, p]) for each period:
a different algorithm from the implementation's fixed-row-count windows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.core.exceptions import InputValidationError
from helpers.stats.rolling import rolling_12_months


def months(start: str, n: int) -> pd.PeriodIndex:
    return pd.period_range(start, periods=n, freq="M")


def quarter_ends(start: str, n: int) -> list[pd.Period]:
    first = pd.Period(start, freq="M")
    assert first.month in (3, 6, 9, 12)
    return [first + 3 * i for i in range(n)]


def reference_rolling(frame: pd.DataFrame, column: str, by: list[str]) -> pd.DataFrame:
    """Naive 12-month sums: for every row, sum the rows of its group in the 12 calendar months
    ending at its period, kept only where those months hold a full window of rows."""
    rows = []
    for key, group in frame.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        quarterly = all(p.month in (3, 6, 9, 12) for p in group["period"])
        needed = 4 if quarterly else 12
        for period in sorted(group["period"]):
            inside = group[(group["period"] > period - 12) & (group["period"] <= period)]
            if len(inside) == needed:
                rows.append(
                    {
                        **dict(zip(by, key, strict=True)),
                        "period": period,
                        column: inside[column].sum(skipna=False),
                    }
                )
    return pd.DataFrame(rows)


# ----- arithmetic -------------------------------------------------------------------------------
def test_quarterly_series_sums_four_quarters_by_hand():
    frame = pd.DataFrame(
        {"force": "Kent", "period": quarter_ends("2022-06", 6), "crimes": [1, 2, 3, 4, 5, 6]}
    )
    out = rolling_12_months(frame, "crimes")
    # windows: Q ending 2023-03 = 1+2+3+4, 2023-06 = 2+3+4+5, 2023-09 = 3+4+5+6
    assert out["period"].astype(str).tolist() == ["2023-03", "2023-06", "2023-09"]
    assert out["crimes"].tolist() == [10, 14, 18]
    assert out.columns.tolist() == ["force", "period", "crimes"]


def test_monthly_series_sums_twelve_months_by_hand():
    frame = pd.DataFrame({"force": "Kent", "period": months("2023-01", 14), "crimes": range(1, 15)})
    out = rolling_12_months(frame, ["crimes"])
    # 1..12 = 78; 2..13 = 90; 3..14 = 102
    assert out["period"].astype(str).tolist() == ["2023-12", "2024-01", "2024-02"]
    assert out["crimes"].tolist() == [78, 90, 102]


def test_frequency_is_inferred_per_group():
    monthly = pd.DataFrame({"force": "A", "period": months("2023-01", 13), "n": 1})
    quarterly = pd.DataFrame({"force": "B", "period": quarter_ends("2023-03", 5), "n": 1})
    out = rolling_12_months(pd.concat([quarterly, monthly]), "n")
    a, b = out[out["force"] == "A"], out[out["force"] == "B"]
    assert a["n"].tolist() == [12, 12]  # 12 monthly rows per window
    assert b["n"].tolist() == [4, 4]  # 4 quarterly rows per window
    assert b["period"].astype(str).tolist() == ["2023-12", "2024-03"]


def test_missing_value_spoils_only_the_windows_that_contain_it():
    values = [1.0, 2.0, np.nan, 4.0, 5.0, 6.0, 7.0]
    frame = pd.DataFrame({"force": "A", "period": quarter_ends("2022-03", 7), "n": values})
    out = rolling_12_months(frame, "n")
    # windows end at rows 4..7: rows 1-4, 2-5, 3-6 contain the NaN; 4-7 does not
    assert out["n"].isna().tolist() == [True, True, True, False]
    assert out["n"].iloc[-1] == 4 + 5 + 6 + 7


def test_integer_columns_stay_integers_and_floats_stay_floats():
    frame = pd.DataFrame(
        {"force": "A", "period": quarter_ends("2023-03", 4), "n": [1, 2, 3, 4], "x": 0.1}
    )
    out = rolling_12_months(frame, ["n", "x"])
    assert out["n"].dtype == np.int64
    assert out["x"].dtype == np.float64
    assert out["x"].iloc[0] == pytest.approx(0.4, abs=1e-15)


def test_several_keys_and_value_columns():
    rows = []
    for force in ("A", "B"):
        for offence in ("burglary", "robbery"):
            for i, p in enumerate(quarter_ends("2023-03", 5)):
                rows.append({"force": force, "offence": offence, "period": p, "n": i, "m": 10 * i})
    out = rolling_12_months(pd.DataFrame(rows), ["n", "m"], by=["force", "offence"])
    assert len(out) == 4 * 2
    assert set(out["n"]) == {0 + 1 + 2 + 3, 1 + 2 + 3 + 4}
    assert (out["m"] == 10 * out["n"]).all()


def test_row_order_of_the_input_does_not_matter():
    frame = pd.DataFrame({"force": "A", "period": months("2022-01", 30), "n": np.arange(30.0)})
    shuffled = frame.sample(frac=1, random_state=3)
    pd.testing.assert_frame_equal(rolling_12_months(shuffled, "n"), rolling_12_months(frame, "n"))


def test_series_shorter_than_a_window_gives_no_rows_and_no_error():
    frame = pd.DataFrame({"force": "A", "period": quarter_ends("2023-03", 3), "n": 1})
    out = rolling_12_months(frame, "n")
    assert out.empty
    assert out.columns.tolist() == ["force", "period", "n"]


def test_matches_naive_calendar_reference_on_a_national_sized_table():
    rng = np.random.default_rng(7)
    quarterly = pd.DataFrame(
        [
            {"force": f"Q{f:02d}", "period": p, "n": int(rng.poisson(300))}
            for f in range(43)
            for p in quarter_ends("2012-06", 50)
        ]
    )
    monthly = pd.DataFrame(
        [
            {"force": f"M{f}", "period": p, "n": int(rng.poisson(90))}
            for f in range(3)
            for p in months(f"201{f}-0{f + 1}", 40 + f)
        ]
    )
    frame = pd.concat([quarterly, monthly], ignore_index=True)
    out = rolling_12_months(frame, "n")
    expected = reference_rolling(frame, "n", ["force"])
    pd.testing.assert_frame_equal(
        out.reset_index(drop=True), expected.astype({"n": np.int64}), check_dtype=False
    )


# ----- broken series ----------------------------------------------------------------------------
def _problems(frame: pd.DataFrame, **kwargs) -> list:
    with pytest.raises(InputValidationError) as caught:
        rolling_12_months(frame, "n", **kwargs)
    return caught.value.problems


def test_gap_in_quarterly_series_names_group_and_missing_quarter():
    periods = quarter_ends("2022-03", 8)
    del periods[4]  # 2023-03
    frame = pd.DataFrame({"force": "Kent", "period": periods, "n": 1})
    (problem,) = _problems(frame, source="prc.csv")
    assert problem.file == "prc.csv"
    assert problem.column == "period"
    assert "Kent" in problem.message and "2023-03" in problem.message
    assert "quarterly" in problem.message
    assert problem.value == "2023-03"


def test_gap_in_monthly_series_lists_every_missing_month():
    periods = [p for p in months("2023-01", 18) if str(p) not in ("2023-05", "2023-06")]
    frame = pd.DataFrame({"force": "Essex", "period": periods, "n": 1})
    (problem,) = _problems(frame)
    assert problem.file == "(derived)"
    assert "Essex" in problem.message
    assert "2023-05" in problem.message and "2023-06" in problem.message
    assert "monthly" in problem.message


def test_every_faulty_group_is_reported_and_good_groups_do_not_hide_them():
    good = pd.DataFrame({"force": "Good", "period": quarter_ends("2022-03", 8), "n": 1})
    bad_a = pd.DataFrame({"force": "BadA", "period": quarter_ends("2022-03", 8)[::2], "n": 1})
    bad_b = pd.DataFrame({"force": "BadB", "period": list(months("2022-01", 20))[1::2], "n": 1})
    problems = _problems(pd.concat([good, bad_a, bad_b]))
    assert sorted(p.message.split("'")[1] for p in problems) == ["BadA", "BadB"]


def test_duplicated_period_is_an_error():
    periods = quarter_ends("2023-03", 5)
    frame = pd.DataFrame({"force": "A", "period": [*periods, periods[2]], "n": 1})
    (problem,) = _problems(frame)
    assert "more than once" in problem.message and str(periods[2]) in problem.message


def test_mixed_monthly_and_quarterly_rows_are_an_error():
    periods = [*months("2022-01", 12), *quarter_ends("2023-03", 4)]
    frame = pd.DataFrame({"force": "A", "period": periods, "n": 1})
    (problem,) = _problems(frame)
    assert "mixes monthly and quarterly" in problem.message


def test_quarterly_rows_labelled_by_first_month_are_an_error():
    periods = [pd.Period("2023-01", freq="M") + 3 * i for i in range(6)]
    frame = pd.DataFrame({"force": "A", "period": periods, "n": 1})
    (problem,) = _problems(frame)
    assert "not at quarter ends" in problem.message


def test_missing_force_name_is_an_error():
    frame = pd.DataFrame(
        {"force": ["A", None, "A", "A", "A"], "period": quarter_ends("2023-03", 5), "n": 1}
    )
    (problem,) = _problems(frame)
    assert problem.column == "force"


def test_period_must_be_monthly_periods():
    frame = pd.DataFrame({"force": "A", "period": ["2023-03", "2023-06"], "n": 1})
    with pytest.raises(TypeError, match="monthly pandas Periods"):
        rolling_12_months(frame, "n")
    frame["period"] = pd.PeriodIndex(["2023Q1", "2023Q2"], freq="Q")
    with pytest.raises(TypeError):
        rolling_12_months(frame, "n")


def test_unknown_column_is_named():
    frame = pd.DataFrame({"force": "A", "period": quarter_ends("2023-03", 4), "n": 1})
    with pytest.raises(KeyError, match="crimes"):
        rolling_12_months(frame, "crimes")
