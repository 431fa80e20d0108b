"""The catalogue of bad inputs (docs/ERRORS.md), each run END TO END through the build command.

A small valid data folder (`write_minimal_sample`) is copied and broken in one way per case, then
`helpers.pipeline.cli.main([... "--data-dir", broken, "--outputs", tmp])` runs on it.

* Cases that must stop: exit status non-zero, the message names the file, the line and the
  column, no notebook runs, and the outputs folder (holding a previous good report) is untouched.
* Cases the spec lets go on: one build (two sections) of a folder with every such defect; each
  case checks its warning in the build summary and, where the spec says so, on the page.

Each row of the table in docs/ERRORS.md is one parameter below (same id).

* The matrix ("Every input by every fault" in docs/ERRORS.md): every input of the data folder by
  nine faults, into the outputs folder of the session's good report (`built`), which must stay
  byte for byte; no traceback on stderr; a few cases through `make`; the PRC workbook (ODS,
  XLSX) through the import that `make report DATA=real` runs.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers.inputs.sample_data import write_minimal_sample
from helpers.pipeline import cli

QUARTER = "2025-03"
PREVIOUS = Path(QUARTER) / "avon-and-somerset"


# ----- the valid folder and the build ------------------------------------------------------------
@pytest.fixture(scope="module")
def minimal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("minimal")
    write_minimal_sample(out)
    return out


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _build(tmp: Path, data: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    status = cli.main(
        [
            "--data-dir",
            str(data),
            "--outputs",
            str(tmp / "outputs"),
            "--narrative-dir",
            str(tmp / "narrative"),
            "--jobs",
            "2",
            *args,
        ],
        stream=out,
    )
    return status, out.getvalue()


# ----- ways to break a copy -----------------------------------------------------------------------
def _lines(data: Path, rel: str) -> list[str]:
    return (data / rel).read_text(encoding="utf-8").splitlines()


def _write_lines(data: Path, rel: str, lines: list[str]) -> None:
    (data / rel).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _set_cell(rel: str, line: int, column: str, value: str) -> Callable[[Path], None]:
    """Line `line` (header = 1) of `rel`: `column` set to `value` (simple CSV, no quotes)."""

    def apply(data: Path) -> None:
        lines = _lines(data, rel)
        header = lines[0].split(",")
        cells = lines[line - 1].split(",")
        cells[header.index(column)] = value
        lines[line - 1] = ",".join(cells)
        _write_lines(data, rel, lines)

    return apply


def _empty(data: Path) -> None:
    (data / "national/rape_outcomes.csv").write_bytes(b"")


def _header_only(data: Path) -> None:
    rel = "local/confidence_survey/2025-03.csv"
    _write_lines(data, rel, _lines(data, rel)[:1])


def _truncated_gzip(data: Path) -> None:
    path = data / "national/prc_pfa.csv.gz"
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])


def _truncated_csv(data: Path) -> None:
    # Cut in the middle of line 4, as a copy that stopped half-way leaves it.
    rel = "national/rape_outcomes.csv"
    lines = _lines(data, rel)[:4]
    lines[3] = lines[3].rsplit(",", 2)[0]
    (data / rel).write_text("\n".join(lines), encoding="utf-8")


def _ragged(data: Path) -> None:
    rel = "national/rape_outcomes.csv"
    lines = _lines(data, rel)
    lines[4] += ",7"  # line 5
    _write_lines(data, rel, lines)


def _renamed_column(data: Path) -> None:
    for path in (data / "local/victim_satisfaction").glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(",satisfied\n", ",satisfied_count\n", 1), encoding="utf-8")


def _missing_column(data: Path) -> None:
    rel = "national/rape_outcomes.csv"
    _write_lines(data, rel, [line.rsplit(",", 1)[0] for line in _lines(data, rel)])


def _duplicate(data: Path) -> None:
    rel = "national/rape_outcomes.csv"
    lines = _lines(data, rel)
    _write_lines(data, rel, [*lines, lines[1]])


def _replace_text(rel: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    def apply(data: Path) -> None:
        text = (data / rel).read_text(encoding="utf-8")
        assert old in text
        (data / rel).write_text(text.replace(old, new, count), encoding="utf-8")

    return apply


def _not_utf8(data: Path) -> None:
    rel = "local/complaint_reviews/2025-03.csv"
    raw = (data / rel).read_bytes().split(b"\n")
    raw[2] = raw[2].replace(b",", b"\x96", 1)  # Windows-1252 en dash on line 3
    (data / rel).write_bytes(b"\n".join(raw))


def _population_only_2024(data: Path) -> None:
    # Every year before the windows' years removed: the only estimate is mid-2024, and the
    # first reportable quarter (year ending March 2024) wants mid-2023.
    rel = "national/population_pfa.csv"
    lines = _lines(data, rel)
    kept = [lines[0]] + [line.replace(",2023,", ",2024,") for line in lines[1:] if ",2023," in line]
    _write_lines(data, rel, kept)


def _nothing(data: Path) -> None:
    pass


# ----- cases that stop the build ------------------------------------------------------------------
# (id, how to break the folder, extra build arguments, what the message must say: file, line,
#  column and what is wrong, each a fragment of one line of the output)
STOPS: list[tuple[str, Callable[[Path], None], tuple[str, ...], list[str]]] = [
    ("empty-file", _empty, (), ["national/rape_outcomes.csv: file is empty"]),
    (
        "header-only",
        _header_only,
        (),
        ["local/confidence_survey/2025-03.csv: has a header but no data rows"],
    ),
    (
        "truncated-gzip",
        _truncated_gzip,
        (),
        ["national/prc_pfa.csv.gz: cannot be decompressed: the gzip file is truncated"],
    ),
    (
        "truncated-csv",
        _truncated_csv,
        (),
        ["national/rape_outcomes.csv, row 4: ends in the middle of a row", "cut short"],
    ),
    (
        "malformed-row",
        _ragged,
        (),
        ["national/rape_outcomes.csv, row 5: has 5 fields where the header has 4"],
    ),
    (
        "renamed-column",
        _renamed_column,
        (),
        [
            "local/victim_satisfaction/2025-03.csv, row 1, column 'satisfied_count': column "
            "'satisfied_count' should be named 'satisfied'"
        ],
    ),
    (
        "missing-column",
        _missing_column,
        (),
        [
            "national/rape_outcomes.csv, row 1, column 'charged_summonsed': missing column "
            "'charged_summonsed'"
        ],
    ),
    (
        "non-numeric-count",
        _set_cell("national/rape_outcomes.csv", 3, "finalised_outcomes", "twelve"),
        (),
        ["national/rape_outcomes.csv, row 3, column 'finalised_outcomes'", "'twelve'"],
    ),
    (
        "decimal-count",
        _set_cell("local/action_fraud/2025-03.csv", 2, "referrals_disseminated", "12.5"),
        (),
        ["local/action_fraud/2025-03.csv, row 2, column 'referrals_disseminated'", "'12.5'"],
    ),
    (
        "negative-count",
        _set_cell("national/rape_outcomes.csv", 6, "charged_summonsed", "-2"),
        (),
        [
            "national/rape_outcomes.csv, row 6, column 'charged_summonsed': a count cannot be "
            "negative"
        ],
    ),
    (
        "negative-local-count",
        _set_cell("local/drugs_disruptions/2025-03.csv", 4, "disruptions", "-1"),
        (),
        [
            "local/drugs_disruptions/2025-03.csv, row 4, column 'disruptions': a count cannot "
            "be negative"
        ],
    ),
    (
        "part-exceeds-whole",
        _set_cell("national/rape_outcomes.csv", 3, "charged_summonsed", "99999"),
        (),
        ["national/rape_outcomes.csv, row 3, column 'charged_summonsed'", "cannot exceed"],
    ),
    (
        "duplicate-row",
        _duplicate,
        (),
        ["national/rape_outcomes.csv, row ", "duplicate row: an exact copy of line 2"],
    ),
    (
        "unknown-force",
        _replace_text("national/rape_outcomes.csv", ",Cumbria,", ",Cumbira,"),
        (),
        [
            "national/rape_outcomes.csv, row 3, column 'force': unknown force 'Cumbira'",
            "Cumbria",
        ],
    ),
    (
        "quarter-after-data",
        _nothing,
        ("--quarter", "2025-06"),
        ["there is no data for Quarter ending June 2025", "choose 2025-03 or earlier"],
    ),
    (
        "quarter-before-data",
        _nothing,
        ("--quarter", "2023-12"),
        ["before the first 12 months the data cover", "2024-03"],
    ),
    (
        "population-no-earlier-year",
        _population_only_2024,
        (),
        [
            "national/population_pfa.csv, column 'mid_year': Avon and Somerset: no population "
            "estimate for mid-2023 or earlier",
        ],
    ),
    (
        "not-utf8",
        _not_utf8,
        (),
        [
            "local/complaint_reviews/2025-03.csv, row 3: is not UTF-8 text: byte 0x96",
            "CSV UTF-8",
        ],
    ),
    (
        "date-dd-mm-yyyy",
        _set_cell("national/stop_search.csv", 4, "period", "01/03/2024"),
        (),
        [
            "national/stop_search.csv, row 4, column 'period': period must be written YYYY-MM "
            "(found '01/03/2024')"
        ],
    ),
    (
        "date-mon-yy",
        _set_cell("local/victim_satisfaction/2025-03.csv", 2, "period", "Mar-24"),
        (),
        [
            "local/victim_satisfaction/2025-03.csv, row 2, column 'period': period must be "
            "written YYYY-MM (found 'Mar-24')"
        ],
    ),
    (
        "date-as-at",
        _set_cell("national/workforce.csv", 2, "as_at", "31/03/2024"),
        (),
        ["national/workforce.csv, row 2, column 'as_at': as_at must be 31 March or 30 September"],
    ),
    (
        "local-file-name",
        lambda data: (data / "local/cyber_crime/2025-03.csv").rename(
            data / "local/cyber_crime/March 2025.csv"
        ),
        (),
        ["local/cyber_crime/March 2025.csv: file name must be the quarter's last month"],
    ),
]


@pytest.mark.parametrize(
    ("breaker", "args", "expected"),
    [pytest.param(b, a, e, id=i) for i, b, a, e in STOPS],
)
def test_bad_input_stops_the_build_before_any_notebook(
    minimal: Path,
    tmp_path: Path,
    breaker: Callable[[Path], None],
    args: tuple[str, ...],
    expected: list[str],
) -> None:
    data = tmp_path / "data"
    shutil.copytree(minimal, data)
    breaker(data)
    previous = tmp_path / "outputs" / PREVIOUS
    previous.mkdir(parents=True)
    (previous / "report.html").write_text("the previous good report", encoding="utf-8")
    before = _tree(tmp_path / "outputs")

    status, output = _build(tmp_path, data, *args)

    assert status != 0, output
    for fragment in expected:
        assert fragment in output, f"{fragment!r} not in:\n{output}"
    assert "Executing" not in output and "measures.csv" not in output  # nothing ran
    assert _tree(tmp_path / "outputs") == before  # nothing written, nothing removed
    assert not (tmp_path / "outputs" / ".failed").exists()


# ----- cases the spec lets go on ------------------------------------------------------------
SCRIPT_NARRATIVE = """---
status: reviewed
---
## Planned action to drive performance
1. Patrol <script>alert('x')</script> the <b onmouseover="alert(1)">night-time economy</b>.
2. <img src=x onerror="alert(2)"> See [the plan](javascript:alert(3)).

<iframe src="https://example.org"></iframe>

## Comments
1. <a href="https://example.org" onclick="alert(4)">A link</a> & a <style>body{}</style> rule.
"""


def _goes_on(data: Path, narrative: Path) -> None:
    # A genuine Home Office adjustment: a negative count in police recorded crime.
    path = data / "national/prc_pfa.csv.gz"
    lines = gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()
    header = lines[0].split(",")
    column = header.index("Number of Offences")
    cells = lines[5].split(",")
    cells[column] = "-3"
    lines[5] = ",".join(cells)
    # One force with no rows for a quarter the others have: its windows are not available.
    lines = [line for line in lines if not line.startswith("2024/25,2,Kent,")]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0))
    # A local extract not supplied at all.
    shutil.rmtree(data / "local/victim_satisfaction")
    # A local extract with one quarter's file missing between others.
    (data / "local/complaint_reviews/2024-09.csv").unlink()
    # Excel's "CSV UTF-8": a byte-order mark and CRLF line ends.
    rel = data / "local/drugs_disruptions/2025-03.csv"
    rel.write_bytes(b"\xef\xbb\xbf" + rel.read_bytes().replace(b"\n", b"\r\n"))
    # Population: the minimal sample stops at mid-2023, so the year ending March 2025 (which
    # wants mid-2024) uses mid-2023.
    # A narrative with HTML and script in it.
    (narrative / QUARTER).mkdir(parents=True)
    (narrative / QUARTER / "homicide.md").write_text(SCRIPT_NARRATIVE, encoding="utf-8")


@pytest.fixture(scope="module")
def went_on(minimal: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, Path]:
    tmp = tmp_path_factory.mktemp("goes-on")
    data = tmp / "data"
    shutil.copytree(minimal, data)
    _goes_on(data, tmp / "narrative")
    status, output = _build(tmp, data, "--sections", "homicide,victim_satisfaction,complaints")
    target = tmp / "outputs" / QUARTER / "avon-and-somerset-partial"
    return status, output, target


def _summary(output: str) -> str:
    """The closing summary of the build (after the last step line)."""
    marker = re.search(r"^\d+ warning\(s\)", output, re.MULTILINE)
    assert marker, output
    return output[marker.start() :]


def _page(target: Path) -> str:
    return (target / "report.html").read_text(encoding="utf-8")


GOES_ON = [
    (
        "prc-negative-adjustment",
        ["rows have negative counts, accepted as Home Office adjustments"],
        [],
    ),
    (
        "local-extract-missing",
        ["Local data not supplied: victim_satisfaction", "Improve Victim Satisfaction"],
        ["no figure for the year ending March 2025; local data not supplied (victim_satisfaction)"],
    ),
    (
        "population-year-missing",
        ["no mid-2024 population estimate for Avon and Somerset", "use mid-2023"],
        ["Rates use the mid-2023 population estimate; mid-2024 was not supplied"],
    ),
    (
        "prc-force-missing-a-quarter",
        ["Kent has no rows for 1 quarter(s): 2024/25 Q2"],
        [
            "Kent (a period with no data) has no figure for the year ending March 2025 and is "
            "left out of the most similar group average and ranking"
        ],
    ),
    (
        "local-quarter-file-missing",
        ["no file for the quarter(s) ending 2024-09", "12-month figures that include them"],
        [
            "has no data for Avon and Somerset for the month ending July 2024, August 2024, "
            "September 2024",
            "a missing period is never counted as zero",
        ],
    ),
]


@pytest.mark.parametrize(
    ("in_summary", "on_page"), [pytest.param(s, p, id=i) for i, s, p in GOES_ON]
)
def test_defect_the_spec_allows_builds_with_a_visible_warning(
    went_on: tuple[int, str, Path], in_summary: list[str], on_page: list[str]
) -> None:
    status, output, target = went_on
    assert status == 0, output
    summary = _summary(output)
    for fragment in in_summary:
        assert fragment in summary, f"{fragment!r} not in the build summary:\n{summary}"
    page = _page(target).lower()
    for fragment in on_page:
        assert fragment.lower() in page, f"{fragment!r} not in report.html"


def test_byte_order_mark_and_crlf_are_read(went_on: tuple[int, str, Path]) -> None:
    status, output, _ = went_on
    assert status == 0
    assert "drugs_disruptions" not in output  # no error, no warning about the file


class _Elements(HTMLParser):
    """What a browser would act on: elements and attributes (text, even "<script>", is inert)."""

    def __init__(self) -> None:
        super().__init__()
        self.in_body = False
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_body = self.in_body or tag == "body"
        values = dict(attrs)
        if tag in ("script", "style") and self.in_body:
            self.found.append(f"<{tag}> in the body")  # the page's own are in <head>
        if tag in ("iframe", "object", "embed"):
            self.found.append(f"<{tag}>")
        if tag == "img" and not str(values.get("src", "")).startswith("data:"):
            self.found.append(f"<img src={values.get('src')!r}>")  # charts are data: URIs
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in ("href", "src") and str(value).strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")


def test_narrative_html_and_script_are_never_in_the_report(
    went_on: tuple[int, str, Path],
) -> None:
    status, output, target = went_on
    assert status == 0, output
    pages = [target / "report.html", *sorted((target / "sections").glob("*.html"))]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        parser = _Elements()
        parser.feed(text)
        assert parser.found == [], page
    report = pages[0].read_text(encoding="utf-8")
    # The analyst's words are kept, the markup shown as text, never acted on.
    assert "night-time economy" in report
    assert "&lt;script&gt;" in report


# ----- the matrix: every published input by every kind of fault ------------------------------
# Each input of the data folder (docs/DATA.md) is broken in each way below, one case at a time,
# and built with `helpers.pipeline.cli.main` into the outputs folder of the session's good report
# (`built`): the build must stop before any notebook with a message naming the file, the line
# where one is at fault and what is wrong; stderr must hold no traceback; and every byte of the
# last good report must stay as it was. A few cases run through `make`, the way users run it.
@dataclass(frozen=True)
class Input:
    id: str
    rel: str  # the file broken (a local extract: its latest quarter)
    count: str  # a whole-number column
    force: str  # the column naming the force (area)
    period: str | None  # the period column, None without a series of periods

    @property
    def gz(self) -> bool:
        return self.rel.endswith(".gz")


INPUTS = [
    Input("prc-csv", "national/prc_pfa.csv.gz", "Number of Offences", "Force Name", "quarter"),
    Input("population", "national/population_pfa.csv", "population", "area_name", "mid_year"),
    Input(
        "census-ethnicity",
        "national/population_ethnicity_pfa.csv",
        "population",
        "police force area",
        None,
    ),
    Input(
        "census-2011",
        "national/population_ethnicity_2011_pfa.csv",
        "population",
        "police force area",
        None,
    ),
    Input("rape-outcomes", "national/rape_outcomes.csv", "finalised_outcomes", "force", "period"),
    Input("use-of-force", "national/use_of_force.csv", "incidents", "force", "period"),
    Input("stop-search", "national/stop_search.csv", "searches", "force", "period"),
    Input("workforce", "national/workforce.csv", "headcount", "force", "as_at"),
    Input("csew-confidence", "national/csew_confidence.csv", "respondents", "force", "period"),
    *[
        Input(name.replace("_", "-"), f"local/{name}/2025-03.csv", count, "force", "period")
        for name, count in (
            ("victim_satisfaction", "respondents"),
            ("confidence_survey", "respondents"),
            ("drugs_disruptions", "disruptions"),
            ("cyber_crime", "disseminated"),
            ("action_fraud", "referrals_disseminated"),
            ("complaint_reviews", "reviews_completed"),
            ("information_rights", "requests_due"),
        )
    ],
]


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    return (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8")


def _write_raw(path: Path, raw: bytes) -> None:
    path.unlink()  # a link to the shared minimal sample: replaced, never written through
    path.write_bytes(gzip.compress(raw, mtime=0) if path.name.endswith(".gz") else raw)


def _rows(item: Input, data: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_read_text(data / item.rel))))


def _write_rows(item: Input, data: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    _write_raw(data / item.rel, out.getvalue().encode("utf-8"))


def _cell(item: Input, data: Path, line: int, column: str, value: str) -> str:
    rows = _rows(item, data)
    index = rows[0].index(column)
    old = rows[line - 1][index]
    rows[line - 1][index] = value
    _write_rows(item, data, rows)
    return old


def _non_numeric(item: Input, data: Path) -> list[str]:
    _cell(item, data, 3, item.count, "12x")
    return [f"{item.rel}, row 3, column '{item.count}': is not a whole number (found '12x')"]


def _misspelt_force(item: Input, data: Path) -> list[str]:
    rows = _rows(item, data)
    name = rows[2][rows[0].index(item.force)]
    _cell(item, data, 3, item.force, name + name[-1])  # "Avon and Somersett"
    where = f"{item.rel}, row 3, column '{item.force}': "
    if item.force == "area_name":  # the population table: the name checked against the code
        return [where + "area_name does not match area_code", f"(found '{name + name[-1]}')"]
    return [where + f"unknown force '{name + name[-1]}': did you mean '{name}'?"]


def _exact_duplicate(item: Input, data: Path) -> list[str]:
    rows = _rows(item, data)
    _write_rows(item, data, [*rows, rows[1]])
    return [f"{item.rel}, row {len(rows) + 1}: duplicate row: an exact copy of line 2"]


def _truncated(item: Input, data: Path) -> list[str]:
    raw = _read_text(data / item.rel).encode("utf-8")
    if item.gz:  # a download that stopped half-way: the compressed stream is cut
        compressed = gzip.compress(raw, mtime=0)
        (data / item.rel).unlink()
        (data / item.rel).write_bytes(compressed[: len(compressed) // 2])
        return [f"{item.rel}: cannot be decompressed: the gzip file is truncated"]
    lines = raw.decode("utf-8").split("\n")
    cut = lines[4][: lines[4].rfind(",") - 1]  # line 5 stops part-way through its fields
    _write_raw(data / item.rel, "\n".join([*lines[:4], cut]).encode("utf-8"))
    return [f"{item.rel}, row 5: ends in the middle of a row", "cut short"]


def _renamed_column(item: Input, data: Path) -> list[str]:
    rows = _rows(item, data)
    rows[0][rows[0].index(item.count)] = f"{item.count} (n)"
    _write_rows(item, data, rows)
    return [
        f"{item.rel}, row 1, column '{item.count} (n)': column '{item.count} (n)' should be "
        f"named '{item.count}'"
    ]


def _empty(item: Input, data: Path) -> list[str]:
    (data / item.rel).unlink()
    (data / item.rel).write_bytes(b"")
    return [f"{item.rel}: file is empty"]


def _period_missing(item: Input, data: Path) -> list[str]:
    rows = _rows(item, data)
    header, body = rows[0], rows[1:]
    if item.period == "quarter":  # PRC: a financial year and quarter
        year, quarter = header.index("Financial Year"), header.index("Financial Quarter")
        quarters = list(dict.fromkeys((r[year], r[quarter]) for r in body))
        gone = sorted(quarters)[2]
        kept = [r for r in body if (r[year], r[quarter]) != gone]
        _write_rows(item, data, [header, *kept])
        return [f"{item.rel}, column 'Financial Quarter': no rows at all for {gone[0]} Q{gone[1]}"]
    assert item.period is not None
    column = header.index(item.period)
    periods = sorted({r[column] for r in body})
    gone = periods[1]  # a local extract: the middle month of its quarter
    if not item.rel.startswith("local/"):
        gone = periods[len(periods) // 2]
    _write_rows(item, data, [header, *[r for r in body if r[column] != gone]])
    if item.rel.startswith("local/"):
        return [f"{item.rel}, column 'period': ", f"no row for {gone}"]
    shown = gone if item.period != "as_at" else gone[:7]
    shown = f"mid-{gone}" if item.period == "mid_year" else shown
    return [f"{item.rel}, column '{item.period}': no ", f"at all for {shown}", "inside the series"]


def _wrong_encoding(item: Input, data: Path) -> list[str]:
    # Excel's "Unicode Text": UTF-16 with a byte-order mark.
    _write_raw(data / item.rel, _read_text(data / item.rel).encode("utf-16"))
    return [f"{item.rel}, row 1: is UTF-16 text", "save it as 'CSV UTF-8'"]


def _wrong_file(item: Input, data: Path) -> list[str]:
    donor = "national/population_pfa.csv"
    if item.id == "population":
        donor = "national/rape_outcomes.csv"
    elif item.rel.startswith("local/"):  # another extract, in this extract's folder
        donor = "local/action_fraud/2025-03.csv"
        if item.id == "action-fraud":
            donor = "local/drugs_disruptions/2025-03.csv"
    _write_raw(data / item.rel, _read_text(data / donor).encode("utf-8"))
    folder = donor.rsplit("/", 1)[0] if donor.startswith("local/") else donor
    return [f"{item.rel}, row 1: is the wrong file: it has the columns of", f"({folder})"]


FAULTS: list[tuple[str, Callable[[Input, Path], list[str]]]] = [
    ("non-numeric-count", _non_numeric),
    ("misspelt-force", _misspelt_force),
    ("exact-duplicate", _exact_duplicate),
    ("truncated", _truncated),
    ("renamed-column", _renamed_column),
    ("empty-file", _empty),
    ("period-missing", _period_missing),
    ("wrong-encoding", _wrong_encoding),
    ("wrong-file", _wrong_file),
]
# Faults that cannot happen to an input: the census is one year, with no series to have a gap.
NOT_APPLICABLE = {("census-ethnicity", "period-missing"), ("census-2011", "period-missing")}
MATRIX = [
    pytest.param(item, fault, id=f"{item.id}-{fault_id}")
    for item in INPUTS
    for fault_id, fault in FAULTS
    if (item.id, fault_id) not in NOT_APPLICABLE
]


def _linked_copy(source: Path, target: Path) -> Path:
    """`source`'s files as links (a case replaces the one file it breaks)."""
    for path in source.rglob("*"):
        if path.is_file():
            link = target / path.relative_to(source)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path)
    return target


@pytest.fixture(scope="module")
def last_good(built: Path) -> tuple[Path, dict[str, str]]:
    """The outputs folder holding the session's good report, and the hash of every file."""
    outputs = built.parents[1]
    return outputs, _tree(outputs)


@pytest.mark.parametrize(("item", "fault"), MATRIX)
def test_every_input_by_every_fault_stops_before_any_notebook(
    minimal: Path,
    last_good: tuple[Path, dict[str, str]],
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    item: Input,
    fault: Callable[[Input, Path], list[str]],
) -> None:
    outputs, before = last_good
    data = _linked_copy(minimal, tmp_path / "data")
    expected = fault(item, data)
    log = io.StringIO()

    status = cli.main(
        ["--data-dir", str(data), "--outputs", str(outputs), "--jobs", "2", "--cold-kernels"],
        stream=log,
    )

    output = log.getvalue()
    assert status == 1, output
    for fragment in expected:
        assert fragment in output, f"{fragment!r} not in:\n{output}"
    assert "Executing" not in output and "measures.csv" not in output  # nothing ran
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Traceback" not in output, err
    assert _tree(outputs) == before  # the last good report, byte for byte


# Through make, as users run it: the real default path (warm kernels starting while the inputs
# are checked, then stopped), stdout and stderr apart.
ROOT = Path(__file__).resolve().parents[1]
MAKE_VARIABLES = {"MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES", "MAKE_TERMOUT"}
MAKE_CASES = [
    pytest.param(INPUTS[0], _non_numeric, (), 1, id="prc-non-numeric-count"),
    pytest.param(INPUTS[8], _exact_duplicate, (), 1, id="victim-satisfaction-exact-duplicate"),
    pytest.param(INPUTS[1], _wrong_file, (), 1, id="population-wrong-file"),
    pytest.param(None, None, ("QUARTER=2030-03",), 2, id="quarter-after-the-data"),
]


@pytest.mark.skipif(shutil.which("make") is None, reason="GNU Make is not installed")
@pytest.mark.parametrize(("item", "fault", "args", "status"), MAKE_CASES)
def test_a_refused_make_report_prints_no_traceback(
    minimal: Path,
    last_good: tuple[Path, dict[str, str]],
    tmp_path: Path,
    item: Input | None,
    fault: Callable[[Input, Path], list[str]] | None,
    args: tuple[str, ...],
    status: int,
) -> None:
    outputs, before = last_good
    data = _linked_copy(minimal, tmp_path / "data")
    expected = fault(item, data) if item and fault else ["there is no data for Quarter ending"]
    # As a user's shell runs it, not as a sub-make of `make test` (its level and flags).
    env = {k: v for k, v in os.environ.items() if k not in MAKE_VARIABLES}
    done = subprocess.run(
        ["make", "--no-print-directory", "report", f"DATA_DIR={data}", f"OUTPUTS={outputs}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2  # make's own status for a failed recipe
    assert f"Error {status}" in done.stderr, done.stderr
    for fragment in expected:
        assert fragment in done.stdout, f"{fragment!r} not in:\n{done.stdout}"
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr
    # Nothing but make's own closing line: no worker's or kernel's message.
    assert [line for line in done.stderr.splitlines() if not line.startswith("make: ***")] == []
    assert _tree(outputs) == before


# ----- the PRC workbook (ODS, XLSX) as the Home Office publishes it --------------------------
# `make report DATA=real` converts the published files with `python -m helpers import-real`;
# a bad workbook stops there, located in its own sheet and row, and the converted data folder
# keeps its last good tables (so the last good report is never rebuilt from it).
TITLE_ROWS = 2  # a title and a blank row above the header, as published: data from row 4


def _prc_sheets(minimal: Path) -> dict[str, list[list[str]]]:
    rows = list(csv.reader(io.StringIO(_read_text(minimal / "national/prc_pfa.csv.gz"))))
    header, body = rows[0], rows[1:]
    years = list(dict.fromkeys(r[0] for r in body))
    sheets: dict[str, list[list[str]]] = {"Cover": [["Police recorded crime open data"]]}
    for year in years:
        sheets[year.replace("/", "-")] = [[f"Police recorded crime by PFA, {year}"], [], header]
        sheets[year.replace("/", "-")] += [r for r in body if r[0] == year]
    return sheets


def _book_cell(sheets, sheet: str, row: int, column: str, value: str) -> str:
    table = sheets[sheet]
    index = table[TITLE_ROWS].index(column)
    old = table[row - 1][index]
    table[row - 1][index] = value
    return old


def _book_non_numeric(sheets, name: str) -> tuple[list[str], bytes | None]:
    sheet = list(sheets)[2]
    _book_cell(sheets, sheet, 5, "Number of Offences", "12x")
    return [
        f"{name}, sheet '{sheet}', row 5, column 'Number of Offences': is not a whole number "
        "(found '12x')"
    ], None


def _book_misspelt_force(sheets, name: str) -> tuple[list[str], bytes | None]:
    sheet = list(sheets)[2]
    force = sheets[sheet][4][sheets[sheet][TITLE_ROWS].index("Force Name")]
    _book_cell(sheets, sheet, 5, "Force Name", force + force[-1])
    return [
        f"{name}, sheet '{sheet}', row 5, column 'Force Name': unknown force "
        f"'{force + force[-1]}': did you mean '{force}'?"
    ], None


def _book_duplicate(sheets, name: str) -> tuple[list[str], bytes | None]:
    sheet = list(sheets)[2]
    sheets[sheet].append(list(sheets[sheet][4]))
    last = len(sheets[sheet])
    return [f"{name}, sheet '{sheet}', row {last}: duplicate row: an exact copy of row 5"], None


def _book_truncated(sheets, name: str) -> tuple[list[str], bytes | None]:
    return [f"{name}: cannot be read as a spreadsheet"], b"cut"


def _book_renamed_column(sheets, name: str) -> tuple[list[str], bytes | None]:
    sheet = list(sheets)[1]
    header = sheets[sheet][TITLE_ROWS]
    header[header.index("Number of Offences")] = "Offences"
    return [f"{name}, sheet '{sheet}', row 3: missing column(s) Number of Offences"], None


def _book_empty(sheets, name: str) -> tuple[list[str], bytes | None]:
    return [f"{name}: cannot be read as a spreadsheet"], b""


def _book_quarter_missing(sheets, name: str) -> tuple[list[str], bytes | None]:
    sheet = list(sheets)[1]
    table = sheets[sheet]
    quarter = table[TITLE_ROWS].index("Financial Quarter")
    sheets[sheet] = table[: TITLE_ROWS + 1] + [
        r for r in table[TITLE_ROWS + 1 :] if r[quarter] != "3"
    ]
    return [f"{name}, column 'Financial Quarter': no rows at all for {sheet[:4]}/", "Q3"], None


def _book_wrong_file(sheets, name: str) -> tuple[list[str], bytes | None]:
    sheets.clear()
    sheets["Table P9"] = [["Mid-year population estimates"], ["area_code", "area_name", "2023"]]
    return [f"{name}: no sheet named like a financial year", "police recorded crime workbook"], None


BOOK_FAULTS = [
    ("non-numeric-count", _book_non_numeric),
    ("misspelt-force", _book_misspelt_force),
    ("exact-duplicate", _book_duplicate),
    ("truncated", _book_truncated),
    ("renamed-column", _book_renamed_column),
    ("empty-file", _book_empty),
    ("period-missing", _book_quarter_missing),
    ("wrong-file", _book_wrong_file),
]  # a workbook has no text encoding to get wrong


@pytest.mark.parametrize("suffix", ["ods", "xlsx"])
@pytest.mark.parametrize(("fault"), [pytest.param(f, id=i) for i, f in BOOK_FAULTS])
def test_a_bad_prc_workbook_stops_the_import_located_in_its_sheet(
    minimal: Path,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    suffix: str,
    fault,
) -> None:
    from workbooks import ods_workbook, xlsx_workbook

    from helpers.inputs import published

    name = f"prc-pfa-mar2013-onwards-tables-test.{suffix}"
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "ons_pfa_population_test.csv").symlink_to(minimal / "national/population_pfa.csv")
    sheets = _prc_sheets(minimal)
    expected, content = fault(sheets, name)
    if content is not None:
        (raw / name).write_bytes(content)
    elif suffix == "ods":
        (raw / name).write_bytes(ods_workbook(sheets))
    else:
        xlsx_workbook(raw / name, sheets)
    out = tmp_path / "real"
    (out / "national").mkdir(parents=True)
    (out / "national/prc_pfa.csv.gz").write_bytes(b"the last good table")
    before = _tree(out)

    status = published.main(["--real-dir", str(raw), "--out", str(out)])

    captured = capfd.readouterr()
    assert status == 1, captured.out
    for fragment in expected:
        assert fragment in captured.err, f"{fragment!r} not in:\n{captured.err}"
    assert "Traceback" not in captured.err
    assert _tree(out) == before
