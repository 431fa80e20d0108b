"""The printed report cut into parts (helpers.present.print_parts): what each part's document
holds, and the rules that make a part laid out alone print as in the whole report."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

import lxml.html
import pytest
from test_render import context, report, sections  # noqa: F401 (module fixtures)

from helpers.present import render
from helpers.present.print_parts import FRONT, LINK_BASE, PrintPart, cut, print_rules

HOMICIDE_HEADING = '<h3 class="section-title" id="1.-Homicide">1. Homicide</h3>'


@pytest.fixture(scope="module")
def printed(report) -> str:  # noqa: F811
    return render.printable(report)


@pytest.fixture(scope="module")
def parts(printed):
    return cut(printed)


def body_ids(document: str) -> list[str]:
    return [str(i) for i in lxml.html.document_fromstring(document).body.xpath("//@id")]


def test_the_report_is_cut_before_each_section_its_parts_heading_going_with_the_first(parts):
    assert [p.name for p in parts.parts] == [
        FRONT,
        "summary",
        "part-1",  # its heading, then 1. Homicide
        "drugs",
        "part-2",  # its heading, then 12. Complaints
        "methods",
    ]
    assert parts.contents == ("summary", "homicide", "drugs", "complaints", "methods")
    assert parts.running_head == "Performance Report: Avon and Somerset, Q4 2023/24"
    documents = {p.name: p.document for p in parts.parts}
    assert "Contents" in documents[FRONT] and "Homicide" not in re.sub(
        r'<nav class="contents.*?</nav>', "", documents[FRONT], flags=re.S
    )
    assert "National Police and Crime Measures" in documents["part-1"]
    assert 'id="homicide"' in documents["part-1"] and 'id="drugs"' not in documents["part-1"]


def test_no_part_holds_an_empty_part_wrapper(parts):
    for part in parts.parts:
        body = lxml.html.document_fromstring(part.document).body
        for wrapper in body.xpath("//section[contains(concat(' ', @class, ' '), ' part ')]"):
            held = [child for child in wrapper if isinstance(child.tag, str)]
            assert held, f"{part.name} has an empty section.part"


def test_each_anchor_is_in_exactly_one_part_and_every_anchor_in_one(printed, parts):
    """An element's id is in the one part that holds the element; only the ancestors a part
    is laid out inside (``main``, a ``section.part``: copied, attributes only, into each part
    holding their children) repeat, in consecutive parts, the first where the whole report
    has them (`report_pdf` takes an anchor's first place)."""
    root = lxml.html.document_fromstring(printed)
    wrappers = {
        str(e.get("id"))
        for e in root.body.xpath("//main | //section[contains(concat(' ', @class, ' '), ' part ')]")
    }
    assert {"main", "part-1", "part-2"} <= wrappers
    found: dict[str, list[int]] = {}
    for number, part in enumerate(parts.parts):
        for anchor in body_ids(part.document):
            found.setdefault(anchor, []).append(number)
    assert sorted(found) == sorted(body_ids(printed))
    repeated = {anchor for anchor, numbers in found.items() if len(numbers) != 1}
    assert repeated <= wrappers
    for anchor in wrappers:
        numbers = found[anchor]
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), anchor
    names = [part.name for part in parts.parts]
    assert names[found["part-1"][0]] == "part-1" and names[found["main"][0]] == "summary"
    assert [names[n] for n in found["homicide"]] == ["part-1"]
    assert [names[n] for n in found["contents"]] == [FRONT]


def test_in_page_links_point_at_the_link_base_while_parts_are_laid_out(parts):
    for part in parts.parts:
        links = lxml.html.document_fromstring(part.document).xpath("//a/@href")
        assert not [link for link in links if link.startswith("#")], part.name
    front_links = lxml.html.document_fromstring(parts.parts[0].document).xpath("//a/@href")
    assert LINK_BASE + "#homicide" in front_links


def test_parts_share_the_stylesheet_and_only_the_front_has_the_build_time(printed, parts):
    head = lxml.html.document_fromstring(printed).head
    assert head.xpath("style") and head.xpath("meta[@name='dcterms.created']")
    assert parts.stylesheet == "\n".join(style.text or "" for style in head.xpath("style"))
    assert len(parts.stylesheet) > 1000
    for part in parts.parts:
        part_head = lxml.html.document_fromstring(part.document).head
        assert part_head.xpath("style") == [] and part_head.xpath("script") == [], part.name
        assert part_head.xpath("title"), part.name  # the rest of the head is kept
        created = part_head.xpath("meta[@name='dcterms.created']")
        assert len(created) == (1 if part.name == FRONT else 0), part.name


def content_keys(page: str) -> dict[str, str]:
    return {p.name: p.document for p in cut(render.printable(page)).parts}


def test_an_edit_to_a_section_changes_only_its_own_part(report, parts):  # noqa: F811
    """What lets a rebuild after a narrative edit reuse every other part."""
    keys = {p.name: p.document for p in parts.parts}
    assert content_keys(report) == keys
    edited = content_keys(report.replace(HOMICIDE_HEADING, HOMICIDE_HEADING + "<p>Added.</p>"))
    assert {name for name, key in edited.items() if keys[name] != key} == {"part-1"}


def test_a_new_build_time_changes_only_the_front(report, parts, sections, context):  # noqa: F811
    keys = {p.name: p.document for p in parts.parts}
    later = dataclasses.replace(context, built=datetime(2024, 5, 9, 8, 0, tzinfo=UTC))
    rebuilt = content_keys(render.render_report(sections, later))
    assert {name for name, key in rebuilt.items() if keys[name] != key} == {FRONT}


def test_a_part_ends_without_a_page_break_after_it(parts):
    for part in parts.parts:
        body = lxml.html.document_fromstring(part.document).body
        last = [e for e in body.iter() if isinstance(e.tag, str)][-1]
        ends = [e for e in last.iterancestors() if e.get("style")] + [last]
        assert any("break-after:auto" in (e.get("style") or "") for e in ends), part.name


# ----- print rules -----------------------------------------------------------------------------


def laid_out(document: str, stylesheet: str, rules: str) -> list[tuple[str, dict[str, str]]]:
    """Each page of `document` laid out alone under the report's stylesheet and `rules`: the
    text of its content, and of each of its margin boxes (by at-rule, ``@top-left``...)."""
    import weasyprint

    laid = weasyprint.HTML(string=document).render(
        stylesheets=[weasyprint.CSS(string=stylesheet), weasyprint.CSS(string=rules)]
    )

    def texts(box):
        if hasattr(box, "text"):
            yield box.text
        for child in getattr(box, "children", []):
            yield from texts(child)

    pages = []
    for page in laid.pages:
        margins = {
            str(box.at_keyword): " ".join(texts(box)).strip()
            for box in page._page_box.children
            if getattr(box, "at_keyword", None)
        }
        content = [b for b in page._page_box.children if not getattr(b, "at_keyword", None)]
        pages.append((" ".join(t for b in content for t in texts(b)), margins))
    return pages


def test_the_front_prints_the_contents_page_numbers_it_is_given_and_no_page_number(parts):
    front = parts.parts[0]
    given = {"summary": 3, "homicide": 41, "drugs": 57, "complaints": 58, "methods": 99}
    rules = print_rules(front, parts.running_head, given)
    pages = laid_out(front.document, parts.stylesheet, rules)
    assert len(pages) == 2
    contents = pages[1][0]
    for title, number in [
        ("Measures summary", 3),
        ("1. Homicide", 41),
        ("3. Drugs supply and county lines", 57),
        ("12. Complaints", 58),
        ("Methods and data", 99),
    ]:
        assert re.search(rf"{re.escape(title)}[ .]*\b{number}\b", contents), title
    # Page numbers are stamped on the joined PDF; the title page has no running head.
    assert all("Page" not in " ".join(margins.values()) for _text, margins in pages)
    assert pages[0][1].get("@top-left", "") == ""
    assert pages[1][1]["@top-left"] == parts.running_head


@pytest.mark.parametrize(
    "running_head",
    ['Performance Report: "Avon" and Somerset', 'Q4 2023\\24 \\" quoted \\', "plain"],
)
def test_a_section_prints_the_running_head_literally(parts, running_head):
    drugs = next(p for p in parts.parts if p.name == "drugs")
    pages = laid_out(drugs.document, parts.stylesheet, print_rules(drugs, running_head))
    for _text, margins in pages:
        assert margins["@top-left"] == running_head
        assert "Page" not in " ".join(margins.values())
    # and on its first page, the section's own title beside it
    assert pages[0][1]["@top-right"] == "3. Drugs supply and county lines"


def test_a_running_head_is_written_as_one_css_string():
    part = PrintPart("drugs", "<html></html>")
    rules = print_rules(part, 'say "hi" \\ then\nstop')
    assert '@top-left { content: "say \\"hi\\" \\\\ then stop"; }' in rules
    assert LINK_BASE not in print_rules(part, "x")  # no contents numbers for a section


def test_a_page_whose_tags_do_not_nest_is_not_cut():
    """Two parsers repair such a page each their own way: the cut refuses it (and the report
    is then laid out as one document) rather than risk parts that differ from the whole."""
    page = (
        "<html><head></head><body><main>\n"
        "<section class='report-section' id='a'><div></section>\n</main></body></html>"
    )
    with pytest.raises(ValueError, match="do not nest at line 2"):
        cut(page)


def test_parts_whose_first_elements_share_an_id_get_names_of_their_own():
    """A part's name keys its PDF in the build cache: two parts never share one."""
    section = "<section class='report-section' id='same'><p>{}</p></section>"
    body = f"<header>Title</header><main>{section.format(1)}{section.format(2)}</main>"
    page = f"<html><head></head><body>{body}</body></html>"
    assert [part.name for part in cut(page).parts] == [FRONT, "same", "same-2"]
