"""Trend charts: the 12-month rolling series of the force, its MSG average and England and Wales.

Each chart is an SVG (sharp in print, text kept as text) with a text alternative written from the
data and the table of numbers behind it, so that a reader who cannot see the chart loses nothing.
The lines differ by dash pattern and marker as well as colour, so they survive greyscale printing
and colour-blindness; the colours are the Okabe-Ito palette, of which only those with at least 3:1
contrast against white are used for lines (WCAG 2.2, 1.4.11 non-text contrast).

Charts are drawn with seaborn on a `matplotlib.figure.Figure` with its own Agg canvas, never
through pyplot, so no global backend is chosen; settings apply for the duration of one chart
only, on top of Matplotlib's defaults, so a notebook's own style neither leaks into nor out of a
report chart.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, MaxNLocator

from helpers.core.forces import ENGLAND_AND_WALES
from helpers.present.formatting import (
    axis_label,
    format_value,
    normalise_series,
    period_label,
    unit_label,
)
from helpers.present.sentences import chart_alt_text
from helpers.present.tables import data_table

if TYPE_CHECKING:
    from helpers.present.spreadsheet import SheetTable

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
# deficiency. One palette for the whole project.
PALETTE: Mapping[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
NATIONAL_LABEL = ENGLAND_AND_WALES
# The spreadsheet published beside the report (helpers.present.spreadsheet); a relative link, so
# that it works offline wherever the report folder is copied (section pages are one folder down).
SPREADSHEET = "report.ods"
SPREADSHEET_NOTE = (
    f'<p class="ods-note">All the data are in <a href="{SPREADSHEET}">{SPREADSHEET}</a>, '
    "the spreadsheet published with this report.</p>"
)


@dataclass(frozen=True)
class SeriesStyle:
    """How one line is drawn. `dashes` is a Matplotlib linestyle."""

    column: str
    colour: str
    dashes: Any
    marker: str
    linewidth: float


# Force solid, comparator dashed, England and Wales dash-dot: three dash patterns and three
# markers, so the lines are told apart without colour. All three colours have >= 3:1 contrast.
SERIES_STYLES: Mapping[str, SeriesStyle] = {
    "force": SeriesStyle("force_value", PALETTE["blue"], "solid", "o", 2.2),
    "comparator": SeriesStyle("comparator_value", PALETTE["vermillion"], (0, (6, 3)), "s", 1.8),
    "national": SeriesStyle("national_value", PALETTE["black"], (0, (7, 2.5, 1.5, 2.5)), "^", 1.6),
}

FIGURE_SIZE = (8.0, 3.6)  # inches: full text width of an A4 page, a third of its height
MAX_PERIOD_LABELS = 8
MAX_MARKERS = 13
_TEXT_COLOUR = "#1a1a1a"
_GRID_COLOUR = "#d9d9d9"
_DOCTYPE = re.compile(r"<!DOCTYPE[^>]*>\s*")
_SVG_SALT = "police-performance-report"  # fixed ids in the SVG: same input, same bytes
_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": _SVG_SALT,
    "font.family": ["sans-serif"],
    # Layout is measured with DejaVu Sans (shipped with Matplotlib, so every machine agrees); the
    # SVG names the others as fallbacks, all narrower, so labels never overflow when substituted.
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
    "font.size": 10.0,
    "axes.titlesize": 12.0,
    "axes.labelsize": 10.0,
    "axes.edgecolor": _TEXT_COLOUR,
    "axes.labelcolor": _TEXT_COLOUR,
    "xtick.color": _TEXT_COLOUR,
    "ytick.color": _TEXT_COLOUR,
    "text.color": _TEXT_COLOUR,
    "path.simplify": False,
}


@dataclass
class Chart:
    """A chart ready for a page: SVG, text alternative and the numbers behind it.

    `data` has human column headers ("Period ending", the force's name, "MSG average",
    "England and Wales") and numeric values in `unit`; it is formatted only when rendered
    (with `helpers.present.formatting.format_value` when `unit` is known).
    """

    title: str
    svg: str
    alt_text: str
    data: pd.DataFrame
    unit: str | None = None
    # Where the data's columns have different units (a funnel plot's counts, populations and
    # rates): column -> unit, for the data table; `unit` still names the chart's own.
    column_units: Mapping[str, str | None] | None = None

    @property
    def data_uri(self) -> str:
        encoded = base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
        return f"data:image/svg+xml;base64,{encoded}"

    def data_table_html(self) -> str:
        """The numbers behind the chart as an accessible table (periods as row headers)."""
        caption = f"{self.title} ({unit_label(self.unit)})" if self.unit else self.title
        if self.column_units is not None:
            units = {k: v for k, v in self.column_units.items() if v is not None}
            return data_table(self.data, caption=caption, unit=units)
        return data_table(self.data, caption=caption, unit=self.unit)

    def to_html(self) -> str:
        title = html.escape(self.title)
        return (
            f'<figure class="chart"><img src="{self.data_uri}" '
            f'alt="{html.escape(self.alt_text, quote=True)}">'
            f"<figcaption>{title}</figcaption></figure>\n"
            f'<details class="chart-data"><summary>Data table: {title}</summary>\n'
            f"{self.data_table_html()}\n{SPREADSHEET_NOTE}\n</details>"
        )

    def sheet_table(self, notes: tuple[str, ...] = ()) -> SheetTable:
        """The numbers behind the chart as a spreadsheet table (`helpers.present.spreadsheet`): the
        same rows and values as `data`, the unit in each value column's header, missing values
        as the not-available shorthand."""
        from helpers.present.formatting import axis_label
        from helpers.present.spreadsheet import SheetTable

        unit = axis_label(self.unit).lower() if self.unit else None
        if self.column_units is not None:  # mixed units: each column names its own
            # Counts and populations are named by their headers; rates get their unit.
            units = {
                str(k): axis_label(v).lower()
                for k, v in self.column_units.items()
                if v not in (None, "count")
            }
            columns = [
                f"{c}: {units[str(c)]}"
                if str(c) in units and units[str(c)] not in str(c).lower()
                else str(c)
                for c in self.data
            ]
        else:
            columns = [
                str(c) if i == 0 or unit is None else f"{c}: {unit}"
                for i, c in enumerate(self.data.columns)
            ]
        rows = [list(row) for row in self.data.itertuples(index=False)]
        return SheetTable(
            title=f"{self.title} (chart data)",
            columns=columns,
            rows=rows,
            notes=notes,
            kind="chart",
        )

    def _repr_html_(self) -> str:
        return self.to_html()


def trend_chart(
    series: pd.DataFrame,
    *,
    title: str,
    unit: str,
    force_name: str,
    comparator_label: str | None = "MSG average",
    relation: str | None = None,
    show_national: bool = True,
    measure_phrase: str | None = None,
    y_from_zero: bool = True,
) -> Chart:
    """A line chart of a force's series against its comparator and England and Wales.

    `series`: columns ``period`` (monthly `pd.Period`: quarter ends or months), ``force_value``,
    and optionally ``comparator_value`` and ``national_value`` (absent or all NaN: not drawn).
    `comparator_label` names the comparator line (None: no comparator line); `relation` is the
    tested relation to it ("above", "below", "similar to"; None: untested); `show_national`
    draws England and Wales where it has values. `measure_phrase` overrides "12-month rolling rate"
    in the alt text (e.g. "share of the workforce"). The y axis starts at zero unless
    `y_from_zero` is False, so that small movements are not drawn as large ones.
    """
    unit_label(unit)  # an unknown unit fails here, with the list of units
    frame = normalise_series(series)
    if frame["force_value"].isna().all():
        raise ValueError(f"chart '{title}': the series has no force values to draw")
    lines = _lines(frame, force_name, comparator_label, show_national)
    alt = chart_alt_text(
        frame,
        unit=unit,
        force_name=force_name,
        comparator_label=comparator_label,
        relation=relation,
        show_national=show_national,
        measure_phrase=measure_phrase,
    )
    data = pd.DataFrame({"Period ending": [period_label(p) for p in frame["period"]]})
    for label, style in lines:
        data[label] = frame[style.column].to_numpy()
    svg = _draw(frame, lines, title=title, unit=unit, y_from_zero=y_from_zero)
    return Chart(title=title, svg=svg, alt_text=alt, data=data, unit=unit)


def _lines(
    frame: pd.DataFrame, force_name: str, comparator_label: str | None, show_national: bool
) -> list[tuple[str, SeriesStyle]]:
    """(legend label, style) of each line that has something to draw, in drawing order."""
    lines = [(force_name, SERIES_STYLES["force"])]
    if comparator_label and frame["comparator_value"].notna().any():
        lines.append((comparator_label, SERIES_STYLES["comparator"]))
    if show_national and frame["national_value"].notna().any():
        lines.append((NATIONAL_LABEL, SERIES_STYLES["national"]))
    labels = [label for label, _ in lines]
    if len(set(labels)) != len(labels):
        raise ValueError(f"chart lines need distinct names, got {labels}")
    return lines


def _month_number(period: pd.Period) -> int:
    return period.year * 12 + period.month - 1


def _tick_periods(periods: list[pd.Period]) -> list[pd.Period]:
    """At most MAX_PERIOD_LABELS periods to label, evenly spaced, always including the latest."""
    months = [_month_number(p) for p in periods]
    steps = np.diff(months)
    frequency = int(steps.min()) if len(steps) else 1
    span = months[-1] - months[0]
    step = frequency
    for candidate in (1, 2, 3, 4, 6, 12, 24, 36, 60, 120):
        if candidate % frequency == 0 and span // candidate + 1 <= MAX_PERIOD_LABELS:
            step = candidate
            break
    else:
        step = frequency * math.ceil((span // frequency + 1) / MAX_PERIOD_LABELS)
    return [p for p, m in zip(periods, months, strict=True) if (months[-1] - m) % step == 0]


class _TickFormatter(Formatter):
    """Y-axis ticks with one number of decimals for all (0.0050, 0.0075, 0.0100), as few as the
    ticks need, with thousands separators; percentages with a % sign."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.decimals = 0

    def set_locs(self, locs: Any) -> None:
        super().set_locs(locs)
        if self.unit == "count":
            self.decimals = 0
            return
        self.decimals = max((_decimals_needed(v) for v in locs), default=0)

    def __call__(self, x: float, pos: int | None = None) -> str:
        text = f"{x:,.{self.decimals}f}"
        return f"{text}%" if self.unit == "percent" else text


def _decimals_needed(value: float) -> int:
    """Decimals that print a tick value exactly, at most 4."""
    for decimals in range(5):
        if abs(round(value, decimals) - value) < 1e-9:
            return decimals
    return 4


def _tidy(frame: pd.DataFrame, lines: list[tuple[str, SeriesStyle]]) -> pd.DataFrame:
    """The lines as one long table for seaborn: x (month number), series (legend label), value,
    index (the point's position in `frame`) and run (an unbroken stretch of values).

    seaborn drops rows with a missing value before drawing, which would join the points on
    either side of a missing quarter; giving each unbroken run its own seaborn unit draws it as
    its own line instead, so a missing value leaves a gap, as Matplotlib does with NaN."""
    x = np.array([_month_number(p) for p in frame["period"]], dtype=float)
    parts = []
    for label, style in lines:
        values = frame[style.column].to_numpy(dtype=float)
        missing = np.isnan(values)
        parts.append(
            pd.DataFrame(
                {
                    "x": x,
                    "series": label,
                    "value": values,
                    "index": np.arange(len(values)),
                    "run": np.cumsum(missing),
                }
            )[~missing]
        )
    return pd.concat(parts, ignore_index=True)


def _draw(
    frame: pd.DataFrame,
    lines: list[tuple[str, SeriesStyle]],
    *,
    title: str,
    unit: str,
    y_from_zero: bool,
) -> str:
    import seaborn as sns

    periods = list(frame["period"])
    x = np.array([_month_number(p) for p in periods], dtype=float)
    n = len(periods)
    marker_step = max(1, math.ceil(n / MAX_MARKERS))
    tidy = _tidy(frame, lines)
    labels = [label for label, _ in lines]
    styles = dict(lines)

    # Matplotlib's defaults, then ours: a notebook's own style never changes a report chart.
    with matplotlib.style.context(["default", _RC]):
        fig = Figure(figsize=FIGURE_SIZE, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        # The axes first: seaborn reads the tick labels to decide whether to label an axis,
        # cheap once the few ticks are set.
        ticks = _tick_periods(periods)
        ax.set_xticks([_month_number(p) for p in ticks], [period_label(p) for p in ticks])
        if n == 1:
            ax.set_xlim(x[0] - 1, x[0] + 1)
        else:
            pad = (x[-1] - x[0]) * 0.02
            ax.set_xlim(x[0] - pad, x[-1] + pad)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=unit == "count", min_n_ticks=3))
        ax.yaxis.set_major_formatter(_TickFormatter(unit))
        values = frame[[style.column for _, style in lines]].to_numpy(dtype=float)
        top = np.nanmax(values)
        if y_from_zero and np.nanmin(values) >= 0:
            ax.set_ylim(0, top * 1.08 if top > 0 else 1)
        ax.set_ylabel(axis_label(unit))
        ax.set_title(textwrap.fill(title, 95), loc="left", fontweight="bold")
        ax.grid(axis="y", color=_GRID_COLOUR, linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.tick_params(axis="both", length=3)
        # One line per role: hue (colour) and style (dashes, marker) map the role, from
        # SERIES_STYLES; the points as given (no sorting, no estimate, no band). Widths are set
        # per line below: seaborn's size semantic would triple the groups it looks up.
        sns.lineplot(
            data=tidy,
            x="x",
            y="value",
            hue="series",
            style="series",
            units="run",
            hue_order=labels,
            style_order=labels,
            palette={label: s.colour for label, s in styles.items()},
            dashes={label: _dash_sequence(s) for label, s in styles.items()},
            markers={label: s.marker for label, s in styles.items()},
            estimator=None,
            errorbar=None,
            sort=False,
            legend=False,
            markersize=4.5,
            # seaborn outlines markers in white; Matplotlib's default is the line's colour.
            markeredgecolor="auto",
            markeredgewidth=1.0,
            solid_capstyle="butt",
            dash_capstyle="butt",
            ax=ax,
        )
        handles = _mark_runs(ax.get_lines(), tidy, labels, styles, n, marker_step)
        ax.set_xlabel("")  # seaborn names the x axis after its column
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=len(handles),
            frameon=False,
            handlelength=3.2,
        )
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Title": title})
    # The DOCTYPE names a DTD on w3.org: nothing should ever try to fetch it on a closed network.
    return _DOCTYPE.sub("", buffer.getvalue(), count=1)


def _dash_sequence(style: SeriesStyle) -> Any:
    """A SeriesStyle's dashes as seaborn takes them: "" for solid, else (on, off, ...)."""
    return "" if style.dashes == "solid" else style.dashes[1]


def _mark_runs(
    drawn: list[Any],
    tidy: pd.DataFrame,
    labels: list[str],
    styles: Mapping[str, SeriesStyle],
    n: int,
    marker_step: int,
) -> list[Any]:
    """Name each drawn line by its role in the SVG and place its markers; returns the first line
    of each series, for the legend.

    seaborn draws the runs of each series in `labels` order (hue_order), each run in its rows'
    order. Markers go on every `marker_step`-th point counted back from the latest, which always
    has one, wherever a run starts: the same points as on an unbroken line.
    """
    runs = [group for _, group in tidy.groupby(["series", "run"], sort=False)]
    order = {label: i for i, label in enumerate(labels)}
    runs.sort(key=lambda g: (order[g["series"].iloc[0]], g["run"].iloc[0]))
    if len(runs) != len(drawn):
        raise RuntimeError(f"seaborn drew {len(drawn)} lines for {len(runs)} runs of data")
    handles = []
    seen: dict[str, int] = {}
    for line, run in zip(drawn, runs, strict=True):
        label = run["series"].iloc[0]
        role = _role(styles[label])
        part = seen[label] = seen.get(label, 0) + 1
        line.set_gid(f"series-{role}" if part == 1 else f"series-{role}-{part}")
        line.set_linewidth(styles[label].linewidth)
        positions = run["index"].to_numpy()
        line.set_markevery([i for i, p in enumerate(positions) if (n - 1 - p) % marker_step == 0])
        if part == 1:
            line.set_label(label)
            handles.append(line)
    return handles


def _role(style: SeriesStyle) -> str:
    return next(role for role, s in SERIES_STYLES.items() if s is style)


# ----- funnel plots ----------------------------------------------------------------------------
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
    from helpers.present.sentences import funnel_alt_text
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
    with matplotlib.style.context(["default", _RC]):
        fig = Figure(figsize=FUNNEL_FIGURE_SIZE, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
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
                color=_TEXT_COLOUR,
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
        ax.yaxis.set_major_formatter(_TickFormatter(result.unit))
        denominator = "Households" if result.denominator_name == "households" else "Population"
        ax.set_xlabel(f"{denominator} (log scale)")
        ax.set_ylabel(axis_label(result.unit))
        ax.set_title(textwrap.fill(title, 95), loc="left", fontweight="bold")
        ax.grid(axis="y", color=_GRID_COLOUR, linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.tick_params(axis="both", length=3)
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=3,
            frameon=False,
            handlelength=3.2,
        )
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Title": title})
    return _DOCTYPE.sub("", buffer.getvalue(), count=1)
