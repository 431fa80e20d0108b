import base64
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import matplotlib
import numpy as np
import pandas as pd
import pytest

from helpers.present.charts import MAX_PERIOD_LABELS, PALETTE, SERIES_STYLES, Chart, trend_chart

SVG = "{http://www.w3.org/2000/svg}"
TITLE = "Homicide - 12 Month Rolling Rates per 1000 Residents"
FORCE = "Avon and Somerset"


def quarterly(force, comparator=None, national=None, end="2024-03"):
    last = pd.Period(end, freq="M")
    periods = [last - 3 * (len(force) - 1 - i) for i in range(len(force))]
    frame = pd.DataFrame({"period": periods, "force_value": force})
    if comparator is not None:
        frame["comparator_value"] = comparator
    if national is not None:
        frame["national_value"] = national
    return frame


RISING = quarterly(list(np.linspace(0.012, 0.016, 13)), [0.011] * 13, [0.010] * 13)


def chart(series=RISING, **kwargs) -> Chart:
    options = {"title": TITLE, "unit": "rate_per_1000", "force_name": FORCE, **kwargs}
    return trend_chart(series, **options)


@pytest.fixture(scope="module")
def rising() -> Chart:
    return chart(relation="above")


def svg_root(c: Chart) -> ET.Element:
    return ET.fromstring(c.svg.encode("utf-8"))


def series_groups(c: Chart) -> dict[str, ET.Element]:
    return {
        g.get("id"): g
        for g in svg_root(c).iter(f"{SVG}g")
        if (g.get("id") or "").startswith("series-")
    }


def line_style(group: ET.Element) -> dict[str, str]:
    """The CSS of the group's drawn line (the path with no fill)."""
    for path in group.iter(f"{SVG}path"):
        style = dict(
            part.strip().split(": ", 1) for part in (path.get("style") or "").split(";") if part
        )
        if style.get("fill") == "none" and "stroke" in style:
            return style
    raise AssertionError("no line in group")


# ----- the SVG ---------------------------------------------------------------------------------
def test_svg_parses_and_has_the_three_series_with_their_dash_styles(rising):
    groups = series_groups(rising)
    assert sorted(groups) == ["series-comparator", "series-force", "series-national"]
    force = line_style(groups["series-force"])
    comparator = line_style(groups["series-comparator"])
    national = line_style(groups["series-national"])
    assert "stroke-dasharray" not in force  # solid
    assert len(comparator["stroke-dasharray"].split(",")) == 2  # dashed
    assert len(national["stroke-dasharray"].split(",")) == 4  # dash-dot
    assert force["stroke"] == PALETTE["blue"].lower()
    assert comparator["stroke"] == PALETTE["vermillion"].lower()
    assert national["stroke"] == PALETTE["black"].lower()


def test_each_series_has_its_own_marker(rising):
    markers = {}
    for name, group in series_groups(rising).items():
        uses = list(group.iter(f"{SVG}use"))
        assert uses, f"{name} has no markers"
        markers[name] = {u.get("{http://www.w3.org/1999/xlink}href") for u in uses}
    assert len(set.union(*markers.values())) == 3


def test_text_stays_text_in_a_generic_sans_serif(rising):
    root = svg_root(rising)
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert TITLE in texts
    assert "Rate per 1,000 residents" in texts
    assert {"Mar 2024", FORCE, "MSG average", "England and Wales"} <= set(texts)
    families = [
        re.search(r"font-family: ([^;]+)", t.get("style")).group(1) for t in root.iter(f"{SVG}text")
    ]
    assert families and all(f.split(", ")[-1] == "sans-serif" for f in families)
    assert "DejaVuSans-" not in rising.svg  # glyphs are not drawn as paths


def test_svg_is_self_contained(rising):
    assert "<!DOCTYPE" not in rising.svg
    assert "<script" not in rising.svg
    for element in svg_root(rising).iter():
        for name, value in element.attrib.items():
            if name.endswith("href"):
                assert value.startswith("#"), f"external reference {value}"
    assert "url(http" not in rising.svg


def test_same_input_gives_the_same_bytes(rising):
    assert chart().svg == rising.svg
    assert chart().svg.encode() == rising.svg.encode()


def test_chart_size_is_about_8_by_3_6_inches(rising):
    root = svg_root(rising)
    assert root.get("width") == "576pt" and root.get("height") == "259.2pt"


def test_period_labels_are_readable_and_few():
    monthly = pd.DataFrame(
        {
            "period": pd.period_range("2019-04", "2024-03", freq="M"),
            "force_value": np.linspace(50, 60, 60),
        }
    )
    c = chart(monthly, unit="count", comparator_label=None)
    labels = [
        "".join(t.itertext())
        for t in svg_root(c).iter(f"{SVG}text")
        if re.fullmatch(r"[A-Z][a-z]{2} \d{4}", "".join(t.itertext()))
    ]
    assert "Mar 2024" in labels
    assert 3 <= len(labels) <= MAX_PERIOD_LABELS


def test_absent_or_empty_comparator_and_national_are_not_drawn():
    frame = RISING.assign(comparator_value=np.nan).drop(columns="national_value")
    c = chart(frame)
    assert sorted(series_groups(c)) == ["series-force"]
    assert list(c.data.columns) == ["Period ending", FORCE]
    assert "MSG average is not available" in c.alt_text
    c = chart(comparator_label=None, show_national=False)
    assert sorted(series_groups(c)) == ["series-force"]


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="no force values"):
        chart(RISING.assign(force_value=np.nan))
    with pytest.raises(ValueError, match="'force_value'"):
        chart(RISING.drop(columns="force_value"))
    with pytest.raises(ValueError, match="unknown unit"):
        chart(unit="per_1000")


def test_global_matplotlib_state_is_left_alone():
    before = dict(matplotlib.rcParams)
    chart()
    assert dict(matplotlib.rcParams) == before
    code = (
        "import sys, matplotlib, pandas as pd\n"
        "from helpers.present.charts import trend_chart\n"
        "s = pd.DataFrame({'period': pd.period_range('2023-03', '2024-03', freq='M'),"
        " 'force_value': range(13)})\n"
        "trend_chart(s, title='t', unit='count', force_name='f')\n"
        "plt = sys.modules.get('matplotlib.pyplot')\n"
        "print(len(plt.get_fignums()) if plt else 0, matplotlib.rcParams._get_backend_or_none())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    # seaborn imports pyplot, but the chart never goes through it: no figure left in pyplot's
    # registry and no backend chosen for the notebook.
    assert out.split() == ["0", "None"]


def role_parts(c: Chart, role: str) -> list[ET.Element]:
    """The groups of one role's line, in drawing order: `series-force`, then `series-force-2`...
    when missing values break the line into runs."""
    return [
        g for name, g in series_groups(c).items() if re.fullmatch(f"series-{role}(-\\d+)?", name)
    ]


def subpaths(group: ET.Element) -> list[list[tuple[float, float]]]:
    """The vertices of the group's drawn line, one list per unbroken stretch (M starts one)."""
    for path in group.iter(f"{SVG}path"):
        if "fill: none" in (path.get("style") or ""):
            out: list[list[tuple[float, float]]] = []
            for command, x, y in re.findall(r"([ML]) ([-\d.]+) ([-\d.]+)", path.get("d") or ""):
                if command == "M":
                    out.append([])
                out[-1].append((float(x), float(y)))
            return out
    raise AssertionError("no line in group")


def marker_points(group: ET.Element) -> list[tuple[float, float]]:
    return [(float(u.get("x")), float(u.get("y"))) for u in group.iter(f"{SVG}use")]


def test_a_missing_value_leaves_a_gap_not_a_line_across_it():
    force = [0.012, 0.013, np.nan, 0.014, 0.015, np.nan, np.nan, 0.016]
    comparator = [0.011, np.nan, 0.0112, 0.0113, 0.0114, 0.0113, 0.0112, 0.0115]
    c = chart(quarterly(force, comparator, [0.010] * 8))
    step = None
    for role, values in (("force", force), ("comparator", comparator), ("national", [0.01] * 8)):
        stretches = [s for g in role_parts(c, role) for s in subpaths(g)]
        # One stretch per unbroken run of values, each with exactly that run's points.
        runs = [len(r) for r in "".join("x" if v == v else " " for v in values).split()]
        assert [len(s) for s in stretches] == runs, role
        xs = [x for s in stretches for x, _ in s]
        assert xs == sorted(xs), role
        if role == "national":  # no gap: the distance between two quarters
            step = xs[1] - xs[0]
    for role in ("force", "comparator"):
        stretches = [s for g in role_parts(c, role) for s in subpaths(g)]
        for s in stretches:
            widths = np.diff([x for x, _ in s])
            assert np.allclose(widths, step), f"{role}: a line joins points across a gap"
        # Every point drawn has its marker, in the role's colour, not seaborn's white outline.
        colour = SERIES_STYLES[role].colour.lower()
        points = [p for g in role_parts(c, role) for p in marker_points(g)]
        assert sorted(points) == sorted(p for s in stretches for p in s)
        for g in role_parts(c, role):
            for use in g.iter(f"{SVG}use"):
                style = dict(part.split(": ", 1) for part in use.get("style").split("; "))
                assert (style["fill"], style["stroke"]) == (colour, colour)


def test_markers_keep_their_spacing_across_a_gap_and_the_latest_point_has_one():
    values = np.linspace(40.0, 70.0, 30)
    values[[11, 12, 20]] = np.nan
    monthly = pd.DataFrame(
        {"period": pd.period_range("2021-10", "2024-03", freq="M"), "force_value": values}
    )
    c = chart(monthly, unit="count", comparator_label=None)
    parts = role_parts(c, "force")
    assert [g.get("id") for g in parts] == ["series-force", "series-force-2", "series-force-3"]
    # The points drawn, in period order, against their positions in the series.
    drawn = [p for g in parts for s in subpaths(g) for p in s]
    positions = [i for i, v in enumerate(values) if not np.isnan(v)]
    assert len(drawn) == len(positions)
    step = math.ceil(30 / 13)  # at most 13 markers on a line
    wanted = [p for p, i in zip(drawn, positions, strict=True) if (29 - i) % step == 0]
    assert [p for g in parts for p in marker_points(g)] == wanted
    assert wanted[-1] == drawn[-1]


# ----- colours ---------------------------------------------------------------------------------
def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_palette_is_okabe_ito_and_lines_have_3_to_1_contrast_on_white():
    assert set(PALETTE.values()) == {
        "#000000",
        "#E69F00",
        "#56B4E9",
        "#009E73",
        "#F0E442",
        "#0072B2",
        "#D55E00",
        "#CC79A7",
    }
    for role, style in SERIES_STYLES.items():
        contrast = 1.05 / (_luminance(style.colour) + 0.05)
        assert contrast >= 3, f"{role} line contrast {contrast:.2f} < 3:1 (WCAG 1.4.11)"
    assert len({s.marker for s in SERIES_STYLES.values()}) == 3
    assert len({str(s.dashes) for s in SERIES_STYLES.values()}) == 3


# ----- alt text and data -----------------------------------------------------------------------
def test_alt_text_rising(rising):
    assert rising.alt_text == (
        "Avon and Somerset's 12-month rolling rate rose from 0.015 to 0.016 per 1,000 residents "
        "over the 12 months to March 2024, above the MSG average of 0.011. "
        "England and Wales: 0.010."
    )


def test_alt_text_falling_and_flat():
    falling = chart(
        quarterly([9.0, 8.0, 7.5, 7.0, 6.0], [6.5] * 5), unit="percent", relation="below"
    )
    assert "fell from 9.0% to 6.0%" in falling.alt_text
    assert "below the MSG average of 6.5%" in falling.alt_text
    flat = chart(quarterly([40.0, 45.0, 50.0, 45.0, 40.0]), unit="count", comparator_label=None)
    assert "was unchanged at 40 over the 12 months to March 2024" in flat.alt_text


def test_data_has_human_headers_and_the_plotted_numbers(rising):
    assert list(rising.data.columns) == ["Period ending", FORCE, "MSG average", "England and Wales"]
    assert rising.data["Period ending"].iloc[-1] == "Mar 2024"
    np.testing.assert_allclose(rising.data[FORCE], RISING["force_value"])
    np.testing.assert_allclose(rising.data["MSG average"], RISING["comparator_value"])


# ----- the HTML --------------------------------------------------------------------------------
class Outline(HTMLParser):
    """Start tags with their attributes, and the text inside a few elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open.append(tag)

    def handle_endtag(self, tag):
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data):
        for tag in ("figcaption", "summary", "caption"):
            if tag in self._open:
                self.text[tag] = self.text.get(tag, "") + data

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.tags if t == tag]


def outline(markup: str) -> Outline:
    parser = Outline()
    parser.feed(markup)
    return parser


def test_html_figure_image_and_data_table(rising):
    markup = rising._repr_html_()
    page = outline(markup)
    assert markup.startswith(
        '<figure class="chart" tabindex="0"><img src="data:image/svg+xml;base64,'
    )
    (img,) = page.all("img")
    assert img["alt"] == rising.alt_text and img["alt"].strip()
    assert base64.b64decode(img["src"].split(",", 1)[1]).decode() == rising.svg
    assert page.text["figcaption"] == TITLE
    assert [a.get("class") for a in page.all("details")] == ["chart-data"]
    assert page.text["summary"] == f"Data table: {TITLE}"
    assert page.text["caption"] == f"{TITLE} (per 1,000 residents)"
    assert [a.get("class") for a in page.all("table")] == ["data-table short"]
    row_headers = [a for a in page.all("th") if a.get("scope") == "row"]
    assert len(row_headers) == len(RISING)
    assert len(page.all("tr")) == len(RISING) + 1
    assert "<script" not in markup


def test_html_escapes_title_and_alt():
    c = chart(title='Rape <b>"charges"</b> & summons', force_name='O"Brien <x>')
    markup = c._repr_html_()
    assert "<b>" not in markup
    page = outline(markup)
    assert page.text["figcaption"] == 'Rape <b>"charges"</b> & summons'
    assert page.all("img")[0]["alt"] == c.alt_text


def test_data_table_snapshot(snapshot):
    c = chart(quarterly([0.0123, 0.0131, np.nan, 0.0162], [0.011] * 4, [np.nan, 0.01, 0.01, 0.01]))
    assert c.data_table_html() == snapshot


def y_tick_labels(c: Chart) -> list[str]:
    (axis,) = [g for g in svg_root(c).iter(f"{SVG}g") if g.get("id") == "matplotlib.axis_2"]
    labels = ["".join(t.itertext()) for t in axis.iter(f"{SVG}text")]
    return [label for label in labels if re.fullmatch(r"[\d.,]+%?", label)]


def test_y_ticks_share_one_number_of_decimals_and_show_the_unit():
    rates = y_tick_labels(chart(quarterly([0.008, 0.0125, 0.01, 0.011])))
    assert len(rates) >= 3
    assert len({len(label.split(".")[1]) for label in rates}) == 1, rates
    assert rates[0] == "0." + "0" * len(rates[1].split(".")[1])  # the axis starts at zero
    percents = y_tick_labels(chart(quarterly([70.0, 75.0, 78.0]), unit="percent"))
    assert all(label.endswith("%") for label in percents) and percents[0] == "0%"
    counts = y_tick_labels(chart(quarterly([1200.0, 1500.0]), unit="count", comparator_label=None))
    assert "1,500" in counts and all("." not in label for label in counts)


def test_a_notebook_style_does_not_change_the_chart(rising):
    with matplotlib.rc_context(
        {"lines.linewidth": 9, "axes.facecolor": "#ff0000", "font.size": 20, "svg.hashsalt": "x"}
    ):
        styled = chart()
    assert styled.svg == rising.svg


# ----- funnel plots ----------------------------------------------------------------------------
FUNNEL_NAMES = [
    "London, City of",
    "Force A",
    "Force B",
    FORCE,
    "Kent",
    "Essex",
    "Force C",
    "Force D",
    "Force E",
    "Force F",
]
FUNNEL_RATES = [30.0, 1.4, 1.9, 2.2, 1.6, 2.6, 1.7, 1.2, 1.8, 1.65]
FUNNEL_POPULATIONS = [
    15_000.0,
    500_000,
    700_000,
    1_800_000,
    1_900_000,
    1_850_000,
    1_000_000,
    2_800_000,
    1_300_000,
    9_000_000,
]


def funnel_result():
    from helpers.core.forces import ENGLAND_AND_WALES
    from helpers.stats.funnel import funnel_analysis

    counts = [r * p / 1000 for r, p in zip(FUNNEL_RATES, FUNNEL_POPULATIONS, strict=True)]
    frame = pd.DataFrame(
        {
            "force": [*FUNNEL_NAMES, ENGLAND_AND_WALES],
            "count": [*counts, sum(counts)],
            "denominator": [*FUNNEL_POPULATIONS, sum(FUNNEL_POPULATIONS)],
        }
    )
    return funnel_analysis(
        frame,
        measure_id="theft_from_person",
        title="Theft from the person (rate per 1,000 residents)",
        unit="rate_per_1000",
        force=FORCE,
        group=[FORCE, "Kent", "Essex"],
        period_label="year ending March 2025",
    )


@pytest.fixture(scope="module")
def funnel() -> Chart:
    from helpers.present.charts import funnel_chart

    return funnel_chart(funnel_result())


def _groups(c: Chart, prefix: str) -> dict[str, ET.Element]:
    return {
        g.get("id"): g
        for g in svg_root(c).iter(f"{SVG}g")
        if (g.get("id") or "").startswith(prefix)
    }


def _path_styles(group: ET.Element) -> list[dict[str, str]]:
    out = []
    for path in group.iter(f"{SVG}path"):
        style = dict(
            part.strip().split(": ", 1) for part in (path.get("style") or "").split(";") if part
        )
        out.append({**style, "d": path.get("d") or ""})
    return out


def test_funnel_svg_has_centre_line_and_both_limits_told_apart_without_colour(funnel):
    lines = _groups(funnel, "funnel-")
    for wanted in ("centre", "lower-95", "upper-95", "lower-998", "upper-998"):
        assert f"funnel-{wanted}" in lines, wanted
    centre = line_style(lines["funnel-centre"])
    limit95 = line_style(lines["funnel-upper-95"])
    limit998 = line_style(lines["funnel-upper-998"])
    assert "stroke-dasharray" not in centre
    assert limit95["stroke-dasharray"] != limit998["stroke-dasharray"]
    assert line_style(lines["funnel-lower-95"])["stroke-dasharray"] == limit95["stroke-dasharray"]


def test_funnel_points_the_force_and_its_group_by_shape_and_colour(funnel):
    groups = _groups(funnel, "funnel-points-")
    assert sorted(groups) == ["funnel-points-force", "funnel-points-others"]
    # One point, drawn last (on top): a marker defined once and used, its fill on the use.
    (mine,) = _path_styles(groups["funnel-points-force"])
    (use,) = groups["funnel-points-force"].iter(f"{SVG}use")
    assert "fill: #0072b2" in use.get("style")
    assert PALETTE["blue"].lower() == "#0072b2"
    others = _path_styles(groups["funnel-points-others"])
    msg = [p for p in others if p["fill"] == PALETTE["vermillion"].lower()]
    rest = [p for p in others if p["fill"] == "#ffffff"]
    # Kent and Essex in the group; 6 other forces (City of London is off the scale).
    assert len(msg) == 2 and len(rest) == 6
    # Shapes: other forces are circles (curves), the group squares, the force a diamond.
    assert all(" C " in f" {p['d']} " or "\nC " in p["d"] for p in rest)
    assert not any("C " in p["d"] for p in msg) and "C " not in mine["d"]
    assert all(p["stroke"] in ("#000000", "#1a1a1a") for p in [*others, mine])


def test_funnel_leaves_a_tiny_force_far_above_the_rest_off_the_chart_and_names_it(funnel):
    # The City of London (15,000 residents, 30 per 1,000): drawn, it would stretch the
    # population axis two decades to the left of every other force.
    assert not _groups(funnel, "funnel-off-scale")
    texts = ["".join(t.itertext()) for t in svg_root(funnel).iter(f"{SVG}text")]
    assert not any("London, City of" in t for t in texts)
    assert (
        "London, City of (15,000 residents, 30.00 per 1,000 residents) is off the chart, far "
        "above every other force: above the upper 99.8% limit."
    ) in funnel.alt_text


def test_funnel_draws_a_force_far_above_the_rest_at_the_edge_and_names_it():
    from helpers.present.charts import funnel_chart

    result = funnel_result()
    points = result.points.set_index("force")
    points.loc["Force C", "rate"] = 30.0  # 1,000,000 residents: inside the population range
    result.points = points.reset_index()
    chart = funnel_chart(result)
    assert "funnel-off-scale-0" in _groups(chart, "funnel-off-scale")
    texts = ["".join(t.itertext()) for t in svg_root(chart).iter(f"{SVG}text")]
    assert "Force C: 30.00 (off the scale)" in texts
    assert "Force C is above the top of the chart, drawn at its edge." in chart.alt_text


def test_funnel_axes_legend_and_log_population_scale(funnel):
    texts = {"".join(t.itertext()) for t in svg_root(funnel).iter(f"{SVG}text")}
    assert {"Population (log scale)", "Rate per 1,000 residents", "1 million"} <= texts
    assert {"England and Wales rate", "95% limits", "99.8% limits"} <= texts
    assert {"Other forces", "Most similar group", FORCE} <= texts
    assert funnel.title == (
        "Theft from the person - Funnel Plot of All Forces, year ending March 2025"
    )
    # The title is wrapped to the drawing's width: its lines, joined, are the title.
    lines = [
        "".join(t.itertext())
        for t in svg_root(funnel).iter(f"{SVG}text")
        if "".join(t.itertext()) and funnel.title.find("".join(t.itertext())) >= 0
    ]
    assert " ".join(lines[:2]) == funnel.title or funnel.title in lines


def test_funnel_alt_text_and_data_table_come_from_the_numbers(funnel):
    result = funnel_result()
    mine = result.points.set_index("force").loc[FORCE]
    assert f"{FORCE}'s rate of 2.20 per 1,000 residents is within the 95% limits" in (
        funnel.alt_text
    )
    assert "around the England and Wales rate of" in funnel.alt_text
    assert "outside the 99.8% limits after allowing for overdispersion" in funnel.alt_text
    assert list(funnel.data.columns)[:5] == [
        "Force",
        "Group",
        "Offences (12 months)",
        "Population",
        "Rate per 1,000 residents",
    ]
    row = funnel.data.set_index("Force").loc[FORCE]
    assert row["Rate per 1,000 residents"] == pytest.approx(2.2)
    assert row["Upper 95% limit"] == pytest.approx(mine["upper_95"])
    html_table = funnel.data_table_html()
    assert '<th scope="row">Avon and Somerset</th>' in html_table
    assert ">1,800,000<" in html_table  # populations as counts, with separators
    assert ">3,960<" in html_table  # 2.2 per 1,000 of 1.8 million
    assert '<details class="chart-data">' in funnel.to_html()


def test_funnel_same_input_same_bytes_and_global_state_left_alone(funnel):
    from helpers.present.charts import funnel_chart

    before = dict(matplotlib.rcParams)
    again = funnel_chart(funnel_result())
    assert again.svg == funnel.svg
    assert dict(matplotlib.rcParams) == before
    assert "<script" not in funnel.svg and "<!DOCTYPE" not in funnel.svg


@pytest.mark.parametrize("length", [40, 95, 160])
def test_a_long_title_is_wrapped_inside_the_drawing(length):
    from matplotlib.text import Text

    from helpers.present.charts.figure import chart_axes, style_axes, svg_text

    words = "Stop and Search Disproportionality (Black to White) - 12 Month Rolling Rate Ratio "
    title = (words * 3)[:length].strip()
    with chart_axes((8.0, 3.6)) as (fig, ax):
        ax.set_ylabel("Rate per 1,000 residents")
        ax.plot([0, 1], [1000000, 2000000])
        style_axes(ax, title)
        svg_text(fig, title)  # lays the figure out, as the report saves it
        renderer = fig.canvas.get_renderer()
        shown = ax.get_title(loc="left")
        (text,) = [t for t in ax.get_children() if isinstance(t, Text) and t.get_text() == shown]
        box, drawing = text.get_window_extent(renderer), fig.bbox
    # Matplotlib's own measure of the drawn text: inside the figure on every side.
    assert drawing.x0 <= box.x0 and box.x1 <= drawing.x1
    assert drawing.y0 <= box.y0 and box.y1 <= drawing.y1
    assert shown.replace("\n", " ") == title
    assert shown.count("\n") == (0 if length <= 40 else 1 if length <= 95 else 2)


def test_the_quarters_the_trend_test_used_are_shaded_and_an_exceptional_one_ringed():
    tested = tuple(RISING["period"].iloc[2:])  # the last 11 of the 13 quarter ends
    marked = chart(tested=tested, exceptional=RISING["period"].iloc[6])
    ids = {g.get("id") for g in svg_root(marked).iter(f"{SVG}g")}
    assert {"trend-test-quarters", "exceptional-quarter"} <= ids
    # The band: from the first tested quarter's first month to the last quarter end.
    band = next(g for g in svg_root(marked).iter(f"{SVG}g") if g.get("id") == "trend-test-quarters")
    assert band.find(f"{SVG}path") is not None
    assert "The shaded band marks the quarters the trend test used" in marked.alt_text
    assert "ringed point" in marked.alt_text
    plain = chart()
    plain_ids = {g.get("id") for g in svg_root(plain).iter(f"{SVG}g")}
    assert "trend-test-quarters" not in plain_ids and "shaded" not in plain.alt_text
    # The data table is the same: the chart still draws every quarter.
    pd.testing.assert_frame_equal(marked.data, plain.data)


# ----- a count and its rate on one chart (rape charges/summons) ----------------------------------
def _volume_and_rate() -> pd.DataFrame:
    # A force's 12-month count of about 100 and its rate of 5-9%, England and Wales about 8%: on
    # one axis with England and Wales's count (thousands) the force's bars would lie at zero.
    frame = quarterly(
        list(np.linspace(5.0, 9.0, 13)), list(np.linspace(6.0, 7.0, 13)), [8.0] * 13, "2025-03"
    )
    frame["volume"] = np.linspace(80, 120, 13).round()
    return frame


def test_a_count_and_its_rate_are_drawn_on_their_own_axes_with_all_text_inside(monkeypatch):
    import importlib

    from matplotlib.text import Text

    from helpers.present.charts import volume_rate_chart

    module = importlib.import_module("helpers.present.charts.trend_chart")

    measured = {}
    save = module.svg_text

    def record(fig, title):
        svg = save(fig, title)  # lays the figure out, as the report saves it
        renderer = fig.canvas.get_renderer()
        # Matplotlib's own measure of everything it draws (text, ticks, legend), in inches.
        drawn, drawing = fig.get_tightbbox(renderer), fig.bbox_inches
        measured["inside"] = (
            drawing.x0 <= drawn.x0 and drawn.x1 <= drawing.x1
            and drawing.y0 <= drawn.y0 and drawn.y1 <= drawing.y1
        )  # fmt: skip
        measured["texts"] = {t.get_text() for t in fig.findobj(Text) if t.get_text().strip()}
        measured["axes"] = list(fig.axes)
        return svg

    monkeypatch.setattr(module, "svg_text", record)
    series = _volume_and_rate()
    drawn = volume_rate_chart(
        series,
        title="Rape Charge/Summons - 12 Month Rolling Volume and Rate",
        unit="percent",
        force_name=FORCE,
        volume_label="Rape charge/summons",
        relation="above",
        tested=tuple(series["period"].iloc[1:]),
    )
    bars_axes, rate_axes = measured["axes"]
    # The count: one bar per quarter on the left axis, on its own scale from zero.
    heights = [p.get_height() for p in bars_axes.patches if p.get_gid() == "series-volume"]
    assert heights == list(series["volume"])
    assert bars_axes.get_ylim()[0] == 0 and 120 <= bars_axes.get_ylim()[1] < 200
    assert bars_axes.get_ylabel() == "Number"
    # The rate: the force, its MSG average and England and Wales as lines on the right axis.
    lines = {ln.get_gid(): list(ln.get_ydata()) for ln in rate_axes.get_lines() if ln.get_gid()}
    assert lines["series-force"] == list(series["force_value"])
    assert lines["series-comparator"] == list(series["comparator_value"])
    assert lines["series-national"] == list(series["national_value"])
    assert rate_axes.yaxis.get_label_position() == "right" and "%" in rate_axes.get_ylabel()
    assert rate_axes.get_ylim()[1] < 20  # the rate's scale, not the count's
    assert measured["inside"], "something drawn falls outside the drawing"
    assert {"Number", "Percentage (%)", "Rape charge/summons (number, left axis)"} <= set(
        measured["texts"]
    )
    # In the SVG too: the bars and the three lines, each named.
    ids = {g.get("id") for g in svg_root(drawn).iter(f"{SVG}g")}
    assert {"series-force", "series-comparator", "series-national"} <= ids
    assert sum(1 for g in svg_root(drawn).iter(f"{SVG}g") if g.get("id") == "series-volume") == 13
    # Both measures' numbers in the chart's table (report.ods), each column with its unit.
    assert list(drawn.data.columns) == [
        "Period ending", "Rape charge/summons", FORCE, "MSG average", "England and Wales"
    ]  # fmt: skip
    assert list(drawn.data["Rape charge/summons"]) == list(series["volume"])
    sheet = drawn.sheet_table()
    assert sheet.columns[1] == "Rape charge/summons" and sheet.columns[2].endswith("(%)")
    # Each measure described from its own numbers: a year before the last quarter (index 8 of 13)
    # the count was 80 + 40 * 8/12 = 106.7 (107) and the rate 5 + 4 * 8/12 = 7.67%.
    assert "count of rape charge/summons rose from 107 to 120" in drawn.alt_text
    assert "percentage rose from 7.7% to 9.0%" in drawn.alt_text


def test_a_legend_too_long_for_one_row_wraps_inside_the_drawing():
    """Four entries (the force, its group, England and Wales and the trend test's quarters) do
    not fit one row of a trend chart: the legend takes fewer columns rather than run past the
    drawing's edges (Matplotlib's own measure after the figure is laid out)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from helpers.present.charts.figure import chart_axes, legend_below, svg_text

    labels = ["Avon and Somerset", "MSG average (8 forces)", "England and Wales"]
    with chart_axes((8.0, 3.6)) as (fig, ax):
        ax.plot([0, 1], [0, 1])
        handles = [Line2D([], [], label=label) for label in labels]
        handles.append(Patch(label="Quarters in the trend test"))
        legend_below(fig, handles, len(handles))
        svg_text(fig, "legend")  # lays the figure out, as the report saves it
        (legend,) = fig.legends
        box, drawing = legend.get_window_extent(fig.canvas.get_renderer()), fig.bbox
        assert drawing.x0 <= box.x0 and box.x1 <= drawing.x1
        assert drawing.y0 <= box.y0 and box.y1 <= drawing.y1
        assert legend._ncols < len(handles)
        assert [t.get_text() for t in legend.get_texts()] == [*labels, "Quarters in the trend test"]
