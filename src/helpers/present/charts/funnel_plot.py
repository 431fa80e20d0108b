"""Funnel plots: every force's rate against its population, with limits around the England and
Wales rate (`helpers.stats.funnel` computes them; this draws them)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.ticker import Formatter, MaxNLocator

from helpers.present.charts.figure import (
    PALETTE,
    TEXT_COLOUR,
    Chart,
    TickFormatter,
    chart_axes,
    legend_below,
    style_axes,
    svg_text,
)
from helpers.present.formatting import axis_label, format_value, unit_label


@dataclass(frozen=True)
class PointStyle:
    """How one kind of force is drawn on a funnel plot: shape as well as colour."""

    label: str
    colour: str
    marker: str
    size: float
    edge: str


def _funnel_point_styles(force: str) -> dict[str, PointStyle]:
    # Three shapes and three fills, so the force and its group are found without colour; every
    # edge is black or the force's blue, both >= 3:1 against white.
    return {
        "other": PointStyle("Other forces", "#ffffff", "o", 30.0, PALETTE["black"]),
        "msg": PointStyle("Most similar group", PALETTE["vermillion"], "s", 42.0, "#1a1a1a"),
        "force": PointStyle(force, PALETTE["blue"], "D", 80.0, PALETTE["black"]),
    }


# Centre line solid; 95% limits dashed; 99.8% limits dotted: told apart without colour.
FUNNEL_LINES: Mapping[str, tuple[str, Any, float]] = {
    "centre": ("centre", "solid", 1.6),
    "95": ("95% limits", (0, (6, 3)), 1.3),
    "998": ("99.8% limits", (0, (1.5, 2)), 1.5),
}
FUNNEL_FIGURE_SIZE = (8.0, 4.4)
# A point further above the centre line than this many times the chart's natural top is drawn
# at the top edge (a triangle pointing up) instead of squashing every other force to the floor.
_OFF_SCALE_FACTOR = 1.0


def funnel_top(result: Any) -> float:
    """The top of a funnel plot's y axis: the highest point or 99.8% limit at a force's own
    population, leaving out points far above the rest (City of London's rates, per tiny resident
    population, are many times any other force's), with a margin."""
    points = result.points
    rates = points["rate"].to_numpy(dtype=float)
    q1, q3 = np.percentile(rates, [25, 75])
    fence = q3 + 3 * (q3 - q1)
    usual = rates[rates <= max(fence, result.target * 2)]
    limits = points.loc[points["rate"] <= max(fence, result.target * 2), "upper_998"]
    top = max(float(usual.max(initial=0.0)), float(limits.max()), result.target * 1.5)
    return top * 1.08


def off_chart(result: Any, top: float) -> tuple[list[str], list[str]]:
    """(drawn at the top edge, not drawn): the forces whose rate is above the chart's `top`.

    One far above the rest is drawn at the top edge when its population lies within the range
    of the forces on the scale; one smaller than all of them (the City of London: 9,000
    residents, its rates many times any other force's) is not drawn at all, so that the
    population axis starts near the smallest force on the scale instead of stretching two
    decades to the left of every other point. Both are named in the text under the chart. The
    report's own force is always drawn: its page is about it.
    """
    points = result.points
    above = points[points["rate"] > top]
    on_scale = points[(points["rate"] <= top) | (points["role"] == "force")]
    if on_scale.empty:
        return above["force"].tolist(), []
    smallest = float(on_scale["denominator"].min())
    at_edge = above[above["denominator"] >= smallest]["force"].tolist()
    left_off = above[above["denominator"] < smallest]["force"].tolist()
    return at_edge, left_off


def funnel_span(result: Any, top: float) -> tuple[float, float]:
    """The population axis: from just below the smallest force drawn to just above the
    largest (a log scale: 0 has no place on it)."""
    _, left_off = off_chart(result, top)
    drawn = result.points[~result.points["force"].isin(left_off)]["denominator"]
    return float(drawn.min()) * 0.85, float(drawn.max()) * 1.2


def funnel_chart(result: Any) -> Chart:
    """A funnel plot (seaborn on Matplotlib, SVG) of a `helpers.stats.funnel.FunnelResult`.

    Every force's rate against its population (log scale, from near the smallest force drawn),
    the target as the centre line and the 95% and 99.8% limits; the force and its most similar
    group drawn with their own shapes and colours, the force labelled where the label covers
    no point and not the centre line; a force far above the rest drawn at the top edge and
    named, or left off the chart and named in the text (`off_chart`). Alt text from
    `funnel_words.funnel_alt_text`; the data is `funnel.funnel_table`.
    """
    from helpers.present.wording.funnel_words import funnel_alt_text
    from helpers.stats.funnel import funnel_table

    unit = result.unit
    unit_label(unit)
    title = f"{result.title.split(' (')[0]} - Funnel Plot of All Forces, {result.period_label}"
    if not result.period_label:
        title = f"{result.title.split(' (')[0]} - Funnel Plot of All Forces"
    top = funnel_top(result)
    at_edge, left_off = off_chart(result, top)
    alt = funnel_alt_text(result, off_scale=at_edge, left_off=left_off)
    table = funnel_table(result)
    svg = _draw_funnel(result, title=title, top=top, off_scale=at_edge, left_off=left_off)
    return Chart(
        title=title,
        svg=svg,
        alt_text=alt,
        data=table,
        unit=unit,
        column_units=table.attrs["units"],
    )


class _ThousandsFormatter(Formatter):
    def __call__(self, x: float, pos: int | None = None) -> str:
        if x >= 1_000_000:
            text = f"{x / 1_000_000:,.1f}".rstrip("0").rstrip(".")
            return f"{text} million"
        return f"{x:,.0f}"


def _draw_funnel(
    result: Any, *, title: str, top: float, off_scale: list[str], left_off: list[str]
) -> str:
    import seaborn as sns
    from matplotlib.lines import Line2D
    from matplotlib.ticker import LogLocator

    styles = _funnel_point_styles(result.force)
    points = result.points[~result.points["force"].isin(left_off)].copy()
    points["shown"] = np.minimum(points["rate"], top)
    curves = result.limit_curves(span=funnel_span(result, top))
    with chart_axes(FUNNEL_FIGURE_SIZE) as (fig, ax):
        x = curves["denominator"].to_numpy()
        _, centre_dash, centre_width = FUNNEL_LINES["centre"]
        (centre,) = ax.plot(
            x,
            np.full_like(x, result.target),
            color=PALETTE["black"],
            linestyle=centre_dash,
            linewidth=centre_width,
            label=f"{result.target_label[0].upper()}{result.target_label[1:]}",
        )
        centre.set_gid("funnel-centre")
        handles: list[Any] = [centre]
        for key in ("95", "998"):
            label, dash, width = FUNNEL_LINES[key]
            for side in ("lower", "upper"):
                (line,) = ax.plot(
                    x,
                    curves[f"{side}_{key}"].to_numpy(),
                    color=PALETTE["black"],
                    linestyle=dash,
                    linewidth=width,
                    label=label if side == "upper" else None,
                )
                line.set_gid(f"funnel-{side}-{key}")
            handles.append(line)
        # seaborn draws the points, hue and style by role, with our palette and markers; the
        # force last, so that it is never hidden under its neighbours.
        order = [r for r in ("other", "msg", "force") if (points["role"] == r).any()]
        inside = points[~points["force"].isin(off_scale)]
        is_force = inside["role"] == "force"
        layers = {"others": inside[~is_force], "force": inside[is_force]}
        for name, layer in layers.items():
            roles = [r for r in order if (layer["role"] == r).any()]
            if not roles:
                continue
            sns.scatterplot(
                data=layer,
                x="denominator",
                y="shown",
                hue="role",
                style="role",
                size="role",
                hue_order=roles,
                style_order=roles,
                size_order=roles,
                palette={r: styles[r].colour for r in roles},
                markers={r: styles[r].marker for r in roles},
                sizes={r: styles[r].size for r in roles},
                edgecolor=[styles[r].edge for r in layer["role"]],
                linewidth=0.9,
                legend=False,
                zorder=3,
                ax=ax,
            )
            ax.collections[-1].set_gid(f"funnel-points-{name}")
        outliers = points[points["force"].isin(off_scale)]
        for i, row in enumerate(outliers.itertuples(index=False)):
            style = styles[row.role]
            ax.scatter(
                [row.denominator],
                [top],
                marker="^",
                s=style.size,
                color=style.colour,
                edgecolors=style.edge,
                linewidths=0.9,
                zorder=3,
                clip_on=False,
                gid=f"funnel-off-scale-{i}",
            )
            ax.annotate(
                f"{row.force}: {format_value(row.rate, result.unit)} (off the scale)",
                (row.denominator, top),
                xytext=(7, -12),
                textcoords="offset points",
                fontsize=8.5,
                bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"},
                zorder=4,
            )
        for role in order:
            style = styles[role]
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker=style.marker,
                    markersize=math.sqrt(style.size),
                    markerfacecolor=style.colour,
                    markeredgecolor=style.edge,
                    label=style.label,
                )
            )
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(_ThousandsFormatter())
        ax.xaxis.set_minor_formatter(_ThousandsFormatter())
        ax.xaxis.set_minor_locator(LogLocator(base=10, subs=()))
        ax.set_xlim(x[0], x[-1])
        ax.set_ylim(0, top)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, min_n_ticks=3))
        ax.yaxis.set_major_formatter(TickFormatter(result.unit))
        denominator = "Households" if result.denominator_name == "households" else "Population"
        ax.set_xlabel(f"{denominator} (log scale)")
        ax.set_ylabel(axis_label(result.unit))
        style_axes(ax, title)
        legend_below(fig, handles, 3)
        mine = points[points["role"] == "force"]
        if not mine.empty:
            _label_the_force(fig, ax, result, points, styles, curves)
        return svg_text(fig, title)


# Where the force's label may go, in order of preference: (dx, dy) from its point in points,
# and the label's alignment there. Level with the point on its right first (the eye reads on),
# then its left, then the four diagonals; near first (just clear of the force's own diamond),
# further out where the near places are taken.
_LABEL_PLACES = [
    place
    for distance in (1.0, 1.6, 2.4, 3.4, 4.8)
    for place in (
        (12.5 * distance, 0.0, "left", "center"),
        (-12.5 * distance, 0.0, "right", "center"),
        (9.5 * distance, 9.5 * distance, "left", "bottom"),
        (-9.5 * distance, 9.5 * distance, "right", "bottom"),
        (9.5 * distance, -9.5 * distance, "left", "top"),
        (-9.5 * distance, -9.5 * distance, "right", "top"),
    )
]
_LABEL_PAD = 0.15  # of the font size: the white box behind the label
_CLEARANCE = 2.0  # points between the label's box and what it must not cover


def _label_the_force(
    fig: Any, ax: Any, result: Any, points: Any, styles: Mapping[str, PointStyle], curves: Any
) -> None:
    """Name the force beside its point, where the label covers no force's point and not the
    centre line, inside the plot; a thin leader line joins a label set further out.

    The layout is fixed first (the label is kept out of it), so that the places tried are
    where the figure will be drawn; each is measured with the renderer against every point
    (its marker's radius and edge) and the centre line (its width), with `_CLEARANCE` to
    spare. A place that crosses no limit line is preferred among the free ones.
    """
    from matplotlib.transforms import Bbox

    # The layout once, then kept as it is (no engine): the places are measured where the figure
    # will be drawn, and saving it does not lay it out a second time (about 0.4 s a chart).
    fig.get_layout_engine().execute(fig)
    fig.set_layout_engine("none")
    renderer = fig.canvas.get_renderer()
    px = fig.dpi / 72  # pixels per point
    row = points[points["role"] == "force"].iloc[0]
    anchor = (float(row["denominator"]), float(row["shown"]))
    xy = ax.transData.transform(points[["denominator", "shown"]].to_numpy(dtype=float))
    # Each marker's half width as drawn (a diamond reaches further than a circle of its size),
    # its edge and the clearance, in pixels: the points are boxes the label must not touch.
    widths = {role: _marker_half_width(style.marker, style.size) for role, style in styles.items()}
    half = np.array([widths[r] for r in points["role"]])
    half = (half + 0.9 / 2 + _CLEARANCE) * px
    centre_y = ax.transData.transform((anchor[0], result.target))[1]
    _, _, centre_width = FUNNEL_LINES["centre"]
    band = (centre_width / 2 + _CLEARANCE) * px
    limits = np.vstack(
        [
            ax.transData.transform(
                np.column_stack([curves["denominator"], curves[f"{side}_{key}"]])
            )
            for key in ("95", "998")
            for side in ("lower", "upper")
        ]
    )
    inside = ax.get_window_extent(renderer)
    others = [t.get_window_extent(renderer) for t in ax.texts]  # the off-scale forces' names
    options: dict[str, Any] = {
        "textcoords": "offset points",
        "fontsize": 9,
        "fontweight": "bold",
        "color": TEXT_COLOUR,
        "bbox": {"boxstyle": f"square,pad={_LABEL_PAD}", "facecolor": "white", "edgecolor": "none"},
        "zorder": 4,
        "annotation_clip": False,
    }
    probe = ax.annotate(result.force, anchor, xytext=(0, 0), **options)
    probe.set_in_layout(False)
    pad = (_LABEL_PAD * 9 + _CLEARANCE) * px
    best: tuple[tuple[int, int, int], tuple[float, float, str, str]] | None = None
    for order, place in enumerate(_LABEL_PLACES):
        dx, dy, ha, va = place
        probe.xyann = (dx, dy)
        probe.set_horizontalalignment(ha)
        probe.set_verticalalignment(va)
        text = probe.get_window_extent(renderer)
        box = Bbox.from_extents(text.x0 - pad, text.y0 - pad, text.x1 + pad, text.y1 + pad)
        covered = int(
            ((np.abs(xy[:, 0] - np.clip(xy[:, 0], box.x0, box.x1)) < half)
             & (np.abs(xy[:, 1] - np.clip(xy[:, 1], box.y0, box.y1)) < half)).sum()
        )  # fmt: skip
        covered += int(box.y0 <= centre_y + band and box.y1 >= centre_y - band)
        covered += sum(box.overlaps(other) for other in others)
        outside = int(
            box.x0 < inside.x0 or box.x1 > inside.x1 or box.y0 < inside.y0 or box.y1 > inside.y1
        )
        crossings = int(
            ((limits[:, 0] >= box.x0) & (limits[:, 0] <= box.x1)
             & (limits[:, 1] >= box.y0) & (limits[:, 1] <= box.y1)).any()
        )  # fmt: skip
        score = (covered + outside, crossings, order)
        if best is None or score < best[0]:
            best = (score, place)
    probe.remove()
    assert best is not None
    dx, dy, ha, va = best[1]
    if math.hypot(dx, dy) > 16:  # a label set further out is joined to its point
        options["arrowprops"] = {
            "arrowstyle": "-",
            "color": TEXT_COLOUR,
            "linewidth": 0.8,
            "shrinkA": 0,
            "shrinkB": math.sqrt(styles["force"].size) / 2 + 1,
        }
    label = ax.annotate(result.force, anchor, xytext=(dx, dy), ha=ha, va=va, **options)
    label.set_in_layout(False)
    label.set_gid("funnel-force-label")


def _marker_half_width(marker: str, size: float) -> float:
    """Half the width of a marker's drawn shape, in points (`size` is an area in points²)."""
    from matplotlib.markers import MarkerStyle

    style = MarkerStyle(marker)
    extents = style.get_path().transformed(style.get_transform()).get_extents()
    reach = max(abs(extents.x0), abs(extents.x1), abs(extents.y0), abs(extents.y1))
    return float(reach) * math.sqrt(size)
