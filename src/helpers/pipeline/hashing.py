"""Every content key of the pipeline, made with one file hasher.

A build reuses what an earlier build made only when the key of everything that decides it is
the same (helpers.pipeline.incremental), and the manifest records the same digests so that
`make verify` and the changes page can name what changed. All of them read files through
`helpers.core.digests.sha256_file`, the one file hasher every layer uses, so a file has one
digest wherever it is hashed:

* `sha256_tree`: every file under a folder (manifest outputs);
* `files_digest`: files named by path under a root, as one key (the helpers' source, the
  catalogue, the page templates);
* `digest`: any JSON-able value (the key of a cache entry built from the digests above);
* `section_cache_key`: the key of one section's executed notebook;
* `narrative_files` (the narrative a page shows) and `narrative_tree` (every narrative file,
  for the manifest).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from helpers.core.digests import sha256_file
from helpers.core.paths import PACKAGE_DIR, PARAMS_DIR, TEMPLATES_DIR
from helpers.pipeline.plan import PlannedNotebook

# A narrative file a page would show but which does not exist yet.
MISSING = "missing"


def sha256_tree(root: Path, exclude: Iterable[str] = ()) -> dict[str, str]:
    """{relative posix path: sha256} of every file under `root`, sorted by path."""
    skip = set(exclude)
    out = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel not in skip:
            out[rel] = sha256_file(path)
    return out


def files_digest(paths: Iterable[Path], root: Path) -> str:
    """One SHA-256 over `paths` (files under `root`; others skipped): each file's path relative
    to `root` and its content, in path order, so a rename changes the key as an edit does."""
    digest_ = hashlib.sha256()
    for path in sorted(paths):
        if path.is_file():
            digest_.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest_.update(bytes.fromhex(sha256_file(path)))
    return digest_.hexdigest()


def digest(payload: Any) -> str:
    """SHA-256 of a JSON-able value (keys sorted; anything else by its `str`)."""
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def helpers_digest() -> str:
    """SHA-256 over the helpers package's source and reference data (not its page templates,
    which change rendering, not execution)."""
    files = [*PACKAGE_DIR.rglob("*.py"), *(PACKAGE_DIR / "reference").rglob("*")]
    return files_digest(files, PACKAGE_DIR)


def catalogue_digest(params_dir: Path = PARAMS_DIR) -> str:
    """SHA-256 of the measure catalogue and the forces (what every section is computed from)."""
    return files_digest([params_dir / "measures.yaml", params_dir / "forces.yaml"], params_dir)


def templates_digest() -> str:
    """SHA-256 of the page and nbconvert templates (they change the HTML, not execution)."""
    return files_digest(TEMPLATES_DIR.rglob("*"), TEMPLATES_DIR)


def section_cache_key(
    spec: PlannedNotebook,
    parameters: Mapping[str, Any],
    input_files: Mapping[str, str],
    *,
    helpers: str,
    catalogue: str,
    extra_files: Mapping[str, str] | None = None,
) -> str:
    """A key that changes whenever anything that decides a section's executed notebook changes:
    the notebook itself, the helpers' source, its parameters, the inputs' content, the catalogue,
    and `extra_files`. A build reuses a section whose key matches an earlier build's."""
    return digest(
        {
            "notebook": sha256_file(spec.notebook) if spec.notebook.is_file() else None,
            "section": [spec.id, spec.number, spec.title, spec.part],
            "parameters": {k: parameters[k] for k in sorted(parameters)},
            "inputs": {k: input_files[k] for k in sorted(input_files)},
            "helpers": helpers,
            "catalogue": catalogue,
            "extra": dict(sorted((extra_files or {}).items())),
        }
    )


def narrative_files(narrative_dir: Path, quarter: str, section_ids: list[str]) -> dict[str, str]:
    """{"<quarter>/<section>.md": sha256 or "missing"} of the narrative files of `section_ids`."""
    out = {}
    for section in section_ids:
        path = Path(narrative_dir) / quarter / f"{section}.md"
        try:
            out[f"{quarter}/{section}.md"] = sha256_file(path)
        except OSError:
            out[f"{quarter}/{section}.md"] = MISSING
    return out


def narrative_tree(narrative_dir: Path) -> dict[str, str]:
    """{relative path: sha256} of every narrative file (every quarter's: they are few)."""
    return sha256_tree(narrative_dir) if narrative_dir.is_dir() else {}


__all__ = [
    "MISSING",
    "catalogue_digest",
    "digest",
    "files_digest",
    "helpers_digest",
    "narrative_files",
    "narrative_tree",
    "section_cache_key",
    "sha256_tree",
]
