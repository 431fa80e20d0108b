"""Tagged part PDFs joined into one report.pdf, still one tagged document (pikepdf).

Each part (`print_parts`) is a PDF/UA file of its own: pages, a structure tree under one
``Document`` element, a parent tree numbered from 0, links that point at `LINK_BASE`. The join
keeps the first part's catalogue (language, title, XMP metadata, viewer preferences) and adds
the others' pages to it, their structure elements under its ``Document`` element and their
parent-tree entries renumbered after its own; it turns every link into a link to its place in
the joined file, writes one outline and one table of named destinations, and stamps each page's
number from a page-number document as a pagination artifact (so it is not read as text of the
page).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from helpers.core.exceptions import RenderError
from helpers.present.print_parts import LINK_BASE

# (page in the joined PDF, x, y) in PDF points from the page's lower left
Place = tuple[int, float, float]


def _destination(pdf: Any, place: Place) -> Any:
    import pikepdf

    page, x, y = place
    return pikepdf.Array([pdf.pages[page].obj, pikepdf.Name.XYZ, x, y, 0])


def _nums(tree: Any) -> list[tuple[int, Any]]:
    """A number tree's entries (WeasyPrint writes a flat ``Nums`` array)."""
    if "/Kids" in tree:
        return [entry for kid in tree.Kids for entry in _nums(kid)]
    values = list(tree.Nums)
    return [(int(values[i]), values[i + 1]) for i in range(0, len(values), 2)]


def _append_part(out: Any, part: Any, document: Any, nums: list[tuple[int, Any]]) -> None:
    """`part`'s pages and structure added to `out` (its Document element `document`)."""
    import pikepdf

    offset = 1 + max((key for key, _ in nums), default=-1)
    first = len(out.pages)
    out.pages.extend(part.pages)
    root = part.Root.StructTreeRoot
    kids = root.K if isinstance(root.K, pikepdf.Array) else [root.K]
    for element in kids:  # WeasyPrint: one Document element, holding the page's elements
        for kid in out.copy_foreign(part.make_indirect(element.K)):
            if isinstance(kid, pikepdf.Dictionary):
                kid.P = document
            document.K.append(kid)
    tree = root.ParentTree
    for key, value in _nums(
        out.copy_foreign(part.make_indirect(tree) if not tree.is_indirect else tree)
    ):
        nums.append((key + offset, value))
    for page in out.pages[first:]:
        if "/StructParents" in page.obj:
            page.obj.StructParents = int(page.obj.StructParents) + offset
        for annotation in page.obj.get("/Annots", []):
            if "/StructParent" in annotation:
                annotation.StructParent = int(annotation.StructParent) + offset


def _resolve_links(out: Any, anchors: Mapping[str, Place]) -> list[str]:
    """Links to `LINK_BASE#anchor` made links to the anchor's place; returns the missing."""
    import pikepdf

    missing = []
    for page in out.pages:
        for annotation in page.obj.get("/Annots", []):
            action = annotation.get("/A")
            if action is None or action.get("/S") != pikepdf.Name.URI:
                continue
            uri = str(action.URI)
            if not uri.startswith(LINK_BASE + "#"):
                continue
            anchor = uri[len(LINK_BASE) + 1 :]
            # A tagged link's description (WeasyPrint: its target), read out by screen readers.
            annotation.Contents = pikepdf.String(anchor)
            if anchor in anchors:
                annotation.A = pikepdf.Dictionary(
                    S=pikepdf.Name.GoTo, D=_destination(out, anchors[anchor])
                )
            else:
                missing.append(anchor)
                top = (0, 0.0, float(out.pages[0].mediabox[3]))
                annotation.A = pikepdf.Dictionary(S=pikepdf.Name.GoTo, D=_destination(out, top))
    return missing


def _outline(out: Any, bookmarks: Sequence[tuple[int, str, Place]]) -> None:
    """One outline from (level, label, place), nested by level."""
    import pikepdf

    with out.open_outline() as outline:
        outline.root.clear()
        stack: list[tuple[int, Any]] = []
        for level, label, place in bookmarks:
            page, x, y = place
            item = pikepdf.OutlineItem(label, page, "XYZ", left=x, top=y, zoom=0)
            while stack and stack[-1][0] >= level:
                stack.pop()
            (stack[-1][1].children if stack else outline.root).append(item)
            stack.append((level, item))


def _named_destinations(out: Any, anchors: Mapping[str, Place]) -> None:
    import pikepdf

    names = out.Root.get("/Names")
    if names is None:
        out.Root.Names = names = pikepdf.Dictionary()
    tree = pikepdf.NameTree.new(out)
    for name in sorted(anchors):
        tree[name] = _destination(out, anchors[name])
    names.Dests = tree.obj


def _stamp(out: Any, numbers: Any) -> None:
    """Each page's number (page `i` of `numbers` drawn over page `i`) as a pagination artifact."""
    import pikepdf

    for page, stamp in zip(out.pages, numbers.pages, strict=True):
        form = out.copy_foreign(stamp.as_form_xobject())
        name = page.add_resource(form, pikepdf.Name.XObject, prefix="PageNumber")
        # The page's own content leaves its coordinates flipped (WeasyPrint's first operator):
        # saved and restored around it, so that the stamp is drawn in the page's space.
        page.contents_add(b"q\n", prepend=True)
        page.contents_add(
            b"Q /Artifact <</Type /Pagination /Subtype /Footer>> BDC q "
            + bytes(str(name), "ascii")
            + b" Do Q EMC\n",
            prepend=False,
        )


def join(
    parts: Sequence[Path],
    page_numbers: Path,
    target: Path,
    *,
    anchors: Mapping[str, Place],
    bookmarks: Sequence[tuple[int, str, Place]],
) -> list[str]:
    """`parts` (tagged PDFs, in order) joined into `target`, numbered from `page_numbers` (a
    PDF of as many pages); returns the anchors that links asked for and no part has."""
    import pikepdf

    if not parts:
        raise RenderError("no part PDFs to join")
    opened = [pikepdf.open(path) for path in parts]
    try:
        out = opened[0]
        root = out.Root.StructTreeRoot
        document = root.K[0] if isinstance(root.K, pikepdf.Array) else root.K
        nums = _nums(root.ParentTree)
        for part in opened[1:]:
            _append_part(out, part, document, nums)
        flat = pikepdf.Array()
        for key, value in sorted(nums, key=lambda entry: entry[0]):
            flat.extend([key, value])
        root.ParentTree = out.make_indirect(pikepdf.Dictionary(Nums=flat))
        root.ParentTreeNextKey = 1 + max((key for key, _ in nums), default=-1)
        missing = _resolve_links(out, anchors)
        _outline(out, bookmarks)
        _named_destinations(out, anchors)
        with pikepdf.open(page_numbers) as numbers:
            if len(numbers.pages) != len(out.pages):
                raise RenderError(
                    f"the page numbers have {len(numbers.pages)} pages, the report {len(out.pages)}"
                )
            _stamp(out, numbers)
            out.save(target, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    finally:
        for pdf in opened:
            pdf.close()
    return missing


__all__ = ["Place", "join"]
