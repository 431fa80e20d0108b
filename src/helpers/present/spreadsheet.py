"""report.ods: the report's numbers as an open, accessible spreadsheet.

Laid out as the Government Analysis Function's guidance on releasing statistics in spreadsheets
asks: a cover sheet, a contents sheet that links to every table, a notes sheet whose notes the
tables cite by number ("[note 2]"), then one table per sheet: its title in cell A1, one header
row (units in the header text) in row 2, the data from row 3, no merged cells, no blank rows or
columns inside the table, numbers stored as numbers (``office:value-type="float"``), and the
guidance's shorthand for a value that is not there ([c], [x], [z]; explained on the cover).

The writer is pure apart from the final file write: the tables are handed in as data
(`SheetTable`), whoever made them. The build hands in the measures summary, every table the
section notebooks showed (charts' data, comparison tables; see
`helpers.present.report.fragment.TABLES_KEY`) and the changes since the last report; **to add a
table, pass one more `SheetTable` in the list** given to `write_spreadsheet` (or, from a notebook,
display it with `report.Html(..., tables=[...])` so the build collects it with the others).

Written with odfpy (the ODS library pandas itself uses; pandas' own `to_excel(engine="odf")`
cannot write links, notes or a title row above the header).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Integral, Real
from pathlib import Path
from typing import Any

# The guidance's shorthand for a cell without a number, and what each means (on the cover).
SUPPRESSED = "[c]"
NOT_AVAILABLE = "[x]"
NOT_APPLICABLE = "[z]"
SHORTHAND: Mapping[str, str] = {
    SUPPRESSED: "confidential: suppressed to protect people's identities (a count below the "
    "disclosure threshold, and the figures that would give it back)",
    NOT_AVAILABLE: "not available: the data were not supplied or cannot give the figure",
    NOT_APPLICABLE: "not applicable: no figure exists for this cell (for example no "
    "comparison group)",
}
COVER_SHEET, CONTENTS_SHEET, NOTES_SHEET = "Cover_sheet", "Contents", "Notes"
# Excel cannot open a sheet name longer than 31 characters; LibreOffice can, but readers may
# use either.
MAX_SHEET_NAME = 31
_SHEET_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

Cell = float | int | str | dt.date | None

# Number formats a column (or a cell) can have: the report's units, shown with the decimals the
# report prints (`formatting.decimals_shown`), and a few more. The value stored is always the
# full one; the format only decides what a reader sees.
UNIT_FORMATS = ("rate_per_1000", "rate_per_1000_households", "percent", "count", "ratio")
MONTH, DATE, YEAR, P_VALUE = "month", "date", "year", "p_value"
FORMATS = (*UNIT_FORMATS, MONTH, DATE, YEAR, P_VALUE)
# A column's unit, read from its header where the table gives no format (headers carry their
# unit: "Value: rate per 1,000 residents", "Count (12 months): number").
_HEADER_UNITS = (
    ("rate per 1,000 residents", "rate_per_1000"),
    ("rate per 1,000 households", "rate_per_1000_households"),
    ("percentage (%)", "percent"),
    ("rate ratio", "ratio"),
    ("number", "count"),
)
_COUNT_HEADERS = frozenset({"population", "households", "residents"})
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}


@dataclass(frozen=True)
class SheetTable:
    """One table, one sheet.

    `columns` is the header row, units in the text ("Rate per 1,000 residents"); `rows` hold
    numbers (stored as numbers), dates, text, or the shorthand `SUPPRESSED`, `NOT_AVAILABLE`,
    `NOT_APPLICABLE`; None and NaN are written as `NOT_AVAILABLE`. `notes` are the texts of
    the notes the table cites: numbered on the notes sheet, cited after the title. `sheet`: a
    short unique name (letters, digits, underscores); default ``Table_<n>``. `description`:
    one line for the contents sheet (default: the title). `formats`: one per column, a name
    of `FORMATS` (or a list of them, one per row, for a column whose unit varies by row); a
    column without one takes the unit its header names (`column_format`). A ``month`` or
    ``date`` column turns "Mar 2025", "2025-03" or "2025-03-31" into a date.
    """

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    notes: Sequence[str] = ()
    sheet: str | None = None
    description: str | None = None
    kind: str = "table"
    formats: Sequence[str | Sequence[str | None] | None] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (notebook output metadata): NaN becomes the not-available shorthand, a
        date its ISO text (a ``month`` or ``date`` column makes it a date again)."""
        return {
            "title": self.title,
            "columns": list(self.columns),
            "rows": [[_jsonable(_clean(v)) for v in row] for row in self.rows],
            "notes": list(self.notes),
            "sheet": self.sheet,
            "description": self.description,
            "kind": self.kind,
            "formats": [f if f is None or isinstance(f, str) else list(f) for f in self.formats],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SheetTable:
        return cls(
            title=str(data["title"]),
            columns=[str(c) for c in data["columns"]],
            rows=[list(r) for r in data["rows"]],
            notes=list(data.get("notes") or ()),
            sheet=data.get("sheet"),
            description=data.get("description"),
            kind=str(data.get("kind") or "table"),
            formats=list(data.get("formats") or ()),
        )


@dataclass(frozen=True)
class Cover:
    """What the cover sheet says (from params/ and the build)."""

    title: str
    force: str
    quarter: str  # "2024/25 Q4 (January to March 2025)"
    period: str  # "12 months to March 2025"
    published: str | dt.date  # the date the report was published (its content made)
    next_update: str | None = None  # when the next quarter's report is due
    sources: Sequence[tuple[str, str]] = ()  # (source, what it covers / its vintage)
    contact: Sequence[str] = ()
    about: Sequence[str] = ()  # paragraphs: what the spreadsheet holds
    warning: str | None = None  # e.g. the synthetic sample data warning
    extra: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (heading, paragraph)


def _clean(value: Any) -> Cell:
    if value is None:
        return NOT_AVAILABLE
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            return NOT_AVAILABLE
        return number
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return str(value)


def _jsonable(value: Cell) -> Cell:
    return value.isoformat() if isinstance(value, dt.date) else value


def column_format(header: str) -> str | None:
    """The format a column's header implies: ``month`` for "Period ending", the unit named
    after its colon (or the whole header: "Rate per 1,000 residents"), ``count`` for a
    population; None (shown as stored) otherwise."""
    text = header.strip().lower()
    if text == "period ending":
        return MONTH
    unit_text = text.rsplit(": ", 1)[-1]
    for words, unit in _HEADER_UNITS:
        if unit_text == words:
            return unit
    if text in _COUNT_HEADERS or text.endswith("(12 months)"):
        return "count"
    return None


def month_end(value: Any) -> dt.date | None:
    """The last day of the month a value names ("Mar 2025", "2025-03", "2025-03-31", a
    `pd.Period` or a date), or None when it names none."""
    if isinstance(value, dt.date):
        return _last_day(value.year, value.month)
    if hasattr(value, "year") and hasattr(value, "month"):  # pandas Period or Timestamp
        return _last_day(int(value.year), int(value.month))
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-\d{2})?", text)
    if match:
        return _last_day(int(match.group(1)), int(match.group(2)))
    match = re.fullmatch(r"([A-Za-z]{3})[a-z]* (\d{4})", text)
    if match and match.group(1).lower() in _MONTHS:
        return _last_day(int(match.group(2)), _MONTHS[match.group(1).lower()])
    return None


def _last_day(year: int, month: int) -> dt.date | None:
    if not 1 <= month <= 12:
        return None
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def cell_formats(table: SheetTable) -> list[list[str | None]]:
    """Each data cell's format: the table's own (per column, or per row), else its header's."""
    formats: list[list[str | None]] = []
    given = list(table.formats) + [None] * (len(table.columns) - len(table.formats))
    for i, header in enumerate(table.columns):
        chosen = given[i] if given[i] is not None else column_format(str(header))
        if chosen is None or isinstance(chosen, str):
            column = [chosen] * len(table.rows)
        else:
            column = list(chosen)
        for name in column:
            if name is not None and name not in FORMATS:
                raise ValueError(
                    f"table {table.title!r}, column {header!r}: unknown format {name!r}; "
                    f"use one of {', '.join(FORMATS)}"
                )
        formats.append(column)
    return [list(row) for row in zip(*formats, strict=True)] if formats else []


def sheet_names(tables: Sequence[SheetTable]) -> list[str]:
    """Each table's sheet name: its own (checked) or Table_<n>, n counting the tables without
    one; a `ValueError` for a name that is not short, plain or unique."""
    names = []
    unnamed = 0
    for table in tables:
        if table.sheet is None:
            unnamed += 1
        name = table.sheet or f"Table_{unnamed}"
        if len(name) > MAX_SHEET_NAME or not _SHEET_NAME.match(name):
            raise ValueError(
                f"sheet name {name!r} of table {table.title!r}: use at most {MAX_SHEET_NAME} "
                "letters, digits and underscores, starting with a letter"
            )
        names.append(name)
    taken = {COVER_SHEET, CONTENTS_SHEET, NOTES_SHEET}
    for name in names:
        if name in taken:
            raise ValueError(f"sheet name {name!r} is used twice")
        taken.add(name)
    return names


def check_table(table: SheetTable) -> None:
    """A `ValueError` naming the table and row unless it has a title, a header and rows of the
    header's width."""
    if not table.title.strip():
        raise ValueError("a table needs a title")
    if not table.columns or any(not str(c).strip() for c in table.columns):
        raise ValueError(f"table {table.title!r}: every column needs a header")
    for i, row in enumerate(table.rows, start=1):
        if len(row) != len(table.columns):
            raise ValueError(
                f"table {table.title!r}, row {i}: {len(row)} cells for {len(table.columns)} columns"
            )
    if len(table.formats) > len(table.columns):
        raise ValueError(f"table {table.title!r}: more formats than columns")
    for header, given in zip(table.columns, table.formats, strict=False):
        if given is not None and not isinstance(given, str) and len(given) != len(table.rows):
            raise ValueError(
                f"table {table.title!r}, column {header!r}: {len(given)} formats for "
                f"{len(table.rows)} rows"
            )
    cell_formats(table)  # an unknown format name fails here


def number_notes(tables: Sequence[SheetTable]) -> tuple[list[str], list[list[int]]]:
    """The notes sheet's notes (each text once, in order of first citation) and, per table, the
    numbers of the notes it cites."""
    notes: list[str] = []
    cited: list[list[int]] = []
    for table in tables:
        numbers = []
        for text in table.notes:
            if text not in notes:
                notes.append(text)
            numbers.append(notes.index(text) + 1)
        cited.append(numbers)
    return notes, cited


def titled(title: str, notes: Sequence[int]) -> str:
    """A table's title with the notes it cites: "Homicide [note 1] [note 3]"."""
    return " ".join([title, *(f"[note {n}]" for n in notes)])


# ----- writing ---------------------------------------------------------------------------------


class _Writer:
    """An odfpy spreadsheet with the few styles the sheets use."""

    def __init__(self) -> None:
        from odf.opendocument import OpenDocumentSpreadsheet
        from odf.style import Style, TableColumnProperties, TextProperties

        self.doc = OpenDocumentSpreadsheet()
        styles = self.doc.automaticstyles
        self.title = Style(name="title", family="table-cell")
        self.title.addElement(TextProperties(fontsize="14pt", fontweight="bold"))
        self.heading = Style(name="heading", family="table-cell")
        self.heading.addElement(TextProperties(fontweight="bold"))
        self.wide = Style(name="wide", family="table-column")
        self.wide.addElement(TableColumnProperties(columnwidth="9cm"))
        self.normal = Style(name="normal", family="table-column")
        self.normal.addElement(TableColumnProperties(columnwidth="4cm"))
        for style in (self.title, self.heading, self.wide, self.normal):
            styles.addElement(style)
        self._formats: dict[tuple[str, int], Any] = {}

    def sheet(self, name: str, widths: Sequence[bool]) -> Any:
        from odf.table import Table, TableColumn

        table = Table(name=name)
        for wide in widths:
            table.addElement(TableColumn(stylename=self.wide if wide else self.normal))
        self.doc.spreadsheet.addElement(table)
        return table

    def row(
        self,
        sheet: Any,
        cells: Sequence[Any],
        style: Any = None,
        formats: Sequence[str | None] | None = None,
    ) -> None:
        from odf.table import TableRow

        row = TableRow()
        for i, value in enumerate(cells):
            row.addElement(self.cell(value, style, formats[i] if formats else None))
        sheet.addElement(row)

    def cell(self, value: Any, style: Any = None, number_format: str | None = None) -> Any:
        from odf.table import TableCell
        from odf.text import A, P

        kwargs = {"stylename": style} if style is not None else {}
        if isinstance(value, _Link):
            cell = TableCell(valuetype="string", **kwargs)
            paragraph = P()
            paragraph.addElement(A(href=value.href, type="simple", text=value.text))
            cell.addElement(paragraph)
            return cell
        value = _clean(value)
        if number_format in (MONTH, DATE) and not isinstance(value, int | float):
            day = month_end(value) if number_format == MONTH else _as_date(value)
            if day is not None:
                value = day
        if isinstance(value, dt.date):
            kind = number_format if number_format in (MONTH, DATE) else DATE
            cell = TableCell(
                valuetype="date", datevalue=value.isoformat(), stylename=self._style(kind, 0)
            )
            cell.addElement(P(text=_date_text(value, kind)))
            return cell
        if isinstance(value, int | float):
            decimals = _decimals(value, number_format)
            if decimals is not None and style is None:
                kwargs = {"stylename": self._style(number_format or "", decimals)}
            cell = TableCell(valuetype="float", value=repr(value), **kwargs)
            cell.addElement(P(text=_display(value, number_format, decimals)))
            return cell
        cell = TableCell(valuetype="string", **kwargs)
        cell.addElement(P(text=str(value)))
        return cell

    def _style(self, number_format: str, decimals: int) -> Any:
        """The cell style showing `decimals` decimals (a thousands separator but for a
        year), or a month ("Mar 2025") or a date ("31 March 2025"): made once each."""
        from odf.number import DateStyle, Day, Month, Number, NumberStyle, Text, Year
        from odf.style import Style

        kind = number_format if number_format in (MONTH, DATE, YEAR) else "number"
        key = (kind, decimals)
        if key in self._formats:
            return self._formats[key]
        name = f"{kind}{decimals}"
        if kind == MONTH:
            data = DateStyle(name=f"N_{name}")
            data.addElement(Month(textual="true", style="short"))
            data.addElement(Text(text=" "))
            data.addElement(Year(style="long"))
        elif kind == DATE:
            data = DateStyle(name=f"N_{name}")
            data.addElement(Day(style="short"))
            data.addElement(Text(text=" "))
            data.addElement(Month(textual="true", style="long"))
            data.addElement(Text(text=" "))
            data.addElement(Year(style="long"))
        else:
            data = NumberStyle(name=f"N_{name}")
            data.addElement(
                Number(
                    decimalplaces=str(decimals),
                    minintegerdigits="1",
                    grouping="false" if kind == YEAR else "true",
                )
            )
        self.doc.automaticstyles.addElement(data)
        style = Style(name=f"C_{name}", family="table-cell", datastylename=f"N_{name}")
        self.doc.automaticstyles.addElement(style)
        self._formats[key] = style
        return style


@dataclass(frozen=True)
class _Link:
    text: str
    href: str


def _decimals(value: float | int, number_format: str | None) -> int | None:
    """The decimals a number's format shows, or None for no format (shown as stored)."""
    from helpers.present.formatting import decimals_shown

    if number_format in UNIT_FORMATS:
        return decimals_shown(value, number_format)  # type: ignore[arg-type]
    if number_format == YEAR:
        return 0
    if number_format == P_VALUE:
        # Three decimals, more for a small p-value: two significant figures.
        return max(3, decimals_shown(value, "rate_per_1000")) if value else 3
    return None


def _display(
    value: float | int, number_format: str | None = None, decimals: int | None = None
) -> str:
    # The text a reader without the value type sees (and what the format shows); the stored
    # value is exact.
    if decimals is not None:
        grouping = "" if number_format == YEAR else ","
        return f"{value:{grouping}.{decimals}f}"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.10g}"


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return value if isinstance(value, dt.date) else None


def _date_text(value: dt.date, kind: str) -> str:
    if kind == MONTH:
        return value.strftime("%b %Y")
    return f"{value.day} {value.strftime('%B %Y')}"


def write_spreadsheet(path: Path, cover: Cover, tables: Sequence[SheetTable]) -> list[str]:
    """Write `report.ods` at `path`: cover, contents, notes, then each of `tables` on its own
    sheet, in the order given. Returns the tables' sheet names. Nothing is written if a table
    is malformed (`ValueError`)."""
    for table in tables:
        check_table(table)
    names = sheet_names(tables)
    notes, cited = number_notes(tables)
    writer = _Writer()

    sheet = writer.sheet(COVER_SHEET, [True])
    writer.row(sheet, [cover.title], writer.title)
    lines: list[tuple[str, str | dt.date | None]] = []
    if cover.warning:
        lines.append(("Warning", cover.warning))
    published = _as_date(cover.published)
    lines += [
        ("Force", cover.force),
        ("Quarter", cover.quarter),
        ("Period covered", cover.period),
        ("Published", published or cover.published),
    ]
    if cover.next_update:
        lines.append(("Next update", cover.next_update))
    for paragraph in cover.about:
        lines.append(("About these tables", paragraph))
    lines.append(("Shorthand used in the tables", None))
    for mark, meaning in SHORTHAND.items():
        lines.append(("", f"{mark} {meaning}"))
    if cover.sources:
        lines.append(("Sources and their vintages", None))
        for source, vintage in cover.sources:
            lines.append(("", f"{source}: {vintage}"))
    for heading, paragraph in cover.extra:
        lines.append((heading, paragraph))
    if cover.contact:
        lines.append(("Contact", None))
        for line in cover.contact:
            lines.append(("", line))
    previous_heading = None
    for heading, text in lines:
        # Headings in column A, each paragraph in the row below: one column, nothing merged.
        if heading and heading != previous_heading:
            writer.row(sheet, [heading], writer.heading)
            previous_heading = heading
        if text:
            writer.row(sheet, [text], formats=[DATE] if isinstance(text, dt.date) else None)

    sheet = writer.sheet(CONTENTS_SHEET, [False, True])
    writer.row(sheet, ["Table of contents"], writer.title)
    writer.row(sheet, ["Sheet name", "Table title"], writer.heading)
    writer.row(sheet, [_Link(NOTES_SHEET, f"#{NOTES_SHEET}.A1"), "Notes cited by the tables"])
    for name, table in zip(names, tables, strict=True):
        writer.row(sheet, [_Link(name, f"#{name}.A1"), table.description or table.title])

    sheet = writer.sheet(NOTES_SHEET, [False, True])
    writer.row(sheet, ["Notes"], writer.title)
    writer.row(sheet, ["Note number", "Note text"], writer.heading)
    if not notes:
        writer.row(sheet, [NOT_APPLICABLE, "No table cites a note."])
    for n, text in enumerate(notes, start=1):
        writer.row(sheet, [f"note {n}", text])

    for name, table, numbers in zip(names, tables, cited, strict=True):
        widths = [len(str(c)) > 30 for c in table.columns]
        sheet = writer.sheet(name, widths)
        writer.row(sheet, [titled(table.title, numbers)], writer.title)
        writer.row(sheet, list(table.columns), writer.heading)
        for row, formats in zip(table.rows, cell_formats(table), strict=True):
            writer.row(sheet, row, formats=formats)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.doc.save(str(path))
    return names


__all__ = [
    "CONTENTS_SHEET",
    "COVER_SHEET",
    "DATE",
    "FORMATS",
    "MONTH",
    "NOTES_SHEET",
    "NOT_APPLICABLE",
    "NOT_AVAILABLE",
    "P_VALUE",
    "SHORTHAND",
    "SUPPRESSED",
    "UNIT_FORMATS",
    "YEAR",
    "Cover",
    "SheetTable",
    "cell_formats",
    "check_table",
    "column_format",
    "month_end",
    "number_notes",
    "sheet_names",
    "titled",
    "write_spreadsheet",
]
