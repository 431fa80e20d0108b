"""Where the project's folders are, found from the package so that notebooks run from anywhere."""

from __future__ import annotations

import os
from pathlib import Path

# The package's own folder: its page templates and reference data live there, beside the layers.
PACKAGE_DIR = Path(__file__).resolve().parents[1]
# src/helpers/core/paths.py -> project root; REPORT_ROOT overrides it for an installed copy.
PROJECT_ROOT = Path(os.environ.get("REPORT_ROOT", Path(__file__).resolve().parents[3]))
PARAMS_DIR = PROJECT_ROOT / "params"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
DATA_DIR = PROJECT_ROOT / "data"
OUTPUTS_DIR = PROJECT_ROOT / "outputs"
REFERENCE_DIR = PACKAGE_DIR / "reference"
TEMPLATES_DIR = PACKAGE_DIR / "templates"


def resolve(path: str | os.PathLike[str]) -> Path:
    """A path from params or the command line, relative to the project root unless absolute."""
    p = Path(path)
    return p if p.is_absolute() else PROJECT_ROOT / p
