"""`python -m helpers build`: the command line of one report's build (what `make report` runs).

    python -m helpers build [--quarter Q] [--force NAME] [--data-dir DIR] [--jobs N]
                            [--sections id,id] [--outputs DIR] [--no-cache] [--no-pdf]
                            [--scheduler tcp://host:port] [--previous REPORT_FOLDER]
                            [--cold-kernels]

`--sections id,id` builds only those pages, into outputs/<quarter>/<force>-partial/ with a
"Partial build" banner: a partial report never replaces the full one. `--no-cache` executes
everything; `--no-pdf` makes HTML only; `--scheduler tcp://...` runs the sections on a Dask
cluster (`executors.DaskExecutor`); `--cold-kernels`: a fresh kernel per notebook.

Exit status: 0 built; 1 build failed (inputs, a section, rendering, lock held); 2 bad command
line or parameters (unknown force, quarter, section); 130 interrupted (Ctrl-C); 143 terminated
(SIGTERM, cleaned up like Ctrl-C).

`main(argv, steps=BuildSteps(...))` replaces parts of the build (helpers.pipeline.steps): the
tests build fixture notebooks that way.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import IO

from helpers.pipeline.build import Build
from helpers.pipeline.plan import BuildOptions
from helpers.pipeline.steps import BuildSteps


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers build",
        description="Build the quarterly performance report (HTML, PDF, measures.csv, manifest).",
    )
    parser.add_argument(
        "--quarter", help="'2024-03', '2023/24 Q4' or 'latest' (default: params/report.yaml)"
    )
    parser.add_argument(
        "--force", help="force name in any published spelling (default: params/report.yaml)"
    )
    parser.add_argument("--data-dir", help="input folder (default: params/report.yaml)")
    parser.add_argument("--jobs", type=int, help="notebooks run at once (default: CPU count)")
    parser.add_argument(
        "--sections",
        help="comma-separated section ids: a partial build, "
        "written to outputs/<quarter>/<force>-partial/",
    )
    parser.add_argument("--outputs", help="outputs folder (default: params/report.yaml)")
    parser.add_argument(
        "--narrative-dir", help="narrative folder (default: params/report.yaml narrative_dir)"
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="execute every section even if an earlier build made it from the same content",
    )
    parser.add_argument("--no-pdf", action="store_true", help="HTML only (a quick draft)")
    parser.add_argument(
        "--previous",
        help="the report to compare with on the changes page: its folder or measures.csv "
        "(default: the previous quarter's report under the outputs folder)",
    )
    parser.add_argument("--scheduler", help="Dask scheduler address: sections run there")
    parser.add_argument(
        "--cold-kernels",
        action="store_true",
        help="a fresh kernel for every notebook (default: each worker reuses one warm kernel)",
    )
    return parser


def main(
    argv: Sequence[str] | None = None,
    steps: BuildSteps | None = None,
    stream: IO[str] | None = None,
) -> int:
    """`python -m helpers build ...`; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    options = BuildOptions(
        quarter=args.quarter,
        force=args.force,
        data_dir=args.data_dir,
        jobs=args.jobs,
        sections=args.sections.split(",") if args.sections else None,
        outputs=args.outputs,
        narrative_dir=args.narrative_dir,
        cache=not args.no_cache,
        pdf=not args.no_pdf,
        scheduler=args.scheduler,
        warm_kernels=not args.cold_kernels,
        previous=args.previous,
        argv=argv,
    )
    return Build(options, steps, stream).run().status


__all__ = ["main", "parser"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
