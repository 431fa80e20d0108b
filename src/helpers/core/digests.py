"""SHA-256 of a file: the one file hasher every layer uses, so that a file has one digest wherever
it is hashed (input contents, the processed-table cache, downloads, cache keys, the manifest)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: Path | str, chunk: int = 1 << 20) -> str:
    """SHA-256 (hex) of a file's bytes, read in chunks (input files may be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


__all__ = ["sha256_file"]
