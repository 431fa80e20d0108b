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


def funnel_chart(result: Any) -> Chart:
    """A funnel plot (seaborn on Matplotlib, SVG) of a `helpers.stats.funnel.FunnelResult`.

    Every force's rate against its population (log scale: forces run from 15,000 residents to
    9 million), the target as the centre line and the 95% and 99.8% limits; the force and its
    most similar group drawn with their own shapes and colours; a force far above the rest drawn
    at the top edge and named. Alt text from `sentences.funnel_alt_text`; the data is
    `funnel.funnel_table`.
    """
    from helpers.present.wording.sentences import funnel_alt_text
    from helpers.stats.funnel import funnel_table

    unit = result.unit
    unit_label(unit)
    title = f"{result.title.split(' (')[0]} - Funnel Plot of All Forces, {result.period_label}"
    if not result.period_label:
        title = f"{result.title.split(' (')[0]} - Funnel Plot of All Forces"
    top = funnel_top(result)
    off_scale = result.points.loc[result.points["rate"] > top, "force"].tolist()
    alt = funnel_alt_text(result, off_scale=off_scale)
    table = funnel_table(result)
    svg = _draw_funnel(result, title=title, top=top, off_scale=off_scale)
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


def _draw_funnel(result: Any, *, title: str, top: float, off_scale: list[str]) -> str:
    import seaborn as sns
    from matplotlib.lines import Line2D
    from matplotlib.ticker import LogLocator

    styles = _funnel_point_styles(result.force)
    points = result.points.copy()
    points["shown"] = np.minimum(points["rate"], top)
    curves = result.limit_curves()
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
        mine = points[points["role"] == "force"]
        if not mine.empty:
            row = mine.iloc[0]
            ax.annotate(
                result.force,
                (row["denominator"], row["shown"]),
                xytext=(8, 6),
                textcoords="offset points",
                fontsize=9,
                fontweight="bold",
                color=TEXT_COLOUR,
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
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 3.0)))
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
        return svg_text(fig, title)
