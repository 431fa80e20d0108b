"""The project's documents stand alone: a fresh clone from the project's public home has nothing
beside it, so no document, setting, notebook or Makefile names a path outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Read by users: every Markdown file outside the tests, the settings, the notebooks, the Makefile.
DOCUMENTS = sorted(
    p.relative_to(ROOT).as_posix()
    for p in [
        *ROOT.glob("*.md"),
        *ROOT.glob("docs/**/*.md"),
        *ROOT.glob("data/*/README.md"),
        *ROOT.glob("params/**/*"),
        *ROOT.glob("notebooks/*.ipynb"),
        ROOT / "Makefile",
    ]
    if p.is_file() and p.suffix != ".png"
)
# A relative path that climbs out of the repository (`../shared/...`), or a Markdown link to one.
OUTSIDE = re.compile(r"(?<![\w.])\.\./(?!\.)[\w.-]+")


def _outside_paths(text: str) -> list[str]:
    return OUTSIDE.findall(text)


def test_the_pattern_finds_paths_outside_the_repository() -> None:
    assert _outside_paths("see [spec](../shared/spec/REPORT_SPEC.md)") == ["../shared"]
    assert _outside_paths("REAL_DIR ?= ../shared/data/real") == ["../shared"]
    assert _outside_paths("docs/DATA.md, 12.5 ... and ./x") == []


@pytest.mark.parametrize("rel", DOCUMENTS)
def test_no_document_names_a_path_outside_the_repository(rel: str) -> None:
    text = (ROOT / rel).read_text(encoding="utf-8")
    assert _outside_paths(text) == [], f"{rel} names a path outside the repository"


def test_markdown_links_point_inside_the_repository() -> None:
    broken = []
    for rel in DOCUMENTS:
        if not rel.endswith(".md"):
            continue
        text = (ROOT / rel).read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)", text):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            path = ((ROOT / rel).parent / target).resolve()
            if not path.is_relative_to(ROOT) or not path.exists():
                broken.append(f"{rel} -> {target}")
    assert broken == []


# A file of the project's code named in prose: src/helpers/...py, tests/...py, benchmarks/...py.
CODE_PATH = re.compile(r"(?<![\w/.-])((?:src/helpers|tests|benchmarks)/[\w/]+\.py)\b")


def test_the_code_path_pattern_finds_what_it_looks_for() -> None:
    text = "`src/helpers/inputs/schemas.py` and tests/stats/test_trends.py::test_x, not b/tests/y"
    assert CODE_PATH.findall(text) == [
        "src/helpers/inputs/schemas.py",
        "tests/stats/test_trends.py",
    ]


def test_every_code_file_a_document_names_exists() -> None:
    # The map of the house (docs/ARCHITECTURE.md) and the how-to steps name modules and tests; a
    # module moved or split must take its mentions with it.
    stale = [
        f"{rel} names {path}"
        for rel in DOCUMENTS
        for path in CODE_PATH.findall((ROOT / rel).read_text(encoding="utf-8"))
        if not (ROOT / path).is_file()
    ]
    assert stale == []


def test_the_map_names_only_modules_that_exist() -> None:
    # docs/ARCHITECTURE.md's "Where things are" names modules and packages relative to
    # src/helpers; a module split or moved must take its row with it.
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    table = text.split("## Where things are", 1)[1].split("\n## ", 1)[0]
    named = re.findall(r"`([\w/]+(?:\.py|/))`", table)
    assert len(named) > 30, "the map lost its table"
    package = ROOT / "src" / "helpers"
    missing = [n for n in named if not (package / n).exists()]
    assert missing == []
    # ... and every module of the package has a row (packages count for their modules).
    modules = {
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if p.name != "__init__.py" and p.parent != package
    }
    covered = {m for m in modules if any(m == n or m.startswith(n) for n in named if n)}
    assert sorted(modules - covered) == []


def test_every_dotted_helpers_name_a_document_uses_resolves() -> None:
    # "helpers.measures.handoff", "helpers.core.forces.canonical_force": a moved or renamed
    # module or function must not leave a document pointing at nothing.
    import importlib

    names = sorted(
        {
            name
            for rel in DOCUMENTS
            for name in re.findall(r"\bhelpers(?:\.[a-z_]+)+", (ROOT / rel).read_text("utf-8"))
        }
    )
    assert len(names) > 20
    unresolved = []
    for name in names:
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            try:
                found: object = importlib.import_module(".".join(parts[:i]))
                break
            except ImportError:
                continue
        for attribute in parts[i:]:
            if not hasattr(found, attribute):
                unresolved.append(name)
                break
            found = getattr(found, attribute)
    assert unresolved == []
