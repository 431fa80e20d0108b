"""environment.yml mirrors pyproject.toml: the same exact pins (core and dev extra), Python 3.11."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*?)\s*$")


def _name(text: str) -> str:
    """PEP 503 normalised name: `PyYAML`, `pyyaml` and `py_yaml` are one package."""
    return re.sub(r"[-_.]+", "-", text).lower()


def _pins(lines: list[str], where: str, problems: list[str]) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in lines:
        match = _REQUIREMENT.match(line.split(";")[0])
        if not match:
            problems.append(f"{where}: cannot read requirement {line!r}")
            continue
        name, spec = _name(match.group(1)), match.group(2).replace(" ", "")
        if not spec.startswith("==") or any(c in spec[2:] for c in "<>=!~,*"):
            problems.append(f"{where}: {line!r} is not an exact pin (name==version)")
            continue
        if name in pins:
            problems.append(f"{where}: {name} is listed twice")
        pins[name] = spec[2:]
    return pins


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def _conda_and_pip(env: dict) -> tuple[list[str], list[str]]:
    conda, pip = [], []
    for entry in env.get("dependencies", []):
        if isinstance(entry, dict):
            pip.extend(entry.get("pip", []))
        else:
            conda.append(str(entry))
    return conda, pip


def test_environment_pins_match_pyproject():
    problems: list[str] = []
    project = _pyproject()
    wanted = _pins(
        [
            *project["dependencies"],
            *project["optional-dependencies"]["dev"],
            *project["optional-dependencies"].get("bench", []),
        ],
        "pyproject.toml",
        problems,
    )
    _, pip = _conda_and_pip(_environment())
    # The editable install of the project itself is not a pin.
    given = _pins([p for p in pip if not p.startswith("-e")], "environment.yml", problems)

    for name in sorted(wanted.keys() - given.keys()):
        problems.append(f"{name}=={wanted[name]} is in pyproject.toml but not environment.yml")
    for name in sorted(given.keys() - wanted.keys()):
        problems.append(f"{name}=={given[name]} is in environment.yml but not pyproject.toml")
    for name in sorted(wanted.keys() & given.keys()):
        if wanted[name] != given[name]:
            problems.append(
                f"{name}: pyproject.toml pins {wanted[name]}, environment.yml {given[name]}"
            )
    assert not problems, "environment.yml and pyproject.toml disagree:\n" + "\n".join(problems)


def test_environment_python_matches_requires_python():
    requires = _pyproject()["requires-python"]  # ">=3.11,<3.12"
    lower = re.search(r">=\s*(\d+)\.(\d+)", requires)
    upper = re.search(r"<\s*(\d+)\.(\d+)", requires)
    assert lower and upper, f"cannot read requires-python {requires!r}"
    conda, _ = _conda_and_pip(_environment())
    pythons = [c for c in conda if re.match(r"python\s*[=<>]", c)]
    assert len(pythons) == 1, f"environment.yml should name one python, found {pythons}"
    version = re.search(r"(\d+)\.(\d+)", pythons[0])
    assert version, pythons[0]
    minor = (int(version[1]), int(version[2]))
    assert (int(lower[1]), int(lower[2])) <= minor < (int(upper[1]), int(upper[2])), (
        f"environment.yml's {pythons[0]} is outside pyproject.toml's requires-python {requires}"
    )
    assert "pip" in conda, "environment.yml needs pip to install the pinned packages"
