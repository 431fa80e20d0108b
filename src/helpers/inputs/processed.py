"""The processed-table cache: tidy tables made from raw files, kept in `data/processed/` as parquet.

A table is keyed by the sha256 of every raw file it was made from (and of the converter's
version), so it is rebuilt only when a raw file changes; raw files are only ever read. The cache
is a convenience: deleting `data/processed/` loses nothing but time.

    table = cached("population", [p9, p10], lambda: read_ons_population([p9, p10]))
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from helpers.core.digests import sha256_file
from helpers.core.paths import DATA_DIR

# Bump when a converter's output changes for the same raw bytes.
CONVERTER_VERSION = "1"
PROCESSED_DIR = Path(os.environ.get("REPORT_PROCESSED_DIR", DATA_DIR / "processed"))
_PERIODS = "helpers.period_columns"


def cache_key(kind: str, raw_files: Sequence[Path | str]) -> str:
    """sha256 over the kind, the converter version and each raw file's own sha256 (in order)."""
    digest = hashlib.sha256(f"{kind}\0{CONVERTER_VERSION}".encode())
    for path in raw_files:
        digest.update(b"\0" + sha256_file(path).encode())
    return digest.hexdigest()


def cache_path(kind: str, raw_files: Sequence[Path | str], directory: Path | None = None) -> Path:
    return (directory or PROCESSED_DIR) / f"{kind}-{cache_key(kind, raw_files)[:24]}.parquet"


def cached(
    kind: str,
    raw_files: Sequence[Path | str],
    build: Callable[[], pd.DataFrame],
    *,
    directory: Path | None = None,
) -> pd.DataFrame:
    """The table `build()` makes from `raw_files`, read from the cache when the files are
    unchanged, otherwise built, written (atomically) and returned."""
    path = cache_path(kind, raw_files, directory)
    if path.is_file():
        return read_table(path)
    table = build()
    write_table(table, path)
    return table


def write_table(table: pd.DataFrame, path: Path) -> None:
    """Parquet; monthly `period` columns are stored as 'YYYY-MM' text and restored on reading."""
    periods = [c for c in table.columns if isinstance(table[c].dtype, pd.PeriodDtype)]
    out = table.copy()
    for column in periods:
        out[column] = out[column].astype(str)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = pa.Table.from_pandas(out, preserve_index=False)
    metadata = dict(arrow.schema.metadata or {})
    metadata[_PERIODS.encode()] = json.dumps(periods).encode()
    pq.write_table(arrow.replace_schema_metadata(metadata), tmp)
    tmp.replace(path)


def read_table(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    arrow = pq.read_table(path)
    periods = json.loads((arrow.schema.metadata or {}).get(_PERIODS.encode(), b"[]"))
    table = arrow.to_pandas()
    for column in periods:
        table[column] = pd.PeriodIndex(table[column], freq="M")
    return table
