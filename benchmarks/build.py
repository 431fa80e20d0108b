"""How fast the report builds, against the naive loop, in one run on one machine.

Measures, each as a separate process tree (wall time; processor time of the tree, user + system,
from getrusage(RUSAGE_CHILDREN); peak memory = the largest sum of the resident set sizes of the
process and all its children, sampled every 0.1 s with psutil):

(a) the naive loop: for each section the papermill command, then the nbconvert command; then
    one PDF (the weasyprint command on the sections' HTML put together);
(b) our cold build (`python -m helpers build`, empty outputs and cache);
(c) a rebuild with nothing changed;
(d) a rebuild after one narrative edit (params/narrative/<quarter>/homicide.md);
(e) every force for one quarter (`python -m helpers all-forces`, cold, its own outputs folder);
(f) reading the police recorded crime table from ODS (one sheet per financial year, written
    with odfpy first) with calamine and with odfpy (pandas.read_excel engines).

Everything runs on a copy of the project in a temporary folder (src, notebooks, params,
data/sample), with PYTHONPATH pointing at the copy's src: outputs/ is never touched, and edits
others make to the working tree during the run do not invalidate the cache being measured.

    .venv/bin/python benchmarks/build.py                     # everything (about 30-40 min)
    .venv/bin/python benchmarks/build.py --forces 5          # all-forces on the first 5 only
    .venv/bin/python benchmarks/build.py --skip naive,all-forces --ods-rows 20000
    .venv/bin/python benchmarks/build.py --skip naive,builds,ods    # (e) alone

Needs the "bench" extra (odfpy) for (f): pip install -e ".[bench]".
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
QUARTER = "2025-03"


@dataclass
class Measured:
    label: str
    seconds: float
    peak_mb: float
    note: str = ""
    cpu_seconds: float = 0.0  # processor time of the process tree (user + system)


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


def measure(label: str, command: list[str] | str, cwd: Path, env: dict[str, str]) -> Measured:
    """Run `command` (a list, or a shell string), sampling its process tree's memory; also its
    processor time (its own and every descendant's it waited for), less inflated than wall time
    by other work on a shared machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    shell = isinstance(command, str)
    process = subprocess.Popen(
        command, cwd=cwd, env=env, shell=shell, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    peak = 0
    handle = psutil.Process(process.pid)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(handle))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    stop.set()
    sampler.join()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = output.decode(errors="replace")
    if process.returncode != 0:
        print(text[-3000:])
        raise SystemExit(f"{label}: exit status {process.returncode}")
    result = Measured(label, seconds, peak / 2**20, cpu_seconds=cpu)
    print(
        f"  {label:<44} {seconds:8.1f} s  {result.peak_mb:8.0f} MB  {cpu:8.1f} s processor",
        flush=True,
    )
    for line in text.splitlines():  # what the build reused, for the record
        if line.startswith(
            ("reuse notebooks", "report.pdf", "report.ods", "html pages", "Reports for")
        ) or (" reports built in " in line):
            print(f"      {line}")
    return result


def copy_project(folder: Path) -> Path:
    copy = folder / "project"
    for part in ("src", "notebooks", "params"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "data" / "sample", copy / "data" / "sample")
    (copy / "outputs").mkdir()
    return copy


def naive_loop(copy: Path, python: Path) -> str:
    """The shell loop a first version would be: one command per step and notebook."""
    bindir = python.parent
    out = copy / "naive"
    lines = [f"set -e; mkdir -p {out}"]
    for notebook in sorted((copy / "notebooks").glob("*.ipynb")):
        executed = out / notebook.name
        lines.append(
            f"{bindir}/papermill -k python3 --no-progress-bar {notebook} {executed} "
            f"-p quarter {QUARTER} -p force 'Avon and Somerset'"
        )
        lines.append(f"{bindir}/jupyter nbconvert --to html --no-input {executed}")
    lines.append(f"cat {out}/*.html > {out}/all.html")
    lines.append(f"{python} -m weasyprint {out}/all.html {out}/report.pdf")
    return "\n".join(lines)


def ods_benchmark(copy: Path, python: Path, env: dict[str, str], rows: int) -> list[Measured]:
    ods = copy / "prc.ods"
    write = f"""
import pandas as pd
frame = pd.read_csv("data/sample/national/prc_pfa.csv.gz")
if {rows} and len(frame) > {rows}:
    frame = frame.sample(n={rows}, random_state=1).sort_index()
with pd.ExcelWriter("{ods}", engine="odf") as writer:
    for year, part in frame.groupby("Financial Year"):
        part.to_excel(writer, sheet_name=year.replace("/", "-"), index=False)
print(len(frame))
"""
    results = [
        measure(
            f"write ODS with odfpy ({rows or 'all'} rows)", [str(python), "-c", write], copy, env
        )
    ]
    for engine in ("calamine", "odf"):
        read = (
            "import pandas as pd\n"
            f"sheets = pd.read_excel({str(ods)!r}, sheet_name=None, engine={engine!r})\n"
            "frame = pd.concat(sheets.values(), ignore_index=True)\n"
            "print(len(frame))\n"
        )
        results.append(measure(f"(f) read ODS with {engine}", [str(python), "-c", read], copy, env))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forces", type=int, default=43, help="forces for (e) (default 43)")
    parser.add_argument("--ods-rows", type=int, default=30000, help="0 = the whole table")
    parser.add_argument(
        "--skip", default="", help="comma-separated: naive, builds (b-d), all-forces, ods"
    )
    args = parser.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    python = Path(sys.executable)

    print(
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}"
    )
    print(f"Load average at start: {os.getloadavg()}")
    results: dict[str, Measured] = {}
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        copy = copy_project(Path(tmp))
        env = {**os.environ, "PYTHONPATH": str(copy / "src"), "REPORT_ROOT": str(copy)}
        build = [
            str(python),
            "-m",
            "helpers",
            "build",
            "--quarter",
            QUARTER,
            "--jobs",
            "2",
            "--outputs",
            str(copy / "outputs"),
        ]
        if "naive" not in skip:
            results["a"] = measure(
                "(a) naive loop (papermill, nbconvert, PDF)", naive_loop(copy, python), copy, env
            )
        if "builds" not in skip:
            results["b"] = measure("(b) cold build", build, copy, env)
            results["c"] = measure("(c) rebuild, nothing changed", build, copy, env)
            narrative = copy / "params" / "narrative" / QUARTER / "homicide.md"
            narrative.write_text(
                narrative.read_text() + "\n<!-- edited by the benchmark -->\n"
                if narrative.exists()
                else "## Comments\n1. Edited.\n"
            )
            text = narrative.read_text()
            narrative.write_text(text.replace("## Comments", "## Comments\n\n1. A new comment.", 1))
            results["d"] = measure("(d) rebuild after one narrative edit", build, copy, env)
            # The analyst's drafting loop: the same edit again, HTML only (make report PDF=no).
            narrative.write_text(narrative.read_text().replace("A new comment.", "A second edit."))
            results["d2"] = measure(
                "(d2) narrative edit, HTML only (--no-pdf)", [*build, "--no-pdf"], copy, env
            )
        if "all-forces" not in skip:
            from helpers.core.forces import default_forces

            every = default_forces().names
            names = every[: args.forces]
            batch = [
                str(python),
                "-m",
                "helpers",
                "all-forces",
                "--quarter",
                QUARTER,
                "--jobs",
                "2",
                "--outputs",
                str(copy / "outputs-all"),
            ]
            if len(names) < len(every):
                # slugs: a force's name may hold a comma ("London, City of")
                batch += ["--forces", ",".join(default_forces().get(n).slug for n in names)]
            results["e"] = measure(f"(e) all forces, cold ({len(names)} forces)", batch, copy, env)
            results["e"].note = f"{len(names)} forces"
        if "ods" not in skip:
            for r in ods_benchmark(copy, python, env, args.ods_rows):
                results[r.label] = r

    print("\nRatios")
    if "a" in results and "b" in results:
        print(
            f"  naive loop / cold build:        {results['a'].seconds / results['b'].seconds:5.1f}x"
        )
    if "b" in results:
        b, c, d = (results[k].seconds for k in "bcd")
        print(f"  cold build / no-change rebuild: {b / c:5.1f}x")
        print(f"  cold build / narrative edit:    {b / d:5.1f}x")
    if "e" in results:
        n = int(results["e"].note.split()[0])
        per = results["e"].seconds / n
        print(f"  all forces: {per:.1f} s per force -> {per * 43 / 60:.1f} min for 43 forces")
    reads = [r for k, r in results.items() if k.startswith("(f)")]
    if len(reads) == 2:
        print(f"  odfpy / calamine (read ODS):    {reads[1].seconds / reads[0].seconds:5.1f}x")
    print(f"Load average at end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
