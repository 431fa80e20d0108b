"""`python -m helpers <command>`: the project's commands, each a `main(argv)` of its module."""

from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "build": ("helpers.pipeline.cli", "build the report (what `make report` runs)"),
    "all-forces": (
        "helpers.pipeline.batch",
        "build every force's report for a quarter (make all-forces)",
    ),
    "measures": ("helpers.present.measures_table", "measures.csv without running notebooks"),
    "validate": ("helpers.inputs.validation", "check every input file against its data contract"),
    "sample-data": ("helpers.inputs.sample_data", "regenerate the synthetic sample data"),
    "narrative": ("helpers.present.narrative", "create a quarter's narrative files to fill in"),
    "verify": (
        "helpers.pipeline.verify",
        "rebuild a report from its manifest, report any difference",
    ),
    "download": (
        "helpers.inputs.download",
        "download the publishers' files into data/raw",
    ),
    "import-real": (
        "helpers.inputs.published",
        "convert published files into data/real",
    ),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print("usage: python -m helpers <command> [options]\n\ncommands:")
        for name, (_, text) in COMMANDS.items():
            print(f"  {name:<12} {text}")
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    module = importlib.import_module(COMMANDS[argv[0]][0])
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
