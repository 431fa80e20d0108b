"""Charts for the report's pages, drawn with seaborn: trend charts (`trend_chart`) and funnel
plots (`funnel_chart`), each a `Chart` with its SVG, text alternative and data table.

`figure` holds what they share (the palette, the Matplotlib settings, the axes' look, the SVG);
`trend_chart` (with `counts_chart` and `volume_rate_chart`) and `funnel_plot` draw one kind each.
"""

from helpers.present.charts.figure import PALETTE, SPREADSHEET, Chart
from helpers.present.charts.funnel_plot import FUNNEL_LINES, PointStyle, funnel_chart, funnel_top
from helpers.present.charts.trend_chart import (
    FIGURE_SIZE,
    MAX_MARKERS,
    MAX_PERIOD_LABELS,
    NATIONAL_LABEL,
    SERIES_STYLES,
    SeriesStyle,
    counts_chart,
    trend_chart,
    volume_rate_chart,
)

__all__ = [
    "FIGURE_SIZE",
    "FUNNEL_LINES",
    "MAX_MARKERS",
    "MAX_PERIOD_LABELS",
    "NATIONAL_LABEL",
    "PALETTE",
    "SERIES_STYLES",
    "SPREADSHEET",
    "Chart",
    "PointStyle",
    "SeriesStyle",
    "counts_chart",
    "funnel_chart",
    "funnel_top",
    "trend_chart",
    "volume_rate_chart",
]
