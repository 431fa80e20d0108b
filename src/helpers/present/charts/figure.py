"""What every report chart shares: the `Chart` a page shows (SVG, text alternative, the numbers
behind it), the Okabe-Ito palette, the Matplotlib settings a chart is drawn under, the axes' look
and the SVG text.

Charts are drawn with seaborn on a `matplotlib.figure.Figure` with its own Agg canvas, never
through pyplot, so no global backend is chosen; `CHART_RC` applies for the duration of one chart
only, on top of Matplotlib's defaults, so a notebook's own style neither leaks into nor out of a
report chart.
"""

from __future__ import annotations

import base64
import html
import io
import re
import textwrap
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib.style
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter

from helpers.present.formatting import unit_label
from helpers.present.tables import data_table

if TYPE_CHECKING:
    from matplotlib.axes import Axes

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
# The spreadsheet published beside the report (helpers.present.spreadsheet). Pages say once where
# it is (the title page, each section page's header), not under every chart.
SPREADSHEET = "report.ods"

TEXT_COLOUR = "#1a1a1a"
GRID_COLOUR = "#d9d9d9"
_DOCTYPE = re.compile(r"<!DOCTYPE[^>]*>\s*")
_SVG_SALT = "police-performance-report"  # fixed ids in the SVG: same input, same bytes
CHART_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": _SVG_SALT,
    "font.family": ["sans-serif"],
    # Layout is measured with DejaVu Sans (shipped with Matplotlib, so every machine agrees); the
    # SVG names the others as fallbacks, all narrower, so labels never overflow when substituted.
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
    "font.size": 10.0,
    "axes.titlesize": 12.0,
    "axes.labelsize": 10.0,
    "axes.edgecolor": TEXT_COLOUR,
    "axes.labelcolor": TEXT_COLOUR,
    "xtick.color": TEXT_COLOUR,
    "ytick.color": TEXT_COLOUR,
    "text.color": TEXT_COLOUR,
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
        if self.unit:
            caption = f"{self.title} ({unit_label(self.unit)})"
        else:  # a chart of two units (a volume and its rate): the caption names both
            labels = dict.fromkeys(unit_label(u) for u in (self.column_units or {}).values() if u)
            caption = f"{self.title} ({' and '.join(labels)})" if labels else self.title
        if self.column_units is not None:
            units = {k: v for k, v in self.column_units.items() if v is not None}
            return data_table(self.data, caption=caption, unit=units)
        return data_table(self.data, caption=caption, unit=self.unit)

    def to_html(self) -> str:
        title = html.escape(self.title)
        return (
            # On a phone the figure scrolls sideways (report.css), so it takes keyboard focus.
            f'<figure class="chart" tabindex="0"><img src="{self.data_uri}" '
            f'alt="{html.escape(self.alt_text, quote=True)}">'
            f"<figcaption>{title}</figcaption></figure>\n"
            f'<details class="chart-data"><summary>Data table: {title}</summary>\n'
            f"{self.data_table_html()}\n</details>"
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


# The share of a chart's width its title may take: the title starts at the axes' left edge,
# which the y axis's tick labels and label push in by up to about a tenth of the figure.
TITLE_WIDTH_SHARE = 0.86


def style_axes(ax: Axes, title: str) -> None:
    """The look every chart shares: a bold title on the left (wrapped to the drawing's width),
    light horizontal grid lines behind the data, no top or right frame, short ticks."""
    fit_title(ax, title)
    ax.grid(axis="y", color=GRID_COLOUR, linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="both", length=3)


def fit_title(ax: Axes, title: str) -> None:
    """Set `title` on `ax`, wrapped onto as many lines as it needs to stay inside the figure:
    its width measured with the figure's renderer, never guessed from a count of characters,
    so that no word of it is cut off at the drawing's edge."""
    renderer = ax.figure.canvas.get_renderer()
    limit = ax.figure.bbox.width * TITLE_WIDTH_SHARE
    width = len(title)
    while True:
        text = ax.set_title(textwrap.fill(title, width), loc="left", fontweight="bold")
        if width <= 20 or text.get_window_extent(renderer).width <= limit:
            return
        width -= 4


@contextmanager
def chart_axes(size: tuple[float, float]) -> Iterator[tuple[Figure, Axes]]:
    """A figure of `size` inches with one axes, on its own Agg canvas (never pyplot), under
    Matplotlib's defaults and `CHART_RC` only: a notebook's own style never changes a report
    chart. Save it (`svg_text`) inside the block, while the settings apply."""
    with matplotlib.style.context(["default", CHART_RC]):
        fig = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(fig)
        yield fig, fig.add_subplot()


def legend_below(fig: Figure, handles: list[Any], ncols: int) -> None:
    """The legend every chart has: under the plot, no frame, long enough handles to show a
    line's dash pattern; in `ncols` columns, or fewer where a row that long would not fit the
    drawing's width (nothing a chart draws may fall outside it)."""
    renderer = fig.canvas.get_renderer()
    for n in range(max(1, min(ncols, len(handles))), 0, -1):
        legend = fig.legend(
            handles=handles, loc="outside lower center", ncols=n, frameon=False, handlelength=3.2
        )
        if n == 1 or legend.get_window_extent(renderer).width <= 0.98 * fig.bbox.width:
            return
        legend.remove()


def svg_text(fig: Figure, title: str) -> str:
    """The figure as SVG text, without a date, so the same chart gives the same bytes. Called
    inside the chart's `CHART_RC` context: the SVG font and id settings apply when it is saved."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Title": title})
    # The DOCTYPE names a DTD on w3.org: nothing should ever try to fetch it on a closed network.
    return _DOCTYPE.sub("", buffer.getvalue(), count=1)


class TickFormatter(Formatter):
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
