"""report.pdf laid out part by part and joined (helpers.present.report_pdf, pdf_join): the
joined PDF must print what WeasyPrint prints for the whole report at once, and still be one
tagged PDF.

The whole printed report is laid out once per module, by WeasyPrint directly, as the
reference: page count, every page's words and where they fall, the outline and the named
destinations of the joined PDF are compared with it, so the contents' page numbers, the
running heads and "Page N of M" are checked against WeasyPrint's own, not against themselves.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest
from test_render import REPORT_BOOKMARKS, context, report, sections  # noqa: F401 (module fixtures)

from helpers.present import print_parts, render
from helpers.present.report_pdf import PartLayout, PdfInfo, write_pdf

HOMICIDE_HEADING = '<h3 class="section-title" id="1.-Homicide">1. Homicide</h3>'
ADDED = "<p>An added sentence on homicide that only the homicide section prints.</p>"
# A paragraph, repeated: enough of them push the homicide section onto more pages.
FILLER = (
    "<p>Homicide is counted when the police record it; a case later found not to be a homicide "
    "is taken off the count, so a quarter's figure can fall after it is first published.</p>"
)


def edited(page: str, addition: str) -> str:
    assert page.count(HOMICIDE_HEADING) == 1
    return page.replace(HOMICIDE_HEADING, HOMICIDE_HEADING + addition)


# ----- reading a PDF ---------------------------------------------------------------------------


def page_texts(path: Path) -> list[str]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [page.extract_text() for page in pdf.pages]


def page_words(path: Path) -> list[list[tuple[str, float, float]]]:
    """Each page's words and their top-left corner, in points (to 0.1 pt)."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [
            [(w["text"], round(w["x0"], 1), round(w["top"], 1)) for w in page.extract_words()]
            for page in pdf.pages
        ]


def page_index(pdf, destination) -> int:
    """The index of the page an explicit destination ([page /XYZ x y zoom]) points at."""
    pages = [page.obj.objgen for page in pdf.pages]
    assert destination[0].objgen in pages, "a destination points outside the document"
    return pages.index(destination[0].objgen)


def named_destinations(pdf) -> dict[str, tuple[int, float, float]]:
    import pikepdf

    tree = pikepdf.NameTree(pdf.Root.Names.Dests)
    return {
        str(name): (page_index(pdf, dest), float(dest[2]), float(dest[3]))
        for name, dest in tree.items()
    }


def outline(pdf) -> list[tuple[int, str, int, float]]:
    """(level, title, page, top) of every outline item, in order."""
    found = []

    def walk(items, level):
        for item in items:
            destination = item.destination
            found.append(
                (level, item.title, page_index(pdf, destination), round(float(destination[3]), 1))
            )
            walk(item.children, level + 1)

    with pdf.open_outline() as tree:
        walk(tree.root, 1)
    return found


def whole_pdf(page: str, path: Path) -> Path:
    """`page` printed as one document, by WeasyPrint alone: what the parts must add up to."""
    import weasyprint

    weasyprint.HTML(string=render.printable(page)).render(pdf_tags=True).write_pdf(path)
    return path


def assert_prints_as_the_whole(joined: Path, whole: Path) -> None:
    """The same pages, the same text on each, every word in the same place."""
    import pikepdf

    joined_texts, whole_texts = page_texts(joined), page_texts(whole)
    assert len(joined_texts) == len(whole_texts)
    for number, (ours, theirs) in enumerate(zip(joined_texts, whole_texts, strict=True), 1):
        assert ours == theirs, f"page {number} differs"
    for number, (ours, theirs) in enumerate(
        zip(page_words(joined), page_words(whole), strict=True), 1
    ):
        assert len(ours) == len(theirs), f"page {number}"
        for a, b in zip(ours, theirs, strict=True):
            assert a[0] == b[0] and abs(a[1] - b[1]) <= 0.5 and abs(a[2] - b[2]) <= 0.5, (
                f"page {number}: {a} where the whole report has {b}"
            )
    with pikepdf.open(joined) as ours, pikepdf.open(whole) as theirs:
        assert outline(ours) == outline(theirs)
        mine, reference = named_destinations(ours), named_destinations(theirs)
        assert mine.keys() == reference.keys()
        for name, (page, x, y) in reference.items():
            assert mine[name][0] == page, name
            assert abs(mine[name][1] - x) <= 0.5 and abs(mine[name][2] - y) <= 0.5, name


def contents_numbers(texts: list[str]) -> dict[str, int]:
    """The contents page's entries: title -> the page number it prints."""
    return {
        title: int(number)
        for title, number in re.findall(r"^(.+?)\s*\.{3,}\s*(\d+)$", texts[1], re.M)
    }


# ----- fixtures: the whole report and the joined one, each laid out once -----------------------


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("report-pdf")


@pytest.fixture(scope="module")
def whole(report, folder) -> Path:  # noqa: F811
    return whole_pdf(report, folder / "whole.pdf")


@pytest.fixture(scope="module")
def whole_texts(whole) -> list[str]:
    return page_texts(whole)


class MemoryStore:
    """A `PartStore` that keeps copies of the parts in a folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.kept: dict[tuple[str, str], tuple[Path, PartLayout]] = {}

    def pdf_part(self, name: str, key: str) -> tuple[Path, PartLayout] | None:
        return self.kept.get((name, key))

    def store_pdf_part(self, name: str, key: str, pdf: Path, layout: PartLayout) -> None:
        copy = self.folder / f"{name}.{key}.pdf"
        shutil.copyfile(pdf, copy)
        self.kept[(name, key)] = (copy, layout)

    def names(self) -> list[str]:
        return sorted(name for name, _key in self.kept)

    def new_since(self, before: set[tuple[str, str]]) -> set[str]:
        return {name for name, key in self.kept if (name, key) not in before}


@pytest.fixture(scope="module")
def store(folder) -> MemoryStore:
    (folder / "store").mkdir()
    return MemoryStore(folder / "store")


@pytest.fixture(scope="module")
def joined(report, folder, store) -> tuple[Path, PdfInfo]:  # noqa: F811
    """The report written part by part into an empty store (every part laid out)."""
    path = folder / "joined.pdf"
    return path, write_pdf(report, path, store=store)


@pytest.fixture(scope="module")
def parts(report) -> int:  # noqa: F811
    """How many parts the report is cut into, and the page-number document."""
    return len(print_parts.cut(render.printable(report)).parts) + 1


# ----- the same document as the whole ----------------------------------------------------------


def test_the_joined_pdf_prints_as_the_whole_report_laid_out_at_once(joined, whole, whole_texts):
    path, info = joined
    assert info.variant == "pdf/ua-1"
    assert info.pages == len(whole_texts) > 5
    assert not [w for w in info.warnings if "nowhere in the report" in w]  # every link resolved
    assert_prints_as_the_whole(path, whole)
    # What the comparison stands on: the whole report numbers its pages and its contents.
    assert f"Page 2 of {info.pages}" in whole_texts[1]
    assert contents_numbers(whole_texts)["1. Homicide"] > 2


def test_the_first_write_lays_out_every_part_and_keeps_each_in_the_store(joined, store, parts):
    _path, info = joined
    assert (info.parts_laid_out, info.parts_reused) == (parts, 0)
    assert len(store.kept) == parts
    assert {"front", "part-1", "methods"} <= set(store.names())


# ----- parts reused ----------------------------------------------------------------------------


def test_the_same_page_written_again_reuses_every_part(report, joined, store, folder, parts):  # noqa: F811
    path = folder / "again.pdf"
    info = write_pdf(report, path, store=store)
    # The front is the same document with the same contents numbers, the page-number document
    # has as many pages: nothing is laid out again.
    assert (info.parts_laid_out, info.parts_reused) == (0, parts)
    assert page_texts(path) == page_texts(joined[0])


def test_an_edited_section_alone_is_laid_out_again_and_prints_as_the_whole(
    report,  # noqa: F811
    joined,
    store,
    folder,
    parts,
    whole_texts,
):
    page = edited(report, ADDED)
    path = folder / "edited.pdf"
    before = set(store.kept)
    info = write_pdf(page, path, store=store)
    # The homicide section's part (with its part's heading) is new; the front's document and
    # its contents numbers are as before, and so is the number of pages.
    assert (info.parts_laid_out, info.parts_reused) == (1, parts - 1)
    assert store.new_since(before) == {"part-1"}
    whole = whole_pdf(page, folder / "edited-whole.pdf")
    assert_prints_as_the_whole(path, whole)
    assert "An added sentence on homicide" in " ".join(page_texts(path))
    assert len(page_texts(path)) == len(whole_texts)


def test_a_section_made_longer_moves_every_later_page_number(
    report,  # noqa: F811
    joined,
    store,
    folder,
    parts,
    whole_texts,
):
    page = edited(report, FILLER * 40)
    path = folder / "longer.pdf"
    before = set(store.kept)
    info = write_pdf(page, path, store=store)
    # The homicide part, the front (its contents numbers) and the page numbers are new.
    assert (info.parts_laid_out, info.parts_reused) == (3, parts - 3)
    assert store.new_since(before) == {"part-1", "front", "page-numbers"}
    whole = whole_pdf(page, folder / "longer-whole.pdf")
    assert_prints_as_the_whole(path, whole)

    texts = page_texts(path)
    added = len(texts) - len(whole_texts)
    assert added >= 1
    before, after = contents_numbers(whole_texts), contents_numbers(texts)
    assert before.keys() == after.keys() and len(before) == 5
    for title, number in before.items():
        moved = added if number > before["1. Homicide"] else 0
        assert after[title] == number + moved, title
    assert texts[-1].rstrip().endswith(f"Page {len(texts)} of {len(texts)}")


# ----- still one tagged PDF --------------------------------------------------------------------


def _struct_kids(element):
    import pikepdf

    kids = element.get("/K")
    if kids is None:
        return []
    kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    return [kid for kid in kids if isinstance(kid, pikepdf.Dictionary)]


def test_the_joined_pdf_is_one_tagged_pdf_ua_document(joined):
    import pikepdf

    path, _info = joined
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        tree = root.StructTreeRoot
        documents = _struct_kids(tree)
        assert [str(d.S) for d in documents] == ["/Document"]
        document = documents[0]
        assert len(_struct_kids(document)) >= 6  # the parts' elements, all under it
        for kid in _struct_kids(document):
            assert kid.P.objgen == document.objgen

        values = list(tree.ParentTree.Nums)
        keys = [int(values[i]) for i in range(0, len(values), 2)]
        assert len(keys) == len(set(keys))
        parent_tree = dict(zip(keys, values[1::2], strict=True))
        assert int(tree.ParentTreeNextKey) > max(keys)

        pages = {page.obj.objgen for page in pdf.pages}
        used = []
        for page in pdf.pages:
            key = int(page.obj.StructParents)
            assert key in parent_tree
            assert isinstance(parent_tree[key], pikepdf.Array)
            # the elements of the page's marked content, each one on this page
            marked = [e for e in parent_tree[key] if isinstance(e, pikepdf.Dictionary)]
            assert marked and all(e.Pg.objgen == page.obj.objgen for e in marked)
            used.append(key)
            for annotation in page.obj.get("/Annots", []):
                key = int(annotation.StructParent)
                assert key in parent_tree
                link = parent_tree[key]
                assert isinstance(link, pikepdf.Dictionary) and str(link.S) == "/Link"
                # the Link element refers back to this annotation
                refs = [k for k in _struct_kids(link) if k.get("/Type") == pikepdf.Name.OBJR]
                assert annotation.objgen in [ref.Obj.objgen for ref in refs]
                used.append(key)
        assert len(used) == len(set(used)), "two pages or annotations share a parent-tree key"

        # Every element of the tree: its parent is the element that holds it, its page is one
        # of the document's (a part's page left behind would point at another file's page).
        seen, stack, elements = set(), [document], 0
        while stack:
            element = stack.pop()
            if element.objgen != (0, 0):
                if element.objgen in seen:
                    continue
                seen.add(element.objgen)
            if "/Pg" in element:
                assert element.Pg.objgen in pages, element.get("/S")
            for kid in _struct_kids(element):
                if "/S" in kid:  # a structure element (not a marked-content reference)
                    elements += 1
                    assert kid.P.objgen == element.objgen
                stack.append(kid)
        assert elements > 50

        assert str(root.Lang) == "en-GB"
        assert bool(root.MarkInfo.Marked) is True
        assert bool(root.ViewerPreferences.DisplayDocTitle) is True
        metadata = pdf.open_metadata()
        assert metadata["pdfuaid:part"] == "1"
        assert metadata["dc:title"] == (
            "Performance Report: Avon and Somerset, Quarter ending March 2024 (Q4 2023/24)"
        )


# ----- links and outline -----------------------------------------------------------------------


def _covers(rect, x: float, y: float) -> bool:
    """Whether a rectangle (its corners in either order, as WeasyPrint writes them) holds x, y."""
    xs, ys = sorted([float(rect[0]), float(rect[2])]), sorted([float(rect[1]), float(rect[3])])
    return xs[0] <= x <= xs[1] and ys[0] <= y <= ys[1]


def _action(annotation):
    return annotation.get("/A")


def test_every_link_goes_to_a_place_in_the_pdf_or_to_the_spreadsheet(joined):
    import pikepdf

    path, _info = joined
    with pikepdf.open(path) as pdf:
        kinds = set()
        for page in pdf.pages:
            for annotation in page.obj.get("/Annots", []):
                if annotation.Subtype != pikepdf.Name.Link:
                    continue
                action = _action(annotation)
                assert action is not None
                kinds.add(str(action.S))
                if action.S == pikepdf.Name.URI:
                    assert not str(action.URI).startswith(print_parts.LINK_BASE)
                    assert str(action.URI) == "report.ods"
                else:
                    assert str(action.S) == "/GoTo"
                    page_index(pdf, action.D)
        assert kinds == {"/GoTo", "/URI"}


def test_no_link_describes_itself_by_the_address_parts_are_laid_out_with(joined):
    import pikepdf

    path, _info = joined
    with pikepdf.open(path) as pdf:
        descriptions = [
            str(annotation.Contents)
            for page in pdf.pages
            for annotation in page.obj.get("/Annots", [])
            if "/Contents" in annotation
        ]
    assert descriptions  # a tagged PDF describes its links
    assert [d for d in descriptions if d.startswith(print_parts.LINK_BASE)] == []


def test_the_contents_link_goes_to_the_page_the_homicide_section_starts_on(joined):
    import pdfplumber
    import pikepdf

    path, _info = joined
    texts = page_texts(path)
    homicide = next(i for i, text in enumerate(texts) if i > 1 and "\n1. Homicide\n" in text)
    with pdfplumber.open(path) as plumbed:
        contents = plumbed.pages[1]
        words = contents.extract_words()
        height = float(contents.height)
    word = next(
        w
        for i, w in enumerate(words)
        if w["text"].startswith("Homicide") and words[i - 1]["text"] == "1."
    )
    x, y = (word["x0"] + word["x1"]) / 2, height - (word["top"] + word["bottom"]) / 2
    with pikepdf.open(path) as pdf:
        targets = [
            page_index(pdf, _action(annotation).D)
            for annotation in pdf.pages[1].obj.Annots
            if _covers(annotation.Rect, x, y)
        ]
        assert targets and set(targets) == {homicide}
        assert named_destinations(pdf)["homicide"][0] == homicide
    assert contents_numbers(texts)["1. Homicide"] == homicide + 1


def test_the_outline_nests_sections_under_their_parts(joined, whole_texts):
    import pikepdf

    path, info = joined
    with pikepdf.open(path) as pdf:
        items = outline(pdf)
    assert [(level, title) for level, title, _page, _top in items] == REPORT_BOOKMARKS
    assert info.bookmarks == [(level, title) for level, title, _page, _top in items]
    numbers = contents_numbers(whole_texts)
    for _level, title, page, _top in items[1:]:
        if title in numbers:
            assert page + 1 == numbers[title], title


# ----- page numbers ----------------------------------------------------------------------------


def test_page_numbers_are_pagination_artifacts_stamped_on_every_page_but_the_first(joined):
    import pdfplumber
    import pikepdf

    path, info = joined
    with pdfplumber.open(path) as pdf:
        for index, page in enumerate(pdf.pages):
            # pdfplumber gives each character the marked-content tag it is drawn in.
            text = "".join(c["text"] for c in page.chars if c.get("tag") == "Artifact")
            numbers = re.findall(r"Page (\d+) of (\d+)", text)
            if index == 0:
                assert numbers == [] and "Page" not in page.extract_text()
            else:
                assert numbers == [(str(index + 1), str(info.pages))], index
                tagged = "".join(c["text"] for c in page.chars if c.get("tag") != "Artifact")
                assert "Page " not in tagged, index
    with pikepdf.open(path) as pdf:
        for index, page in enumerate(pdf.pages):
            operations = list(pikepdf.parse_content_stream(page))
            marks = [
                i
                for i, (operands, operator) in enumerate(operations)
                if str(operator) == "BDC"
                and operands[0] == pikepdf.Name.Artifact
                and operands[1].get("/Type") == pikepdf.Name.Pagination
            ]
            assert len(marks) == 1, index
            drawn = [str(op) for _operands, op in operations[marks[0] :]]
            assert drawn[:4] == ["BDC", "q", "Do", "Q"] and drawn[-1] == "EMC", index


def test_a_warning_every_part_gives_is_reported_once(report, joined):  # noqa: F811
    """Every part is laid out under the same stylesheet, so its warnings come once a part;
    build.log says each once."""
    _path, info = joined
    assert len(info.warnings) == len(set(info.warnings))
    styled = report.replace("</style>", "p { no-such-property: 1; }\n</style>", 1)
    with tempfile.TemporaryDirectory() as folder:
        again = write_pdf(styled, Path(folder) / "styled.pdf", processes=2)
    unknown = [w for w in again.warnings if "no-such-property" in w]
    assert len(unknown) == 1 and again.parts_laid_out > 2
