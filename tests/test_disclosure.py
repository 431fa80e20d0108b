"""Disclosure control (docs/REFERENCE.md, "Disclosure"): counts below `disclosure.min_count`
(params/report.yaml) are suppressed in tables below force level, never in 12-month force totals."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from helpers.core.config import default_catalogue, load_settings
from helpers.core.quarters import FinancialQuarter
from helpers.measures.result import MeasureResult
from helpers.present.measures_table import measures_table
from helpers.present.report.blocks import comparison_table
from helpers.present.report.ethnic_groups import ethnic_group_table

QUARTER = FinancialQuarter.parse("2025-03")
FORCE = "Avon and Somerset"


class Inputs:
    """A force's stop and search (monthly) and Census population, as `InputData` holds them."""

    def __init__(self, counts: dict[str, list[int]]):
        months = pd.period_range("2024-04", "2025-03", freq="M")
        rows = [
            {"period": m, "force": FORCE, "ethnic_group": g, "searches": n, "positive_outcomes": 0}
            for g, per_month in counts.items()
            for m, n in zip(months, per_month, strict=True)
        ]
        # A month outside the 12 months: must not count.
        rows.append(
            {
                "period": pd.Period("2024-03", "M"),
                "force": FORCE,
                "ethnic_group": "Black",
                "searches": 100,
                "positive_outcomes": 0,
            }
        )
        self.stop_search = pd.DataFrame(rows)
        self.population_ethnicity = pd.DataFrame(
            {
                "force": FORCE,
                "ethnic_group": ["White", "Black", "Asian", "Mixed", "Other"],
                "population": [1_600_000, 40_000, 60_000, 45_000, 18_000],
            }
        )

    def get(self, name: str) -> pd.DataFrame | None:
        return getattr(self, name, None)


def _once(total: int) -> list[int]:
    """12 months whose sum is `total` (all in the first month)."""
    return [total] + [0] * 11


def _cells(table: str) -> dict[str, list[str]]:
    """{row header: [cell texts]} of an HTML data table."""
    out = {}
    for row in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", table):
        header, rest = row.split("</th>", 1)
        out[header] = re.findall(r"<td[^>]*>(.*?)</td>", rest)
    return out


def test_breakdown_by_ethnic_group_suppresses_small_counts_and_what_reveals_them() -> None:
    inputs = Inputs(
        {
            "White": _once(480),
            "Black": _once(3),
            "Asian": _once(0),
            "Mixed": _once(5),
            "Other": [1, 1, 1, 1] + [0] * 8,  # 4 over the year, though no month reaches 5
            "Not recorded": _once(1),
        }
    )
    cells = _cells(str(ethnic_group_table(inputs, "stop_search", FORCE, QUARTER, 5)))

    assert cells["Black"] == ["&lt;5", "40,000", "Suppressed", "Suppressed"]
    assert cells["Other"][0] == "&lt;5" and cells["Other"][2:] == ["Suppressed", "Suppressed"]
    assert cells["Not recorded"][0] == "&lt;5"
    assert cells["Asian"][0] == "0"  # zero is not disclosive: shown
    assert cells["Mixed"][0] == "5"  # at the threshold: shown, with its rate
    assert cells["Mixed"][2] == "0.11" and cells["Mixed"][3] != "Suppressed"
    assert cells["White"][0] == "480"


def test_threshold_comes_from_params(tmp_path: Path) -> None:
    assert load_settings().disclosure_min_count >= 1
    settings_file = tmp_path / "report.yaml"
    settings_file.write_text("disclosure:\n  min_count: 10\n", encoding="utf-8")
    min_count = load_settings(settings_file).disclosure_min_count
    assert min_count == 10
    inputs = Inputs({"White": _once(480), "Black": _once(7)})
    cells = _cells(str(ethnic_group_table(inputs, "stop_search", FORCE, QUARTER, min_count)))
    assert cells["Black"][0] == "&lt;10"
    assert (
        _cells(str(ethnic_group_table(inputs, "stop_search", FORCE, QUARTER, 5)))["Black"][0] == "7"
    )


def _homicide_result() -> MeasureResult:
    measure = next(m for m in default_catalogue().measures if m.id == "homicide")
    group = pd.DataFrame(
        {
            "force": [FORCE, "Devon and Cornwall", "Kent"],
            "count": [2.0, 1.0, 14.0],
            "denominator": [1_800_000.0, 1_800_000.0, 1_900_000.0],
            "value": [2 / 1800, 1 / 1800, 14 / 1900],
            "rank": [2, 1, 3],
        }
    )
    return MeasureResult(
        measure=measure,
        force=FORCE,
        quarter=QUARTER,
        count=2.0,
        denominator=1_800_000.0,
        value=2 / 1800,
        comparator_label="MSG average",
        rank=2,
        rank_of=3,
        group_values=group,
    )


def test_twelve_month_force_totals_are_never_suppressed() -> None:
    result = _homicide_result()
    cells = _cells(str(comparison_table(result)))
    counts = {row[0]: row[1] for row in cells.values()}
    assert counts == {FORCE: "2", "Devon and Cornwall": "1", "Kent": "14"}
    assert "&lt;" not in str(comparison_table(result))
    table = measures_table([result])
    assert table["count_12m"].tolist() == [2.0, 1.0, 14.0]


@pytest.mark.parametrize("min_count", [0, -1])
def test_a_threshold_below_one_is_refused(min_count: int) -> None:
    with pytest.raises(ValueError, match="min_count"):
        ethnic_group_table(Inputs({"White": _once(4)}), "stop_search", FORCE, QUARTER, min_count)
