from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers.core.config import default_catalogue
from helpers.core.paths import PROJECT_ROOT
from helpers.present.narrative import (
    ALLOWED_TAGS,
    Narrative,
    create_narrative_files,
    load_narrative,
    main,
    narrative_status_summary,
    render_narrative,
)

QUARTER = "2025-03"

REVIEWED = """\
---
status: reviewed        # draft | reviewed | carried-forward
author: A. Analyst
---
# Homicide

## Planned action to drive performance
1. Launch the **summer** operation in Bristol.
2. Review every unsolved case at the monthly board.

## Comments
1. Three of the 21 homicides were in *one* incident.
2. See [the HMICFRS report](https://www.justiceinspectorates.gov.uk/hmicfrs/).
"""


def write(directory: Path, text: str, section: str = "homicide", quarter: str = QUARTER) -> Path:
    path = directory / quarter / f"{section}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def elements(markup: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(markup)
    return parser.tags


# ----- reading ---------------------------------------------------------------------------------
def test_reviewed_narrative(tmp_path):
    write(tmp_path, REVIEWED)
    n = load_narrative(tmp_path, QUARTER, "homicide")
    assert n.status == "reviewed" and n.is_reviewed
    assert n.author == "A. Analyst"
    assert n.quarter == QUARTER and n.section_id == "homicide"
    assert n.planned_actions == [
        "Launch the <strong>summer</strong> operation in Bristol.",
        "Review every unsolved case at the monthly board.",
    ]
    assert n.comments[0] == "Three of the 21 homicides were in <em>one</em> incident."
    assert 'href="https://www.justiceinspectorates.gov.uk/hmicfrs/"' in n.comments[1]
    assert n.flags == []


def test_quarter_in_either_form(tmp_path):
    write(tmp_path, REVIEWED)
    assert load_narrative(tmp_path, "2024/25 Q4", "homicide").status == "reviewed"


@pytest.mark.parametrize(
    ("actions", "comments"),
    [
        ("## Planned action", "## Comments"),
        ("## Planned actions", "## comments"),
        ("### PLANNED ACTION TO DRIVE PERFORMANCE:", "# Comments:"),
        ("## **Planned actions**", "## Comment"),
    ],
)
def test_heading_variants(tmp_path, actions, comments):
    write(tmp_path, f"---\nstatus: reviewed\n---\n{actions}\n1. Act\n\n{comments}\n1) Note\n")
    n = load_narrative(tmp_path, QUARTER, "homicide")
    assert (n.planned_actions, n.comments, n.flags) == (["Act"], ["Note"], [])


def test_text_outside_numbered_lists_is_kept_as_paragraphs(tmp_path):
    write(
        tmp_path,
        "---\nstatus: reviewed\n---\n## Comments\nOverall the picture is *good*.\n\n"
        "1. First\n\n- a bullet\n\n3. Third, after the bullet\n\n### Bristol\n\n5. Fifth\n",
    )
    n = load_narrative(tmp_path, QUARTER, "homicide")
    assert n.comments == ["First", "Third, after the bullet", "Fifth"]
    assert n.comments_paragraphs == [
        "<p>Overall the picture is <em>good</em>.</p>",
        "<ul>\n<li>a bullet</li>\n</ul>",
        "<p><strong>Bristol</strong></p>",
    ]
    assert n.flags == ["No planned actions written"]


def test_loose_list_items_are_not_wrapped_in_paragraphs(tmp_path):
    write(tmp_path, "## Comments\n1. One\n\n2. Two\n\n   Two, more\n")
    n = load_narrative(tmp_path, QUARTER, "homicide")
    assert n.comments == ["One", "<p>Two</p>\n<p>Two, more</p>"]


def test_text_before_the_first_heading_is_flagged_not_lost(tmp_path):
    write(
        tmp_path,
        "---\nstatus: reviewed\n---\n# Title is fine\n\nStray words.\n\n## Comments\n1. x\n",
    )
    n = load_narrative(tmp_path, QUARTER, "homicide")
    assert any("text before the first heading is not shown" in f for f in n.flags)


def test_missing_file_is_flagged_with_its_project_path():
    n = load_narrative(PROJECT_ROOT / "params" / "narrative", "1999-03", "homicide")
    assert n.status == "missing"
    assert n.flags == ["Narrative missing: no file params/narrative/1999-03/homicide.md"]


@pytest.mark.parametrize(
    ("front", "status", "flag"),
    [
        ("status: draft", "draft", "Draft: not yet reviewed"),
        ("", "draft", "Draft: not yet reviewed"),
        (
            "status: carried-forward\ncarried_forward_from: 2024-12",
            "carried-forward",
            "Carried forward from Q3 2024/25: not yet reviewed",
        ),
        (
            "status: carried-forward",
            "carried-forward",
            "Carried forward from an earlier quarter: not yet reviewed",
        ),
        ("status: reviwed", "draft", "status 'reviwed' is not one of draft, reviewed"),
        ("status: [reviewed", "draft", "the front matter cannot be read (line 2)"),
        ("- just a list", "draft", "is not a list of 'key: value' lines"),
    ],
)
def test_status_flags(tmp_path, front, status, flag):
    write(tmp_path, f"---\n{front}\n---\n## Planned action\n1. a\n## Comments\n1. b\n")
    n = load_narrative(tmp_path, QUARTER, "homicide")
    assert n.status == status
    assert any(flag in f for f in n.flags), n.flags
    assert n.planned_actions == ["a"]


def test_no_front_matter_and_unclosed_front_matter(tmp_path):
    write(tmp_path, "## Comments\n1. b\n")
    n = load_narrative(tmp_path, QUARTER, "homicide")
    assert (n.status, n.comments) == ("draft", ["b"])
    write(tmp_path, "---\nstatus: reviewed\n## Comments\n1. b\n")
    n = load_narrative(tmp_path, QUARTER, "homicide")
    assert any("no closing '---'" in f for f in n.flags)


def test_windows_line_endings_and_bom(tmp_path):
    path = tmp_path / QUARTER / "homicide.md"
    path.parent.mkdir(parents=True)
    path.write_bytes(("\ufeff" + REVIEWED).replace("\n", "\r\n").encode("utf-8"))
    n = load_narrative(tmp_path, QUARTER, "homicide")
    assert n.status == "reviewed" and len(n.planned_actions) == 2


def test_unreadable_file_is_flagged(tmp_path):
    path = tmp_path / QUARTER / "homicide.md"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"---\nstatus: reviewed\n---\n## Comments\n1. caf\xe9\n")
    n = load_narrative(tmp_path, QUARTER, "homicide")
    assert n.status == "draft" and "not UTF-8" in n.flags[0]


def test_section_id_must_be_a_plain_name(tmp_path):
    with pytest.raises(ValueError, match="not a plain name"):
        load_narrative(tmp_path, QUARTER, "../../etc/passwd")


# ----- sanitising ------------------------------------------------------------------------------
HOSTILE = """\
---
status: reviewed
---
## Planned action
1. <script>alert('x')</script> Act now
2. <img src=x onerror=alert(1)> and <a href="javascript:alert(1)">raw link</a>
3. [md link](javascript:alert(1)) [relative](../secret.html) [ok](https://example.org)
4. <iframe src="https://evil.example"></iframe> <style>body{display:none}</style>

## Comments
1. <div onclick="steal()">click</div> [mail](mailto:opcc@example.org)
"""


def test_hostile_markdown_comes_out_inert(tmp_path):
    write(tmp_path, HOSTILE)
    markup = render_narrative(load_narrative(tmp_path, QUARTER, "homicide"))
    tags = elements(markup)
    allowed = ALLOWED_TAGS | {"div", "h3"}
    assert {t for t, _ in tags} <= allowed
    for tag, attrs in tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if "href" in attrs:
            assert attrs["href"].startswith(("https://", "mailto:")), attrs
    assert "<script" not in markup and "<iframe" not in markup and "<style" not in markup
    # what was typed is still visible to the reader, as text
    assert "&lt;script&gt;" in markup
    assert '<a href="https://example.org"' in markup
    assert '<a href="mailto:opcc@example.org"' in markup


# ----- rendering -------------------------------------------------------------------------------
def test_render_structure(tmp_path):
    write(tmp_path, REVIEWED)
    n = load_narrative(tmp_path, QUARTER, "homicide")
    markup = n._repr_html_()
    assert markup.startswith('<div class="narrative"')
    tags = [t for t, _ in elements(markup)]
    assert tags.count("h3") == 2 and tags.count("ol") == 2 and tags.count("li") == 4
    assert "<h3>Planned action to drive performance</h3>" in markup
    assert "<h3>Comments</h3>" in markup
    assert 'class="flag"' not in markup


def test_render_flags_as_notes(tmp_path):
    n = Narrative(
        "drugs",
        QUARTER,
        tmp_path / "x.md",
        "draft",
        comments=["A point"],
        flags=["Draft: not yet reviewed", "No planned actions written"],
    )
    markup = render_narrative(n)
    flags = [a for t, a in elements(markup) if t == "p" and a.get("class") == "flag"]
    assert len(flags) == 2 and all(a.get("role") == "note" for a in flags)
    # the empty block's flag sits under its heading
    assert (
        markup.index("Planned action to drive performance")
        < markup.index("No planned actions written")
        < markup.index("<h3>Comments</h3>")
    )


@pytest.mark.parametrize("case", ["reviewed", "draft_template", "missing", "carried_forward"])
def test_render_snapshot(tmp_path, case, snapshot):
    directory = tmp_path / "narrative"
    if case == "reviewed":
        write(directory, REVIEWED)
    elif case == "draft_template":
        create_narrative_files(QUARTER, ["homicide"], directory)
    elif case == "carried_forward":
        write(directory, REVIEWED, quarter="2024-12")
        create_narrative_files(QUARTER, ["homicide"], directory)
    n = load_narrative(directory, QUARTER, "homicide")
    rendered = render_narrative(n).replace(str(directory), "<narrative_dir>")
    assert rendered == snapshot


# ----- creating files --------------------------------------------------------------------------
def test_template_renders_as_flags_not_content(tmp_path):
    (path,) = create_narrative_files(QUARTER, ["homicide"], tmp_path)
    assert path == tmp_path / QUARTER / "homicide.md"
    n = load_narrative(tmp_path, QUARTER, "homicide")
    assert n.status == "draft"
    assert n.planned_actions == n.comments == []
    assert n.planned_actions_paragraphs == n.comments_paragraphs == []
    assert n.flags == [
        "Draft: not yet reviewed",
        "No planned actions written",
        "No comments written",
    ]
    assert "What will be done" in path.read_text()  # the guidance is in the file ...
    assert "What will be done" not in render_narrative(n)  # ... and never on the page
    assert "Homicide" in path.read_text()


def test_last_quarter_is_carried_forward_with_a_note_of_where_from(tmp_path):
    write(tmp_path, REVIEWED, quarter="2024-12")
    (path,) = create_narrative_files(QUARTER, ["homicide"], tmp_path)
    text = path.read_text()
    assert "carried_forward_from: 2024-12" in text
    assert "2024-12/homicide.md" in text
    n = load_narrative(tmp_path, QUARTER, "homicide")
    assert n.status == "carried-forward" and n.author == "A. Analyst"
    assert n.carried_forward_from == "2024-12"
    assert n.flags == ["Carried forward from Q3 2024/25: not yet reviewed"]
    assert n.planned_actions == load_narrative(tmp_path, "2024-12", "homicide").planned_actions


def test_existing_files_are_never_overwritten(tmp_path):
    mine = write(tmp_path, "---\nstatus: draft\n---\nmy own words\n")
    write(tmp_path, REVIEWED, quarter="2024-12")
    created = create_narrative_files(QUARTER, ["homicide", "drugs"], tmp_path)
    assert created == [tmp_path / QUARTER / "drugs.md"]
    assert mine.read_text() == "---\nstatus: draft\n---\nmy own words\n"
    assert create_narrative_files(QUARTER, ["homicide", "drugs"], tmp_path) == []


def test_status_summary_in_section_order(tmp_path):
    write(tmp_path, REVIEWED)
    summary = narrative_status_summary(tmp_path, QUARTER, ["drugs", "homicide"])
    assert [(n.section_id, n.status) for n in summary] == [
        ("drugs", "missing"),
        ("homicide", "reviewed"),
    ]


# ----- command line ----------------------------------------------------------------------------
def test_main_creates_every_section_and_check_fails_until_reviewed(tmp_path, capsys):
    sections = [s.id for s in default_catalogue().sections]
    assert main(["--quarter", QUARTER, "--narrative-dir", str(tmp_path)]) == 0
    assert sorted(p.stem for p in (tmp_path / QUARTER).glob("*.md")) == sorted(sections)
    out = capsys.readouterr().out
    assert f"{len(sections)} narrative file(s) created" in out
    assert main(["--quarter", QUARTER, "--narrative-dir", str(tmp_path), "--check"]) == 1
    for section in sections:
        write(tmp_path, REVIEWED, section=section)
    assert main(["--quarter", "2024/25 Q4", "--narrative-dir", str(tmp_path), "--check"]) == 0


def test_main_rejects_a_bad_quarter(tmp_path, capsys):
    assert main(["--quarter", "2025-02", "--narrative-dir", str(tmp_path)]) == 2
    assert "not a quarter end" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_python_m_helpers_narrative_dispatches_here(tmp_path):
    entry = pytest.importorskip("helpers.__main__")
    assert entry.main(["narrative", "--quarter", QUARTER, "--narrative-dir", str(tmp_path)]) == 0
    assert (tmp_path / QUARTER / "homicide.md").is_file()


# ----- the sample narrative shipped with the project -------------------------------------------
def test_the_sample_datas_default_quarter_has_a_reviewed_sample_narrative_for_every_section():
    """`make report` on a fresh clone builds the latest quarter of data/sample: every section's
    narrative is there and reviewed (no "Narrative missing"), and says it was written for the
    synthetic data, in the original's form (planned actions and comments)."""
    from helpers.core.config import load_settings
    from helpers.core.paths import resolve
    from helpers.core.quarters import resolve_quarter
    from helpers.inputs.datasets import load_inputs

    settings = load_settings()
    inputs = load_inputs(resolve(settings.data_dir))
    quarter = resolve_quarter(settings.quarter, inputs.latest_quarter)
    sections = [s.id for s in default_catalogue().sections]
    summary = narrative_status_summary(resolve(settings.narrative_dir), quarter, sections)
    assert [(n.section_id, n.status, n.flags) for n in summary] == [
        (s, "reviewed", []) for s in sections
    ]
    for n in summary:
        assert len(n.planned_actions) >= 2 and len(n.comments) >= 2, n.section_id
        assert "<strong>synthetic</strong> data" in n.comments[0], n.section_id
        assert "sample narrative for the synthetic data" in (n.author or ""), n.section_id


def test_a_quarter_without_its_narrative_is_still_flagged_in_the_summary_and_on_its_pages():
    """The shipped narrative covers the sample's quarter only: a build of any other quarter (a
    real one) lists every missing file before publication and marks each page."""
    from helpers.present.report.refresh import narrative_html, status_html

    narrative_dir = PROJECT_ROOT / "params" / "narrative"
    sections = [s.id for s in default_catalogue().sections]
    summary = status_html([], narrative_dir, "2024-12", sections)
    assert summary.startswith("<h3>Before publication</h3>")
    for section in sections:
        flag = f"Narrative missing: no file params/narrative/2024-12/{section}.md"
        assert flag in summary
        page = narrative_html(narrative_dir, "2024-12", section)
        assert 'data-status="missing"' in page and flag in page
    assert "every narrative reviewed" in status_html([], narrative_dir, QUARTER, sections)
