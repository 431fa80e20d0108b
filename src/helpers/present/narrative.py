"""The narrative analysts write each quarter: planned actions and comments, per section.

One Markdown file per quarter and section, ``params/narrative/<quarter code>/<section id>.md``::

    ---
    status: reviewed        # draft | reviewed | carried-forward
    author: A. Analyst
    ---
    ## Planned action to drive performance
    1. ...
    ## Comments
    1. ...

The notebook renders it; anything a reviewer must know (no file, a draft, text carried forward
from last quarter and not yet reviewed, an empty block) becomes a visible flag, never a silent
blank. Markdown is rendered with raw HTML disabled and the result sanitised, so a file cannot put
script or markup of its own into the report. `python -m helpers narrative --quarter 2025-03`
creates a quarter's files. See params/narrative/README.md.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import nh3
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from helpers.core.exceptions import ReportError
from helpers.core.paths import PROJECT_ROOT, resolve
from helpers.core.quarters import FinancialQuarter

Status = Literal["reviewed", "draft", "carried-forward", "missing"]
STATUSES: tuple[str, ...] = ("draft", "reviewed", "carried-forward")

PLANNED_ACTIONS_HEADING = "Planned action to drive performance"
COMMENTS_HEADING = "Comments"

# Flags: what a reviewer sees on the page and in the build summary.
FLAG_MISSING = "Narrative missing: no file {path}"
FLAG_CARRIED_FORWARD = "Carried forward from {quarter}: not yet reviewed"
FLAG_DRAFT = "Draft: not yet reviewed"
FLAG_NO_ACTIONS = "No planned actions written"
FLAG_NO_COMMENTS = "No comments written"

# What sanitised narrative HTML may contain, and nothing else.
ALLOWED_TAGS = frozenset({"p", "ol", "ul", "li", "strong", "em", "a", "code", "br"})
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^---[ \t]*$\n?", re.DOTALL | re.MULTILINE)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


@dataclass
class Narrative:
    """One section's narrative for one quarter, parsed and sanitised.

    `planned_actions` and `comments` are the items of the numbered lists under the two headings,
    each as sanitised HTML; `*_paragraphs` hold any other text under the heading (sanitised HTML
    blocks), shown above the list. `flags` are plain-text messages for a reviewer.
    """

    section_id: str
    quarter: str
    path: Path
    status: Status
    planned_actions: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    author: str | None = None
    carried_forward_from: str | None = None
    planned_actions_paragraphs: list[str] = field(default_factory=list)
    comments_paragraphs: list[str] = field(default_factory=list)

    @property
    def is_reviewed(self) -> bool:
        return self.status == "reviewed"

    def _repr_html_(self) -> str:
        return render_narrative(self)


# ----- reading ---------------------------------------------------------------------------------
def narrative_path(narrative_dir: Path, quarter: FinancialQuarter | str, section_id: str) -> Path:
    """``<narrative_dir>/<quarter code>/<section id>.md``."""
    if not _SAFE_ID.match(section_id):
        raise ValueError(f"section id '{section_id}' is not a plain name (letters, digits, _ -)")
    return Path(narrative_dir) / FinancialQuarter.parse(quarter).code / f"{section_id}.md"


def _shown(path: Path) -> str:
    """A path as a reader should see it: relative to the project where it can be."""
    try:
        return path.resolve().relative_to(PROJECT_ROOT.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _split_front_matter(text: str, shown: str) -> tuple[dict[str, object], str, list[str]]:
    """(front matter, body, problems)."""
    match = _FRONT_MATTER.match(text)
    if not match:
        if text.startswith("---"):
            return {}, text, [f"{shown}: the front matter has no closing '---' line"]
        return {}, text, []
    body = text[match.end() :]
    try:
        data = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        # The context mark is where the broken construct starts; the problem mark where YAML
        # gave up (often the end). +2: the opening '---' line, and 0-based lines.
        where = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 2})" if where is not None else ""
        problem = getattr(exc, "problem", None)
        detail = f": {problem}" if problem else ""
        return {}, body, [f"{shown}: the front matter cannot be read{line}{detail}"]
    if not isinstance(data, dict):
        return {}, body, [f"{shown}: the front matter is not a list of 'key: value' lines"]
    return data, body, []


def _clean(fragment: str) -> str:
    """Sanitise rendered Markdown: only ALLOWED_TAGS, links only to http(s) and mailto."""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "a" and attribute == "href":
            scheme = value.split(":", 1)[0].lower() if ":" in value else ""
            return value if scheme in ALLOWED_URL_SCHEMES else None
        return value

    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        attributes={"a": {"href"}},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        attribute_filter=keep,
        strip_comments=True,
    ).strip()


def _render(tokens: list[Token]) -> str:
    return _clean(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {}))


def _closing(tokens: list[Token], start: int) -> int:
    """Index of the token closing the block opened at `start` (same level, nesting -1)."""
    level = tokens[start].level
    for i in range(start + 1, len(tokens)):
        if tokens[i].level == level and tokens[i].nesting == -1:
            return i
    return len(tokens) - 1


def _list_items(tokens: list[Token]) -> list[str]:
    """Each item of an ordered list (tokens from open to close) as sanitised HTML."""
    items = []
    i = 1
    while i < len(tokens) - 1:
        if tokens[i].type == "list_item_open":
            end = _closing(tokens, i)
            inner = tokens[i + 1 : end]
            top = [t for t in inner if t.level == tokens[i].level + 1 and t.nesting == 1]
            if len(top) == 1 and top[0].type == "paragraph_open":
                for t in inner:  # a one-paragraph item renders without <p>
                    if t.type in ("paragraph_open", "paragraph_close") and t.level == top[0].level:
                        t.hidden = True
            rendered = _render(inner)
            if rendered:
                items.append(rendered)
            i = end + 1
        else:
            i += 1
    return items


def _block_of(heading: str) -> str | None:
    key = re.sub(r"[^a-z ]", "", heading.lower()).strip()
    if key.startswith("planned action"):
        return "planned_actions"
    if key.startswith("comment"):
        return "comments"
    return None


def _parse_body(body: str) -> tuple[dict[str, list[str]], dict[str, list[str]], bool]:
    """(list items by block, paragraphs by block, whether text came before the first heading)."""
    tokens = _MARKDOWN.parse(_HTML_COMMENT.sub("", body))
    items: dict[str, list[str]] = {"planned_actions": [], "comments": []}
    paragraphs: dict[str, list[str]] = {"planned_actions": [], "comments": []}
    current: str | None = None
    stray = False
    i = 0
    while i < len(tokens):
        token = tokens[i]
        end = _closing(tokens, i) if token.nesting == 1 else i
        block = tokens[i : end + 1]
        if token.type == "heading_open":
            text = tokens[i + 1].content if i + 1 < len(tokens) else ""
            block_name = _block_of(text)
            if block_name is not None:
                current = block_name
            elif current is not None:  # a sub-heading inside a block is kept, as bold text
                paragraphs[current].append(
                    f"<p><strong>{_render(tokens[i + 1 : i + 2])}</strong></p>"
                )
        elif current is None:
            stray = stray or bool(_render(block))
        elif token.type == "ordered_list_open":
            items[current].extend(_list_items(block))
        else:
            rendered = _render(block)
            if rendered:
                paragraphs[current].append(rendered)
        i = end + 1
    return items, paragraphs, stray


def load_narrative(
    narrative_dir: Path, quarter: FinancialQuarter | str, section_id: str
) -> Narrative:
    """The narrative of one section for one quarter, with the flags a reviewer must see.

    Never raises for what an analyst wrote: a missing file, an unreadable front matter or an
    unknown status becomes a flag (and the status "missing" or "draft").
    """
    q = FinancialQuarter.parse(quarter)
    path = narrative_path(Path(narrative_dir), q, section_id)
    shown = _shown(path)
    if not path.is_file():
        return Narrative(
            section_id, q.code, path, "missing", flags=[FLAG_MISSING.format(path=shown)]
        )
    try:
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except (OSError, UnicodeDecodeError) as exc:
        reason = "it is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(exc)
        return Narrative(
            section_id, q.code, path, "draft", flags=[f"{shown} cannot be read: {reason}"]
        )

    front, body, problems = _split_front_matter(text, shown)
    flags = list(problems)
    raw_status = str(front.get("status") or "draft").strip().lower()
    if raw_status not in STATUSES:
        flags.append(
            f"{shown}: status '{raw_status}' is not one of {', '.join(STATUSES)}; read as draft"
        )
        raw_status = "draft"
    status: Status = raw_status  # type: ignore[assignment]
    author = front.get("author")
    source = front.get("carried_forward_from")
    carried_from = str(source) if source not in (None, "") else None
    if status == "carried-forward":
        flags.append(FLAG_CARRIED_FORWARD.format(quarter=_quarter_label(carried_from)))
    elif status == "draft":
        flags.append(FLAG_DRAFT)

    items, paragraphs, stray = _parse_body(body)
    if stray:
        flags.append(
            f"{shown}: text before the first heading is not shown; put it under "
            f"'{PLANNED_ACTIONS_HEADING}' or '{COMMENTS_HEADING}'"
        )
    if not items["planned_actions"] and not paragraphs["planned_actions"]:
        flags.append(FLAG_NO_ACTIONS)
    if not items["comments"] and not paragraphs["comments"]:
        flags.append(FLAG_NO_COMMENTS)
    return Narrative(
        section_id=section_id,
        quarter=q.code,
        path=path,
        status=status,
        planned_actions=items["planned_actions"],
        comments=items["comments"],
        flags=flags,
        author=str(author) if author not in (None, "") else None,
        carried_forward_from=carried_from,
        planned_actions_paragraphs=paragraphs["planned_actions"],
        comments_paragraphs=paragraphs["comments"],
    )


def _quarter_label(code: str | None) -> str:
    if code is None:
        return "an earlier quarter"
    try:
        return FinancialQuarter.parse(code).short_label
    except ReportError:
        return code


def narrative_status_summary(
    narrative_dir: Path, quarter: FinancialQuarter | str, section_ids: Sequence[str]
) -> list[Narrative]:
    """Every section's narrative for the quarter, in order: for the build's summary."""
    return [load_narrative(narrative_dir, quarter, s) for s in section_ids]


# ----- rendering -------------------------------------------------------------------------------
def _flag(text: str) -> str:
    return f'<p class="flag" role="note">{html.escape(text)}</p>'


def render_narrative(narrative: Narrative) -> str:
    """The narrative as ``<div class="narrative">``: flags, then the two blocks (h3 + ol).

    A missing narrative renders as its flag alone. An empty block keeps its heading with a flag
    under it ("No planned actions written") so that a reader sees the gap where it is.
    """
    status = html.escape(narrative.status)
    if narrative.status == "missing":
        body = "\n".join(_flag(f) for f in narrative.flags)
        return f'<div class="narrative" data-status="{status}">\n{body}\n</div>'
    block_flags = {FLAG_NO_ACTIONS, FLAG_NO_COMMENTS}
    parts = [_flag(f) for f in narrative.flags if f not in block_flags]
    for heading, items, paragraphs, empty in (
        (
            PLANNED_ACTIONS_HEADING,
            narrative.planned_actions,
            narrative.planned_actions_paragraphs,
            FLAG_NO_ACTIONS,
        ),
        (COMMENTS_HEADING, narrative.comments, narrative.comments_paragraphs, FLAG_NO_COMMENTS),
    ):
        parts.append(f"<h3>{heading}</h3>")
        parts.extend(paragraphs)
        if items:
            parts.append("<ol>\n" + "\n".join(f"<li>{item}</li>" for item in items) + "\n</ol>")
        if empty in narrative.flags:
            parts.append(_flag(empty))
    body = "\n".join(parts)
    return f'<div class="narrative" data-status="{status}">\n{body}\n</div>'


# ----- creating a quarter's files --------------------------------------------------------------
_STATUS_HINT = "# draft | reviewed | carried-forward: set 'reviewed' once checked"
_TEMPLATE = """\
---
status: draft   {status_hint}
author:
---
<!--
{title}: narrative for {quarter_title}.
Write numbered points under each heading (1. 2. 3.). Keep the two headings as they are.
Lines inside these comment marks are guidance and never appear in the report.
See params/narrative/README.md.
-->

## {actions}

<!-- 1. What will be done, by whom, by when, and what it should change. -->

## {comments}

<!-- 1. What the figures show and why: context the data cannot give. -->
"""


def _yaml_line(key: str, value: object) -> str:
    if value in (None, ""):
        return f"{key}:"
    return yaml.safe_dump({key: value}, allow_unicode=True, default_flow_style=False).strip()


def _carried_forward_text(previous: Path, previous_quarter: FinancialQuarter) -> str:
    text = previous.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    front, body, _ = _split_front_matter(text, _shown(previous))
    lines = [
        "---",
        f"status: carried-forward   {_STATUS_HINT}",
        _yaml_line("author", front.get("author")),
        f"carried_forward_from: {previous_quarter.code}   # copied from {_shown(previous)}",
        "---",
    ]
    return "\n".join(lines) + "\n" + body.lstrip("\n")


def create_narrative_files(
    quarter: FinancialQuarter | str, section_ids: Sequence[str], narrative_dir: Path
) -> list[Path]:
    """Create the quarter's narrative files; return the paths created.

    Where last quarter's file exists it is copied forward with status ``carried-forward`` and
    ``carried_forward_from`` naming its quarter; otherwise an empty template (status ``draft``)
    with guidance in comments, which never renders. An existing file is never overwritten.
    """
    q = FinancialQuarter.parse(quarter)
    previous_quarter = q.previous()
    titles = _section_titles()
    created = []
    for section_id in section_ids:
        path = narrative_path(Path(narrative_dir), q, section_id)
        if path.exists():
            continue
        previous = narrative_path(Path(narrative_dir), previous_quarter, section_id)
        if previous.is_file():
            text = _carried_forward_text(previous, previous_quarter)
        else:
            text = _TEMPLATE.format(
                title=titles.get(section_id, section_id),
                quarter_title=q.title,
                status_hint=_STATUS_HINT,
                actions=PLANNED_ACTIONS_HEADING,
                comments=COMMENTS_HEADING,
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except FileExistsError:  # written by someone else meanwhile: theirs stands
            continue
        created.append(path)
    return created


def _section_titles() -> dict[str, str]:
    from helpers.core.config import default_catalogue

    try:
        return {s.id: s.title for s in default_catalogue().sections}
    except ReportError:
        return {}


# ----- command line ----------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """``python -m helpers narrative --quarter 2025-03 [--narrative-dir DIR] [--check]``."""
    from helpers.core.config import default_catalogue, load_settings

    parser = argparse.ArgumentParser(
        prog="python -m helpers narrative",
        description="Create a quarter's narrative files (carrying last quarter's forward) and "
        "list each section's narrative status.",
    )
    parser.add_argument("--quarter", required=True, help="e.g. 2025-03 or '2024/25 Q4'")
    parser.add_argument("--narrative-dir", help="default: narrative_dir of params/report.yaml")
    parser.add_argument(
        "--check",
        action="store_true",
        help="create nothing; exit 1 if any section's narrative has a flag (not reviewed, "
        "missing, empty block)",
    )
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        quarter = FinancialQuarter.parse(args.quarter)
        directory = resolve(args.narrative_dir or load_settings().narrative_dir)
        section_ids = [s.id for s in default_catalogue().sections]
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    if not args.check:
        created = create_narrative_files(quarter, section_ids, directory)
        print(f"{len(created)} narrative file(s) created for {quarter.title}:")
        for path in created:
            print(f"  {_shown(path)}")
    summary = narrative_status_summary(directory, quarter, section_ids)
    print(f"\nNarrative status, {quarter.title}:")
    for n in summary:
        print(f"  {n.section_id:<22} {n.status}")
        for flag in n.flags:
            print(f"  {'':<22} - {flag}")
    if args.check and any(n.flags for n in summary):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
