"""helpers.present.charts.funnel_plot, measured on the drawn SVG: the force's label covers no
point and not the centre line (issue 19, point 9), and the population axis starts near the
smallest force drawn, not two decades to its left."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from helpers.core.forces import ENGLAND_AND_WALES

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _funnel(rates, populations, force, *, names=None, group=()):
    from helpers.stats.funnel import funnel_analysis

    names = names or [f"Force {i:02d}" for i in range(len(rates))]
    counts = [r * p / 1000 for r, p in zip(rates, populations, strict=True)]
    frame = pd.DataFrame(
        {
            "force": [*names, ENGLAND_AND_WALES],
            "count": [*counts, sum(counts)],
            "denominator": [*populations, sum(populations)],
        }
    )
    return funnel_analysis(
        frame,
        measure_id="vehicle_offences",
        title="Vehicle offences (rate per 1,000 residents)",
        unit="rate_per_1000",
        force=force,
        group=group,
        period_label="year ending March 2025",
    )


def _box(numbers: list[float]) -> tuple[float, float, float, float]:
    xs, ys = numbers[0::2], numbers[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def _path_box(d: str) -> tuple[float, float, float, float]:
    return _box([float(n) for n in NUMBER.findall(d)])


def _geometry(svg: str, force: str):
    """From the SVG as drawn: the label's white box (the text naming the force on a white
    box: the legend's has none), every point's marker box (its edge included) and the centre
    line's y and half width, in the SVG's own units."""
    root = ET.fromstring(svg.encode("utf-8"))
    markers = {p.get("id"): p for p in root.iter(f"{SVG}path") if p.get("id")}
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}

    def white(group):
        return [p for p in group.iter(f"{SVG}path") if "fill: #ffffff" in (p.get("style") or "")]

    (label,) = [
        g
        for g in groups.values()
        if [("".join(t.itertext())) for t in g.findall(f"{SVG}text")] == [force] and white(g)
    ]
    texts = ["".join(t.itertext()) for t in label.iter(f"{SVG}text")]
    (patch,) = white(label)
    label_box = _path_box(patch.get("d"))
    points = _point_boxes(groups, markers)
    centre = groups["funnel-centre"]
    (line,) = list(centre.iter(f"{SVG}path"))
    ys = {round(float(v), 4) for v in NUMBER.findall(line.get("d"))[1::2]}
    assert len(ys) == 1, "the centre line is level"
    width = float(re.search(r"stroke-width: ([\d.]+)", line.get("style")).group(1))
    return texts, label_box, points, ys.pop(), width / 2


def _point_boxes(groups, markers) -> list[tuple[float, float, float, float]]:
    """Every force's marker as drawn, its edge included: a marker used at a point (<use>), or
    a path of its own (seaborn draws points of several shapes so)."""
    boxes = []
    for name, group in groups.items():
        if not name.startswith("funnel-points-"):
            continue
        for element in group.iter():
            if element.tag == f"{SVG}use":
                x0, y0, x1, y1 = _path_box(markers[element.get(XLINK).lstrip("#")].get("d"))
                x, y = float(element.get("x")), float(element.get("y"))
            elif element.tag == f"{SVG}path" and element.get("id") is None:
                (x0, y0, x1, y1), x, y = _path_box(element.get("d")), 0.0, 0.0
            else:
                continue
            edge = float(re.search(r"stroke-width: ([\d.]+)", element.get("style")).group(1)) / 2
            boxes.append((x + x0 - edge, y + y0 - edge, x + x1 + edge, y + y1 + edge))
    return boxes


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _check_label(result) -> None:
    from helpers.present.charts import funnel_chart

    chart = funnel_chart(result)
    texts, label, points, centre_y, half = _geometry(chart.svg, result.force)
    assert texts == [result.force]
    covered = [p for p in points if _overlaps(label, p)]
    assert len(points) == len(result.points)
    assert not covered, f"the label {label} covers points {covered}"
    assert not (label[1] < centre_y + half and centre_y - half < label[3]), (
        f"the label {label} covers the centre line at y = {centre_y}"
    )


POPULATIONS = list(np.geomspace(500_000, 9_000_000, 30))


def test_the_label_is_not_drawn_over_the_force_just_up_and_to_its_right():
    """Force 10 sits where the label used to go (8 points right, 6 up): the label goes
    elsewhere."""
    rates = [6.0 + 0.8 * math.sin(i) for i in range(30)]
    rates[10], rates[11] = 4.6, 4.72
    _check_label(_funnel(rates, POPULATIONS, "Force 10"))


def test_the_label_is_not_drawn_over_the_centre_line_just_above_the_force():
    rates = [6.0 + 0.8 * math.sin(i) for i in range(30)]
    target = sum(r * p for r, p in zip(rates, POPULATIONS, strict=True)) / sum(POPULATIONS)
    rates[5] = target * 0.985  # just below the line: a label above the point would cross it
    _check_label(_funnel(rates, POPULATIONS, "Force 05"))


@pytest.mark.parametrize("seed", range(12))
def test_the_label_covers_no_point_and_not_the_centre_line_in_crowded_plots(seed):
    rng = np.random.default_rng(seed)
    populations = list(np.exp(rng.uniform(math.log(450_000), math.log(3_500_000), 43)))
    populations[0] = 9_000_000.0
    rates = list(6.0 * (1 + 0.15 * rng.standard_normal(43)))
    _check_label(_funnel(rates, populations, f"Force {int(rng.integers(43)):02d}"))


def _axes_and_points(svg: str):
    root = ET.fromstring(svg.encode("utf-8"))
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}
    # The plot's area: the white patch at the start of the axes group.
    axes = groups["axes_1"]
    frame = _path_box(next(axes.iter(f"{SVG}path")).get("d"))
    markers = {p.get("id"): p for p in root.iter(f"{SVG}path") if p.get("id")}
    return frame, [(box[0] + box[2]) / 2 for box in _point_boxes(groups, markers)]


def test_the_population_axis_starts_near_the_smallest_force_drawn():
    """A City of London (12,000 residents, a rate many times any other force's) is left off the
    chart and named in the text; the axis no longer stretches from 10,000 to 9 million with
    every other force in its right half."""
    from helpers.present.charts import funnel_chart

    rates = [6.0 + 0.8 * math.sin(i) for i in range(30)] + [80.0]
    names = [f"Force {i:02d}" for i in range(30)] + ["London, City of"]
    result = _funnel(rates, [*POPULATIONS, 12_000.0], "Force 07", names=names)
    chart = funnel_chart(result)
    frame, xs = _axes_and_points(chart.svg)
    width = frame[2] - frame[0]
    assert min(xs) - frame[0] < 0.1 * width  # the smallest force drawn is near the left edge
    assert "London, City of (12,000 residents, 80.00 per 1,000 residents) is off the chart" in (
        chart.alt_text
    )


def test_the_report_force_is_drawn_even_when_it_is_the_tiny_force_far_above_the_rest():
    from helpers.present.charts import funnel_chart
    from helpers.present.charts.funnel_plot import funnel_top, off_chart

    rates = [6.0 + 0.8 * math.sin(i) for i in range(30)] + [80.0]
    names = [f"Force {i:02d}" for i in range(30)] + ["London, City of"]
    result = _funnel(rates, [*POPULATIONS, 12_000.0], "London, City of", names=names)
    at_edge, left_off = off_chart(result, funnel_top(result))
    assert at_edge == ["London, City of"] and left_off == []
    chart = funnel_chart(result)
    assert "is off the chart" not in chart.alt_text
    assert "London, City of is above the top of the chart, drawn at its edge." in chart.alt_text
