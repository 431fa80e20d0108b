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

Cell = float | int | str | None


@dataclass(frozen=True)
class SheetTable:
    """One table, one sheet.

    `columns` is the header row, units in the text ("Rate per 1,000 residents"); `rows` hold
    numbers (stored as numbers), text, or the shorthand `SUPPRESSED`, `NOT_AVAILABLE`,
    `NOT_APPLICABLE`; None and NaN are written as `NOT_AVAILABLE`. `notes` are the texts of
    the notes the table cites: numbered on the notes sheet, cited after the title. `sheet`: a
    short unique name (letters, digits, underscores); default ``Table_<n>``. `description`:
    one line for the contents sheet (default: the title).
    """

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    notes: Sequence[str] = ()
    sheet: str | None = None
    description: str | None = None
    kind: str = "table"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (notebook output metadata): NaN becomes the not-available shorthand."""
        return {
            "title": self.title,
            "columns": list(self.columns),
            "rows": [[_clean(v) for v in row] for row in self.rows],
            "notes": list(self.notes),
            "sheet": self.sheet,
            "description": self.description,
            "kind": self.kind,
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
        )


@dataclass(frozen=True)
class Cover:
    """What the cover sheet says (from params/ and the build)."""

    title: str
    force: str
    quarter: str  # "2024/25 Q4 (January to March 2025)"
    period: str  # "12 months to March 2025"
    published: str  # the date the report's content was made
    sources: Sequence[tuple[str, str]] = ()  # (source, what it covers / its vintage)
    contact: Sequence[str] = ()
    about: Sequence[str] = ()  # paragraphs: what the spreadsheet holds
    warning: str | None = None  # e.g. the synthetic sample data warning
    extra: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (heading, paragraph)


def _clean(value: Any) -> Cell:
    if value is None:
        return NOT_AVAILABLE
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

    def sheet(self, name: str, widths: Sequence[bool]) -> Any:
        from odf.table import Table, TableColumn

        table = Table(name=name)
        for wide in widths:
            table.addElement(TableColumn(stylename=self.wide if wide else self.normal))
        self.doc.spreadsheet.addElement(table)
        return table

    def row(self, sheet: Any, cells: Sequence[Any], style: Any = None) -> None:
        from odf.table import TableRow

        row = TableRow()
        for value in cells:
            row.addElement(self.cell(value, style))
        sheet.addElement(row)

    def cell(self, value: Any, style: Any = None) -> Any:
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
        if isinstance(value, int | float):
            cell = TableCell(valuetype="float", value=repr(value), **kwargs)
            cell.addElement(P(text=_display(value)))
            return cell
        cell = TableCell(valuetype="string", **kwargs)
        cell.addElement(P(text=str(value)))
        return cell


@dataclass(frozen=True)
class _Link:
    text: str
    href: str


def _display(value: float | int) -> str:
    # The text a reader without the value type sees; the stored value is exact.
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.10g}"


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
    lines: list[tuple[str, str | None]] = []
    if cover.warning:
        lines.append(("Warning", cover.warning))
    lines += [
        ("Force", cover.force),
        ("Quarter", cover.quarter),
        ("Period covered", cover.period),
        ("Date the figures were made", cover.published),
    ]
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
            writer.row(sheet, [text])

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
        for row in table.rows:
            writer.row(sheet, row)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.doc.save(str(path))
    return names


__all__ = [
    "CONTENTS_SHEET",
    "COVER_SHEET",
    "NOTES_SHEET",
    "NOT_APPLICABLE",
    "NOT_AVAILABLE",
    "SHORTHAND",
    "SUPPRESSED",
    "Cover",
    "SheetTable",
    "check_table",
    "number_notes",
    "sheet_names",
    "titled",
    "write_spreadsheet",
]
