"""How long one trend chart takes to draw: seaborn (`helpers.present.charts.trend_chart._draw`,
what the report uses) against the same chart drawn with Matplotlib by hand (the drawing before
issue 13, kept here as the comparison), in one run, interleaved so that both see the same load
on a shared machine.

A report draws about 39 trend charts. Each is timed from the tidy series to the SVG text (the
alt text and data table are the same work either way and are left out), on the chart the report
draws most: 13 quarterly points of the force, its MSG average and England and Wales; and on a
60-month series with missing quarters (the runs seaborn draws as separate lines). The one-off
cost of importing seaborn is timed in a fresh interpreter (a warm kernel pays it once). The
script also says whether the two ways draw the same SVG bytes (they do without gaps; with gaps
each run is its own line in seaborn's, one broken line in the other).

    .venv/bin/python benchmarks/trend_chart.py               # about 30 s
    .venv/bin/python benchmarks/trend_chart.py --repeats 20
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable

import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from helpers.present.charts.figure import CHART_RC, GRID_COLOUR, TickFormatter, svg_text
from helpers.present.charts.trend_chart import (
    FIGURE_SIZE,
    MAX_MARKERS,
    SeriesStyle,
    _draw,
    _lines,
    _month_number,
    _role,
    _tick_periods,
)
from helpers.present.formatting import axis_label, normalise_series, period_label

CHARTS_PER_REPORT = 39


def draw_by_hand(
    frame: pd.DataFrame,
    lines: list[tuple[str, SeriesStyle]],
    *,
    title: str,
    unit: str,
    y_from_zero: bool,
) -> str:
    """The trend chart as it was drawn before seaborn: one `Axes.plot` per series."""
    periods = list(frame["period"])
    x = np.array([_month_number(p) for p in periods], dtype=float)
    n = len(periods)
    marker_step = max(1, math.ceil(n / MAX_MARKERS))
    markevery = ((n - 1) % marker_step, marker_step)
    with matplotlib.style.context(["default", CHART_RC]):
        fig = Figure(figsize=FIGURE_SIZE, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        handles = []
        for label, style in lines:
            (line,) = ax.plot(
                x,
                frame[style.column].to_numpy(dtype=float),
                label=label,
                color=style.colour,
                linestyle=style.dashes,
                linewidth=style.linewidth,
                marker=style.marker,
                markersize=4.5,
                markevery=markevery,
                solid_capstyle="butt",
                dash_capstyle="butt",
            )
            line.set_gid(f"series-{_role(style)}")
            handles.append(line)
        ticks = _tick_periods(periods)
        ax.set_xticks([_month_number(p) for p in ticks], [period_label(p) for p in ticks])
        pad = (x[-1] - x[0]) * 0.02
        ax.set_xlim(x[0] - pad, x[-1] + pad)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=unit == "count", min_n_ticks=3))
        ax.yaxis.set_major_formatter(TickFormatter(unit))
        values = frame[[style.column for _, style in lines]].to_numpy(dtype=float)
        top = np.nanmax(values)
        if y_from_zero and np.nanmin(values) >= 0:
            ax.set_ylim(0, top * 1.08 if top > 0 else 1)
        ax.set_ylabel(axis_label(unit))
        ax.set_title(textwrap.fill(title, 95), loc="left", fontweight="bold")
        ax.grid(axis="y", color=GRID_COLOUR, linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.tick_params(axis="both", length=3)
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=len(handles),
            frameon=False,
            handlelength=3.2,
        )
        return svg_text(fig, title)


def quarterly() -> pd.DataFrame:
    last = pd.Period("2025-03", freq="M")
    return pd.DataFrame(
        {
            "period": [last - 3 * (12 - i) for i in range(13)],
            "force_value": np.linspace(0.012, 0.016, 13),
            "comparator_value": np.linspace(0.011, 0.012, 13),
            "national_value": np.full(13, 0.010),
        }
    )


def monthly_with_gaps() -> pd.DataFrame:
    force = np.linspace(50.0, 60.0, 60)
    force[[14, 15, 16, 40]] = np.nan
    return pd.DataFrame(
        {
            "period": pd.period_range("2020-04", "2025-03", freq="M"),
            "force_value": force,
            "comparator_value": np.linspace(45.0, 70.0, 60),
            "national_value": np.linspace(55.0, 58.0, 60),
        }
    )


def seaborn_import_seconds() -> float:
    code = (
        "import time, helpers.present.charts\n"
        "t = time.perf_counter(); import seaborn; print(time.perf_counter() - t)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=40, help="charts per case and method")
    args = parser.parse_args()

    cases = {"13 quarters, 3 lines": quarterly(), "60 months, 3 lines, gaps": monthly_with_gaps()}
    methods: dict[str, Callable[..., str]] = {"by hand": draw_by_hand, "seaborn": _draw}
    imports = [seaborn_import_seconds() for _ in range(3)]
    print(f"import seaborn (fresh interpreter, once per kernel): {min(imports) * 1000:.0f} ms")
    print(f"{'case':<28}{'method':<10}{'median ms':>10}{'min ms':>8}{'x39 s':>8}")
    for name, series in cases.items():
        frame = normalise_series(series)
        lines = _lines(frame, "Avon and Somerset", "MSG average", True)
        options = {"title": "Homicide - 12 Month Rolling Rates", "unit": "rate_per_1000"}
        # Warm-up (first-call costs: font cache, imports), and the two pictures compared.
        svgs = [draw(frame, lines, y_from_zero=True, **options) for draw in methods.values()]
        same = "the same SVG bytes" if svgs[0] == svgs[1] else "SVGs differ"
        print(f"{name}: {same}")
        times: dict[str, list[float]] = {m: [] for m in methods}
        for _ in range(args.repeats):
            for method, draw in methods.items():
                start = time.perf_counter()
                draw(frame, lines, y_from_zero=True, **options)
                times[method].append(time.perf_counter() - start)
        for method, seconds in times.items():
            median = statistics.median(seconds)
            print(
                f"{name:<28}{method:<10}{median * 1000:>10.1f}{min(seconds) * 1000:>8.1f}"
                f"{median * CHARTS_PER_REPORT:>8.2f}"
            )
        ratio = statistics.median(times["seaborn"]) / statistics.median(times["by hand"])
        print(f"{'':<28}seaborn / by hand: {ratio:.2f}")


if __name__ == "__main__":
    main()
