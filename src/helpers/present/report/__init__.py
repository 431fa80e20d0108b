"""What a section notebook calls: one object per report page, each part displayable in Jupyter.

A section notebook reads like the page it makes::

    section = SectionReport.load("homicide", quarter=quarter, force=force, data_dir=data_dir)
    section.heading()
    section.summary()
    section.measure("homicide")
    section.narrative()

Every method returns an object with `_repr_html_`, so the last expression of a cell is the output
the reviewer reads; nbconvert later drops the code.
"""

from helpers.present.report.context import ReportContext
from helpers.present.report.fragment import MEASURE_ROWS_KEY, REFRESH_KEY, TABLES_KEY, Html
from helpers.present.report.methods import MethodsReport
from helpers.present.report.section import SectionReport
from helpers.present.report.summary import SummaryReport

__all__ = [
    "MEASURE_ROWS_KEY",
    "REFRESH_KEY",
    "TABLES_KEY",
    "Html",
    "MethodsReport",
    "ReportContext",
    "SectionReport",
    "SummaryReport",
]
