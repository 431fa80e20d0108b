import xml.etree.ElementTree as ET
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from helpers.present.tables import data_table, disclosure_suppress, measures_summary_table


def parse(markup: str) -> ET.Element:
    """The tables are well-formed XML as well as HTML: parse them to check their structure
    (the table inside the box that scrolls it sideways on a narrow screen)."""
    box = ET.fromstring(markup)
    assert box.tag == "div" and box.get("class") == "table-scroll"
    # A box that scrolls takes keyboard focus and is named (WCAG 2.1.1).
    assert box.get("tabindex") == "0" and box.get("role") == "region" and box.get("aria-label")
    (table,) = box
    return table


def texts(element: ET.Element, path: str) -> list[str]:
    return ["".join(e.itertext()) for e in element.iterfind(path)]


# ----- data_table ------------------------------------------------------------------------------
FRAME = pd.DataFrame(
    {
        "Force <b>": ["Avon & Somerset", "<script>alert(1)</script>", "Kent"],
        "Count (12 months)": [21, 1234, 7],
        "Rate": [0.01234, np.nan, 3.451],
        "Year": [2023.0, np.nan, 2022.0],
    }
)


def test_data_table_snapshot_with_escaping(snapshot):
    assert data_table(FRAME, caption="Homicide <by force> & rank") == snapshot


def test_data_table_structure_and_escaping():
    markup = data_table(FRAME, caption="Homicide <by force> & rank")
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    table = parse(markup)
    assert table.get("class") == "data-table short"  # 15 rows or fewer: printed whole
    assert texts(table, "caption") == ["Homicide <by force> & rank"]
    assert texts(table, "thead/tr/th[@scope='col']") == list(FRAME.columns)
    assert texts(table, "tbody/tr/th[@scope='row']") == list(FRAME["Force <b>"])
    rows = table.findall("tbody/tr")
    assert [texts(r, "td") for r in rows] == [
        ["21", "0.012", "2023"],
        ["1234", "n/a", "n/a"],
        ["7", "3.45", "2022"],
    ]
    assert rows[0].find("td").get("class") == "num"


def test_data_table_index_as_row_headers_and_units():
    frame = pd.DataFrame(
        {"Avon and Somerset": [0.0123, 0.0161], "Searches": [12345, 6]},
        index=pd.PeriodIndex(["2023-12", "2024-03"], freq="M"),
    )
    table = parse(
        data_table(
            frame,
            caption="c",
            index_header="Period ending",
            unit={"Avon and Somerset": "rate_per_1000", "Searches": "count"},
        )
    )
    assert texts(table, "thead/tr/th") == ["Period ending", "Avon and Somerset", "Searches"]
    assert texts(table, "tbody/tr/th[@scope='row']") == ["Dec 2023", "Mar 2024"]
    assert [texts(r, "td") for r in table.findall("tbody/tr")] == [
        ["0.012", "12,345"],
        ["0.016", "6"],
    ]


def test_data_table_empty_frame_says_so():
    table = parse(data_table(pd.DataFrame({"A": [], "B": []}), caption="Nothing"))
    assert texts(table, "tbody/tr/td") == ["No data"]
    assert table.find("tbody/tr/td").get("colspan") == "2"


# ----- measures summary ------------------------------------------------------------------------
@dataclass(frozen=True)
class Trend:
    word: str


SUMMARY = pd.DataFrame(
    {
        "section": [
            "1. Homicide",
            "4. Neighbourhood crime",
            "1. Homicide",
            "4. Neighbourhood crime",
        ],
        "measure": [
            "Homicide (rate per 1,000 residents)",
            "Residential burglary (rate per 1,000 households)",
            "Homicide <second> & more",
            "Personal robbery (rate per 1,000 residents)",
        ],
        "trend": ["Stable", Trend("Reducing"), None, "Increasing <b>&</b>"],
        "benchmark": [
            "3rd/8 MSG (below MSG average rates)",
            "5th/8 MSG (similar to MSG average rates)",
            "Not applicable <i>",
            np.nan,
        ],
    }
)


def test_summary_table_snapshot_grouped(snapshot):
    assert measures_summary_table(SUMMARY, caption="Measures summary") == snapshot


def test_summary_table_groups_rows_by_section_in_order_of_first_appearance():
    table = parse(measures_summary_table(SUMMARY, caption="Every measure"))
    assert table.get("class") == "measures-summary"
    assert texts(table, "thead/tr/th[@scope='col']") == [
        "Local measure",
        "Trend / Outlook",
        "Benchmark",
    ]
    bodies = table.findall("tbody")
    assert [texts(b, "tr/th[@scope='rowgroup']") for b in bodies] == [
        ["1. Homicide"],
        ["4. Neighbourhood crime"],
    ]
    assert texts(bodies[0], "tr/th[@scope='row']") == [
        "Homicide (rate per 1,000 residents)",
        "Homicide <second> & more",
    ]
    assert [texts(r, "td") for r in bodies[1].findall("tr")[1:]] == [
        ["Reducing", "5th/8 MSG (similar to MSG average rates)"],
        ["Increasing <b>&</b>", "Not available"],
    ]
    assert texts(bodies[0], "tr/td")[2:] == ["Not available", "Not applicable <i>"]
    assert bodies[0].find("tr/th").get("colspan") == "3"


def test_summary_table_without_sections_has_one_body():
    table = parse(measures_summary_table(SUMMARY.drop(columns="section"), caption="c"))
    assert len(table.findall("tbody")) == 1
    assert table.find(".//th[@scope='rowgroup']") is None
    assert len(table.findall("tbody/tr")) == 4


def test_summary_table_missing_column_is_named():
    with pytest.raises(ValueError, match=r"missing column.*benchmark"):
        measures_summary_table(SUMMARY.drop(columns="benchmark"), caption="c")


# ----- disclosure ------------------------------------------------------------------------------
def test_disclosure_suppresses_one_to_four_only():
    frame = pd.DataFrame({"district": list("ABCDEFG"), "count": [0, 1, 4, 5, 12, np.nan, 2]})
    out = disclosure_suppress(frame, ["count"], 5)
    assert list(out["count"].iloc[:5]) == [0, "<5", "<5", 5, 12]
    assert pd.isna(out["count"].iloc[5]) and out["count"].iloc[6] == "<5"
    assert list(frame["count"].iloc[:3]) == [0, 1, 4]  # the input is not changed
    table = parse(data_table(out, caption="By district"))
    assert texts(table, "tbody/tr/td")[:4] == ["0", "<5", "<5", "5"]


def test_disclosure_threshold_and_marker_are_parameters():
    frame = pd.DataFrame({"a": [3, 9, 10], "b": [1, 2, 3]})
    out = disclosure_suppress(frame, ["a"], 10, marker="[c]")
    assert list(out["a"]) == ["[c]", "[c]", 10]
    assert list(out["b"]) == [1, 2, 3]  # only the named columns
    assert list(disclosure_suppress(frame, ["a", "b"], 1)["b"]) == [1, 2, 3]


def test_disclosure_errors():
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(ValueError, match=r"no column.*'count'"):
        disclosure_suppress(frame, ["count"], 5)
    with pytest.raises(ValueError, match="min_count"):
        disclosure_suppress(frame, ["a"], 0)


def test_one_unit_formats_values_not_row_headers():
    frame = pd.DataFrame({"Rank": [1, 2], "Kent": [7.81, 12.0]})
    table = parse(data_table(frame, caption="c", unit="percent"))
    assert texts(table, "tbody/tr/th") == ["1", "2"]
    assert texts(table, "tbody/tr/td") == ["7.8%", "12.0%"]
