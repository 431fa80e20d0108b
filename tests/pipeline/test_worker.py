"""The worker side (helpers.pipeline.worker): one notebook executed, and its kernel."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest

from helpers.core.exceptions import ConfigError
from helpers.pipeline import worker
from helpers.pipeline.plan import PlannedNotebook
from helpers.pipeline.worker import NotebookJob, NotebookOutcome, check_kernel, prepare_kernel

FIXTURES = Path(__file__).parents[1] / "fixtures" / "notebooks"


def test_kernel_is_this_environments_python_even_if_another_spec_shadows_it(tmp_path, monkeypatch):
    shadow = tmp_path / "user-jupyter"
    spec_dir = shadow / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [
                    "/usr/bin/python3-somewhere-else",
                    "-m",
                    "ipykernel_launcher",
                    "-f",
                    "{connection_file}",
                ],
                "display_name": "Other Python",
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(shadow))

    with pytest.raises(ConfigError, match="python3-somewhere-else"):
        check_kernel("python3", str(shadow))

    kernel = prepare_kernel(tmp_path / "build-kernel")
    assert kernel.executable == sys.executable
    assert Path(kernel.resource_dir) == tmp_path / "build-kernel" / "kernels" / "python3"
    assert os.environ["JUPYTER_PATH"] == str(shadow)  # the check left the environment alone


def test_declared_parameters_reads_the_cell_like_python_does(tmp_path):
    cell = nbformat.v4.new_code_cell(
        'quarter = "latest"  # "2024-03" or "2023/24 Q4"; "latest" = the latest quarter\n'
        "trend_method = None  # None = the default of params/report.yaml\n"
        "window: int = 12\n"
        "a, b = 1, 2\n"
    )
    cell.metadata["tags"] = ["parameters"]
    path = tmp_path / "n.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    assert worker.declared_parameters(path) == {"quarter", "trend_method", "window", "a", "b"}

    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), path)
    assert worker.declared_parameters(path) is None  # no parameters cell: everything is passed


# ----- warm kernels ---------------------------------------------------------------------------


def _notebook(path: Path, *sources: str) -> Path:
    cells = [
        nbformat.v4.new_code_cell('force = "Avon and Somerset"', metadata={"tags": ["parameters"]}),
        *(nbformat.v4.new_code_cell(source) for source in sources),
    ]
    metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata=metadata), path)
    return path


def _stdout(notebook: Path) -> str:
    nb = nbformat.read(notebook, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_warm_kernel_keeps_notebooks_apart_and_survives_a_failing_one(tmp_path, monkeypatch):
    from helpers.pipeline import kernels

    kernel = prepare_kernel(tmp_path / "jupyter")
    monkeypatch.setenv("JUPYTER_PATH", kernel.jupyter_path)
    first = _notebook(tmp_path / "first.ipynb", "secret = 42\nimport os\nprint('pid', os.getpid())")
    second = _notebook(
        tmp_path / "second.ipynb",
        "import os, sys\nprint('pid', os.getpid())\n"
        "print('secret' in globals(), 'pandas' in sys.modules, os.getcwd())",
    )

    def run_one(spec_id: str, notebook: Path, warm: int = 5) -> tuple[NotebookOutcome, Path]:
        output = tmp_path / "out" / f"{spec_id}-{warm}.ipynb"
        output.parent.mkdir(exist_ok=True)
        job = NotebookJob(
            spec=PlannedNotebook(spec_id, 1, spec_id, None, notebook),
            output=output,
            parameters={"force": "Kent"},
            kernel_name=kernel.name,
            cwd=tmp_path,
            warm_kernel=warm,
        )
        return worker.execute_section(job), output

    try:
        one, out_one = run_one("first", first)
        two, out_two = run_one("second", second)
        assert one.ok and two.ok, (one, two)
        pid_one = _stdout(out_one).split()[1]
        lines = _stdout(out_two).split("\n")
        # The same kernel process, warm (pandas imported at warm-up), with a fresh namespace.
        assert lines[0] == f"pid {pid_one}"
        assert lines[1] == f"False True {tmp_path.resolve()}"
        # Execution counts start at 1 again, as in a fresh kernel.
        counts = [c.execution_count for c in nbformat.read(out_two, as_version=4).cells]
        assert counts[:3] == [1, 2, 3]

        failed, _ = run_one("fail", FIXTURES / "fail.ipynb")
        cold, _ = run_one("fail", FIXTURES / "fail.ipynb", warm=0)
        assert not failed.ok
        assert (failed.cell, failed.ename) == (cold.cell, cold.ename) == (4, "ValueError")
        assert failed.evalue == cold.evalue == "fixture failure on purpose for Kent"
        assert "ValueError" in failed.traceback

        # The next notebook still runs, in a fresh kernel.
        again, out_again = run_one("first", first)
        assert again.ok, again
        assert _stdout(out_again).split()[1] != pid_one
    finally:
        kernels.discard()
