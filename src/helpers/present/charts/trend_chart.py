"""Trend charts: the 12-month rolling series of the force, its MSG average and England and Wales.

Each chart is an SVG (sharp in print, text kept as text) with a text alternative written from the
data and the table of numbers behind it, so that a reader who cannot see the chart loses nothing.
The lines differ by dash pattern and marker as well as colour, so they survive greyscale printing
and colour-blindness; the colours are the Okabe-Ito palette, of which only those with at least 3:1
contrast against white are used for lines (WCAG 2.2, 1.4.11 non-text contrast).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from helpers.core.forces import ENGLAND_AND_WALES
from helpers.present.charts.figure import (
    PALETTE,
    Chart,
    TickFormatter,
    chart_axes,
    legend_below,
    style_axes,
    svg_text,
)
from helpers.present.formatting import axis_label, normalise_series, period_label, unit_label
from helpers.present.wording.sentences import chart_alt_text
from helpers.present.wording.trend_words import shading_alt_text

NATIONAL_LABEL = ENGLAND_AND_WALES


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
    tested: Sequence[pd.Period] = (),
    exceptional: pd.Period | None = None,
) -> Chart:
    """A line chart of a force's series against its comparator and England and Wales.

    `series`: columns ``period`` (monthly `pd.Period`: quarter ends or months), ``force_value``,
    and optionally ``comparator_value`` and ``national_value`` (absent or all NaN: not drawn).
    `comparator_label` names the comparator line (None: no comparator line); `relation` is the
    tested relation to it ("above", "below", "similar to"; None: untested); `show_national`
    draws England and Wales where it has values. `measure_phrase` overrides "12-month rolling rate"
    in the alt text (e.g. "share of the workforce"). The y axis starts at zero unless
    `y_from_zero` is False, so that small movements are not drawn as large ones. `tested` are
    the quarter ends (or periods) whose figures the trend test used: the months they cover are
    shaded. `exceptional` is a quarter end left out of the trend test as exceptional: its point
    is ringed (the line still includes it).
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
    tested = [pd.Period(p, "M") for p in tested]
    if exceptional is not None and exceptional not in set(frame["period"]):
        exceptional = None
    alt = " ".join([alt, shading_alt_text(tested, exceptional)]).strip()
    svg = _draw(
        frame, lines, title=title, unit=unit, y_from_zero=y_from_zero, tested=tested,
        exceptional=exceptional,
    )  # fmt: skip
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
    tested: Sequence[pd.Period] = (),
    exceptional: pd.Period | None = None,
    volume: tuple[str, np.ndarray] | None = None,
) -> str:
    """The chart's SVG. `volume` (legend label, counts at `frame`'s periods) is drawn as bars on
    the left axis, on its own scale, and the lines then on a right axis in `unit`."""
    import seaborn as sns

    periods = list(frame["period"])
    x = np.array([_month_number(p) for p in periods], dtype=float)
    n = len(periods)
    marker_step = max(1, math.ceil(n / MAX_MARKERS))
    tidy = _tidy(frame, lines)
    labels = [label for label, _ in lines]
    styles = dict(lines)

    # Matplotlib's defaults, then ours: a notebook's own style never changes a report chart.
    with chart_axes(FIGURE_SIZE) as (fig, ax):
        # The axes first: seaborn reads the tick labels to decide whether to label an axis,
        # cheap once the few ticks are set.
        ticks = _tick_periods(periods)
        ax.set_xticks([_month_number(p) for p in ticks], [period_label(p) for p in ticks])
        if n == 1:
            ax.set_xlim(x[0] - 1, x[0] + 1)
        else:
            pad = (x[-1] - x[0]) * 0.02 + (1.5 if volume is not None else 0)
            ax.set_xlim(x[0] - pad, x[-1] + pad)
        bars: list[Any] = []
        shade_ax = ax  # the trend test's shading behind everything, bars too
        if volume is not None:
            style_axes(ax, title)
            bars = [_volume_bars(ax, x, *volume)]
            ax = ax.twinx()  # the lines on the right axis, drawn over the bars
            ax.spines["top"].set_visible(False)
            ax.tick_params(axis="y", length=3)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=unit == "count", min_n_ticks=3))
        ax.yaxis.set_major_formatter(TickFormatter(unit))
        values = frame[[style.column for _, style in lines]].to_numpy(dtype=float)
        top = np.nanmax(values)
        if y_from_zero and np.nanmin(values) >= 0:
            ax.set_ylim(0, top * 1.08 if top > 0 else 1)
        ax.set_ylabel(axis_label(unit))
        if volume is None:
            style_axes(ax, title)
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
        handles = bars + _mark_runs(ax.get_lines(), tidy, labels, styles, n, marker_step)
        handles += _mark_test(ax, frame, tested, exceptional, shade_ax=shade_ax)
        ax.set_xlabel("")  # seaborn names the x axis after its column
        # Bars, three lines and the shading do not fit one row at the drawing's width.
        legend_below(fig, handles, len(handles) if volume is None else 2)
        return svg_text(fig, title)


# A volume's bars: mid grey with a dark edge (3:1 against white, WCAG 1.4.11), so the coloured
# rate lines drawn over them stay the eye's first read.
VOLUME_COLOUR = "#A8ADB0"
VOLUME_EDGE = "#505A5F"


def _volume_bars(ax: Any, x: np.ndarray, label: str, counts: np.ndarray) -> Any:
    """The volume as bars on `ax`'s own count scale, from zero; returns the legend handle."""
    step = float(np.min(np.diff(x))) if len(x) > 1 else 3.0
    counts = np.asarray(counts, dtype=float)
    drawn = ax.bar(
        x, counts, width=step * 0.6, color=VOLUME_COLOUR, edgecolor=VOLUME_EDGE,
        linewidth=0.6, label=f"{label} (number, left axis)", zorder=2,
    )  # fmt: skip
    for bar in drawn:
        bar.set_gid("series-volume")
    top = np.nanmax(counts) if np.isfinite(counts).any() else 0
    ax.set_ylim(0, top * 1.15 if top > 0 else 1)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=3))
    ax.yaxis.set_major_formatter(TickFormatter("count"))
    ax.set_ylabel(axis_label("count"))
    return drawn


TESTED_SHADE = "#E6E6E6"  # light grey behind the lines: the lines keep their contrast


def _mark_test(
    ax: Any,
    frame: pd.DataFrame,
    tested: Sequence[pd.Period],
    exceptional: pd.Period | None,
    shade_ax: Any = None,
) -> list[Any]:
    """Shade the months of the quarters the trend test used (on `shade_ax`, the lowest axes)
    and ring an exceptional quarter's point on `ax`; returns their legend handles."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    if tested:
        months = [_month_number(p) for p in tested]
        step = int(np.min(np.diff(sorted(months)))) if len(months) > 1 else 3
        shade_ax = ax if shade_ax is None else shade_ax
        low, high = shade_ax.get_xlim()
        # A quarter end's figure covers the quarter's months: shade from the first one's start.
        span = shade_ax.axvspan(
            max(low, min(months) - step + 0.5), min(high, max(months)), color=TESTED_SHADE,
            zorder=0, linewidth=0,
        )  # fmt: skip
        span.set_gid("trend-test-quarters")
        handles.append(Patch(facecolor=TESTED_SHADE, label="Quarters in the trend test"))
    if exceptional is not None:
        row = frame[frame["period"] == exceptional]
        value = float(row["force_value"].iloc[0])
        if np.isfinite(value):
            (ring,) = ax.plot(
                [_month_number(exceptional)], [value], linestyle="none", marker="o",
                markersize=11, markerfacecolor="none", markeredgecolor=PALETTE["black"],
                markeredgewidth=1.5, zorder=5,
            )  # fmt: skip
            ring.set_gid("exceptional-quarter")
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker="o",
                    markersize=9,
                    markerfacecolor="none",
                    markeredgecolor=PALETTE["black"],
                    label="Exceptional quarter, left out of the test",
                )
            )
    return handles


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


def counts_chart(
    series: pd.DataFrame,
    *,
    title: str,
    labels: tuple[str, str],
    force_name: str,
) -> Chart:
    """Two of a force's 12-month rolling counts on one chart (drugs disruptions and county lines
    disrupted, as the Commissioner's report draws them).

    `series`: columns ``period``, ``first`` and ``second`` (the counts named by `labels`, in
    that order). The first is drawn as the force's line, the second dashed; the alt text
    describes each from its own numbers."""
    frame = pd.DataFrame(
        {
            "period": series["period"].to_numpy(),
            "force_value": series["first"].to_numpy(dtype=float),
            "comparator_value": series["second"].to_numpy(dtype=float),
        }
    )
    frame = normalise_series(frame)
    if frame["force_value"].isna().all() and frame["comparator_value"].isna().all():
        raise ValueError(f"chart '{title}': the series has no values to draw")
    lines = [(labels[0], SERIES_STYLES["force"]), (labels[1], SERIES_STYLES["comparator"])]
    alt = " ".join(
        chart_alt_text(
            frame.assign(force_value=frame[column]),
            unit="count",
            force_name=force_name,
            comparator_label=None,
            show_national=False,
            measure_phrase=f"12-month rolling count of {label[0].lower()}{label[1:]}",
        )
        for label, column in zip(labels, ("force_value", "comparator_value"), strict=True)
    )
    data = pd.DataFrame({"Period ending": [period_label(p) for p in frame["period"]]})
    for label, style in lines:
        data[label] = frame[style.column].to_numpy()
    svg = _draw(frame, lines, title=title, unit="count", y_from_zero=True)
    return Chart(title=title, svg=svg, alt_text=alt, data=data, unit="count")


def volume_rate_chart(
    series: pd.DataFrame,
    *,
    title: str,
    unit: str,
    force_name: str,
    volume_label: str,
    comparator_label: str | None = "MSG average",
    relation: str | None = None,
    show_national: bool = True,
    y_from_zero: bool = True,
    tested: Sequence[pd.Period] = (),
    exceptional: pd.Period | None = None,
) -> Chart:
    """A force's 12-month count as bars on its own scale (left axis) and its rate as lines with
    the comparator and England and Wales (right axis), as the Commissioner's report draws rape
    charges/summons: the count of one force would lie flat at zero on England and Wales's scale.

    `series`: the columns of `trend_chart` (the rate's) and ``volume`` (the force's count).
    The alt text describes the count and the rate, each from its own numbers; the data table
    holds both, each column with its unit."""
    unit_label(unit)
    frame = normalise_series(series.drop(columns="volume"))
    counts = pd.Series(
        pd.to_numeric(series["volume"].to_numpy()), index=pd.PeriodIndex(series["period"], freq="M")
    )
    volume = counts.reindex(frame["period"]).to_numpy(dtype=float)
    if frame["force_value"].isna().all():
        raise ValueError(f"chart '{title}': the series has no force values to draw")
    lines = _lines(frame, force_name, comparator_label, show_national)
    counted = chart_alt_text(
        frame.assign(force_value=volume),
        unit="count",
        force_name=force_name,
        comparator_label=None,
        show_national=False,
        measure_phrase=f"12-month rolling count of {volume_label[0].lower()}{volume_label[1:]}",
    )
    rate = chart_alt_text(
        frame,
        unit=unit,
        force_name=force_name,
        comparator_label=comparator_label,
        relation=relation,
        show_national=show_national,
    )
    tested = [pd.Period(p, "M") for p in tested]
    if exceptional is not None and exceptional not in set(frame["period"]):
        exceptional = None
    alt = " ".join([counted, rate, shading_alt_text(tested, exceptional)]).strip()
    data = pd.DataFrame({"Period ending": [period_label(p) for p in frame["period"]]})
    data[volume_label] = volume
    for label, style in lines:
        data[label] = frame[style.column].to_numpy()
    svg = _draw(
        frame, lines, title=title, unit=unit, y_from_zero=y_from_zero, tested=tested,
        exceptional=exceptional, volume=(volume_label, volume),
    )  # fmt: skip
    units = {volume_label: "count", **{label: unit for label, _ in lines}}
    # Two units, so none for the chart as a whole: each column of its table names its own.
    return Chart(title=title, svg=svg, alt_text=alt, data=data, unit=None, column_units=units)
