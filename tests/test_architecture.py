"""The house rules of src/helpers (docs/ARCHITECTURE.md): layers imported one way, no cycles, no
module reaching into another's private names, no module much over 600 lines.

The layering and the cycles are import-linter's contracts in pyproject.toml, run here the way a
developer runs them; the other two rules are read from the source with `ast`.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "helpers"
# "No module much over 600 lines": 600 is the aim, this is where a test stops a merge.
MAX_LINES = 650


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _dotted(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_import_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "BROKEN" not in done.stdout
    # Both contracts ran: a contract dropped from pyproject.toml would also "pass".
    assert done.stdout.count(" KEPT") == 2, done.stdout


def test_every_module_sits_in_a_layer_the_contract_names() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c["layers"] for c in config["contracts"] if c["type"] == "layers")
    for path in _modules():
        name = _dotted(path)
        if name in ("helpers", "helpers.__main__"):
            continue
        layer = ".".join(name.split(".")[:2])
        assert layer in layers, f"{name} is outside the layers of pyproject.toml"


def _private_uses(source: str, own: str) -> list[str]:
    """`from helpers.x import _name`, and `module._name` where `module` is a helpers module."""
    tree = ast.parse(source)
    found: list[str] = []
    module_names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("helpers"):
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    if node.module != own:
                        found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
                elif _is_module(target):
                    module_names.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("helpers.") and alias.asname:
                    module_names.add(alias.asname)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in module_names
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


def _is_module(dotted: str) -> bool:
    relative = Path(*dotted.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").exists() or (PACKAGE / relative).is_dir()


def test_no_module_uses_another_modules_private_names() -> None:
    offences = {
        str(path.relative_to(ROOT)): uses
        for path in _modules()
        if (uses := _private_uses(path.read_text(), _dotted(path)))
    }
    assert not offences, offences


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_much_over_600_lines(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it on its seams"


def test_the_private_name_check_finds_what_it_looks_for() -> None:
    # The rule has to be able to fail: a module that reaches into another one, both ways, while
    # its own private names and dunders are its own business.
    source = (
        "from helpers.pipeline import build\n"
        "from helpers.pipeline.build import _kernel_config\n"
        "from helpers.pipeline.batch import _own\n"
        "build._record()\n"
        "build.__name__\n"
    )
    assert _private_uses(source, "helpers.pipeline.batch") == [
        "line 2: from helpers.pipeline.build import _kernel_config",
        "line 4: build._record",
    ]


def _sentences(source: str) -> list[str]:
    """String literals of three words or more, and f-strings with a space, outside docstrings
    and the messages of raised errors: text a reader of the report could be shown."""
    tree = ast.parse(source)
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise):
            skip.update(id(inner) for inner in ast.walk(node))
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            skip.add(id(first.value))  # a docstring
    found: list[str] = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr):
            # A label such as f"Q{n}" is a code; words are separated by spaces.
            text = "".join(part.value for part in node.values if isinstance(part, ast.Constant))
            if " " in text:
                found.append(f"line {node.lineno}: an f-string")
            skip.update(id(inner) for inner in ast.walk(node))
        elif isinstance(node, ast.Constant) and len(str(node.value).split()) >= 3:
            found.append(f"line {node.lineno}: {node.value!r}")
    return found


def test_the_trend_tests_build_no_sentences() -> None:
    """Wording lives in present (issue 18, point 8): stats/trends returns each finding as data
    (kinds, periods, figures), which present.wording.trend_words words."""
    offences = {
        str(path.relative_to(ROOT)): found
        for path in sorted((PACKAGE / "stats" / "trends").glob("*.py"))
        if (found := _sentences(path.read_text()))
    }
    assert not offences, offences


def test_the_sentence_check_finds_what_it_looks_for() -> None:
    source = (
        '"""A docstring is documentation."""\n'
        "def f(n):\n"
        '    """So is this one."""\n'
        "    if n < 0:\n"
        '        raise ValueError(f"n must be positive, got {n}")\n'
        '    kind, label = "too_few", f"Q{n}"\n'
        '    note = f"{n} points to test"\n'
        '    return "no values to test"\n'
    )
    assert _sentences(source) == ["line 7: an f-string", "line 8: 'no values to test'"]
