"""Financial quarters, the report's unit of time.

Police statistics run April to March. Q1 is April-June, Q4 is January-March, and "2023/24 Q4" is
the quarter ending March 2024. A quarter is written either by its last month (``2024-03``) or in
the financial form (``2023/24 Q4``); anything else is rejected with a message saying what is
accepted.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import total_ordering

import pandas as pd

from helpers.core.exceptions import QuarterError

_QUARTER_END_MONTHS = (6, 9, 12, 3)  # Q1..Q4 of a financial year
_MONTH_FORM = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_FINANCIAL_FORM = re.compile(r"^\s*(\d{4})/(\d{2}|\d{4})\s*Q(\d)\s*$", re.IGNORECASE)
_ACCEPTED = "write it as the quarter's last month (e.g. '2024-03') or as '2023/24 Q4'"


@total_ordering
@dataclass(frozen=True)
class FinancialQuarter:
    """A quarter of a financial year (April-March), identified by the year and month it ends."""

    end_year: int
    end_month: int

    def __post_init__(self) -> None:
        if self.end_month not in (3, 6, 9, 12):
            raise QuarterError(
                f"{self.end_year}-{self.end_month:02d} is not the last month of a quarter "
                f"(March, June, September or December); {_ACCEPTED}"
            )

    # ----- construction -------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str | FinancialQuarter | pd.Period) -> FinancialQuarter:
        """Read ``2024-03`` or ``2023/24 Q4`` (also a `FinancialQuarter` or a monthly Period)."""
        if isinstance(text, FinancialQuarter):
            return text
        if isinstance(text, pd.Period):
            return cls(text.year, text.month)
        if not isinstance(text, str):
            raise QuarterError(f"quarter must be text, got {type(text).__name__}: {_ACCEPTED}")
        if m := _MONTH_FORM.match(text):
            year, month = int(m[1]), int(m[2])
            if not 1 <= month <= 12:
                raise QuarterError(f"'{text}' has no month {month}; {_ACCEPTED}")
            if month not in (3, 6, 9, 12):
                raise QuarterError(
                    f"'{text}' is not a quarter end: quarters end in March, June, September or "
                    f"December; {_ACCEPTED}"
                )
            return cls(year, month)
        if m := _FINANCIAL_FORM.match(text):
            start, end_text, q = int(m[1]), m[2], int(m[3])
            end = int(end_text) if len(end_text) == 4 else (start // 100) * 100 + int(end_text)
            if len(end_text) == 2 and end < start:
                end += 100
            if end != start + 1:
                raise QuarterError(
                    f"'{text}' is not a financial year: the second year must follow the first "
                    f"(e.g. '2023/24'); {_ACCEPTED}"
                )
            if not 1 <= q <= 4:
                raise QuarterError(f"'{text}' has no quarter Q{q}: quarters are Q1 to Q4")
            return cls.from_financial_year(start, q)
        raise QuarterError(f"'{text}' is not a quarter: {_ACCEPTED}")

    @classmethod
    def from_financial_year(cls, start_year: int, quarter: int) -> FinancialQuarter:
        """The quarter `quarter` (1-4) of the financial year starting April `start_year`."""
        if not 1 <= quarter <= 4:
            raise QuarterError(f"there is no quarter Q{quarter}: quarters are Q1 to Q4")
        month = _QUARTER_END_MONTHS[quarter - 1]
        return cls(start_year + 1 if quarter == 4 else start_year, month)

    @classmethod
    def containing(cls, day: date | pd.Period | pd.Timestamp) -> FinancialQuarter:
        """The quarter that contains a day or a month."""
        month = ((day.month - 1) // 3 + 1) * 3
        return cls(day.year, month)

    # ----- properties ---------------------------------------------------------------------
    @property
    def financial_year_start(self) -> int:
        return self.end_year - 1 if self.end_month == 3 else self.end_year

    @property
    def quarter_number(self) -> int:
        return _QUARTER_END_MONTHS.index(self.end_month) + 1

    @property
    def financial_year(self) -> str:
        """``2023/24``."""
        start = self.financial_year_start
        return f"{start}/{(start + 1) % 100:02d}"

    @property
    def code(self) -> str:
        """``2024-03``: the form used in folder names and on the command line."""
        return f"{self.end_year}-{self.end_month:02d}"

    @property
    def short_label(self) -> str:
        """``Q4 2023/24``."""
        return f"Q{self.quarter_number} {self.financial_year}"

    @property
    def end_month_name(self) -> str:
        return f"{calendar.month_name[self.end_month]} {self.end_year}"

    @property
    def title(self) -> str:
        """``Quarter ending March 2024 (Q4 2023/24)``."""
        return f"Quarter ending {self.end_month_name} ({self.short_label})"

    @property
    def year_ending(self) -> str:
        """``year ending March 2024``: how the 12-month window is named in sentences."""
        return f"year ending {self.end_month_name}"

    @property
    def first_day(self) -> date:
        return self.months[0].start_time.date()

    @property
    def last_day(self) -> date:
        return date(
            self.end_year, self.end_month, calendar.monthrange(self.end_year, self.end_month)[1]
        )

    @property
    def period(self) -> pd.Period:
        """The quarter's last month as a monthly Period: the key used in every tidy table."""
        return pd.Period(year=self.end_year, month=self.end_month, freq="M")

    @property
    def months(self) -> list[pd.Period]:
        end = self.period
        return [end - 2, end - 1, end]

    # ----- arithmetic ---------------------------------------------------------------------
    def shift(self, quarters: int) -> FinancialQuarter:
        index = self.end_year * 4 + (self.end_month // 3 - 1) + quarters
        return FinancialQuarter(index // 4, (index % 4 + 1) * 3)

    def next(self) -> FinancialQuarter:
        return self.shift(1)

    def previous(self) -> FinancialQuarter:
        return self.shift(-1)

    def window(self, months: int = 12) -> tuple[pd.Period, pd.Period]:
        """First and last month of the `months`-month window ending with this quarter."""
        end = self.period
        return end - (months - 1), end

    def window_label(self, months: int = 12) -> str:
        """``April 2023 to March 2024``."""
        first, last = self.window(months)
        return f"{first.strftime('%B %Y')} to {last.strftime('%B %Y')}"

    # ----- dunder -------------------------------------------------------------------------
    def __lt__(self, other: object) -> bool:
        if not isinstance(other, FinancialQuarter):
            return NotImplemented
        return (self.end_year, self.end_month) < (other.end_year, other.end_month)

    def __add__(self, quarters: int) -> FinancialQuarter:
        return self.shift(quarters)

    def __sub__(self, quarters: int) -> FinancialQuarter:
        return self.shift(-quarters)

    def __str__(self) -> str:
        return self.code


def quarter_range(first: FinancialQuarter, last: FinancialQuarter) -> list[FinancialQuarter]:
    """Every quarter from `first` to `last` inclusive."""
    out, q = [], first
    while q <= last:
        out.append(q)
        q = q.next()
    return out


def resolve_quarter(
    text: str | FinancialQuarter | None,
    latest: FinancialQuarter,
    earliest: FinancialQuarter | None = None,
) -> FinancialQuarter:
    """The quarter a build reports on: `latest` for "latest" or nothing, else the parsed quarter.

    A quarter the data do not cover is rejected here, before any figure is made, with the span
    the data do cover.
    """
    if text is None or (isinstance(text, str) and text.strip().lower() in ("", "latest")):
        return latest
    quarter = FinancialQuarter.parse(text)
    if quarter > latest:
        raise QuarterError(
            f"the data end with the {latest.title.lower()}: there is no data for {quarter.title} "
            f"yet (add the quarter's files, or choose {latest.code} or earlier)"
        )
    if earliest is not None and quarter < earliest:
        raise QuarterError(
            f"{quarter.title} is before the first 12 months the data cover "
            f"(the first reportable quarter is {earliest.code})"
        )
    return quarter
