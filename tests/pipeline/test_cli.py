"""`python -m helpers build` (helpers.pipeline.cli): the command line becomes build options."""

from __future__ import annotations

import io
from typing import ClassVar

from helpers.__main__ import COMMANDS
from helpers.pipeline import cli
from helpers.pipeline.plan import BuildOptions


class FakeBuild:
    made: ClassVar[list[tuple[BuildOptions, object]]] = []

    def __init__(self, options: BuildOptions, steps=None, stream=None) -> None:
        FakeBuild.made.append((options, steps))

    def run(self):
        class Result:
            status = 0

        return Result()


def test_python_m_helpers_build_runs_this_command_line():
    assert COMMANDS["build"][0] == cli.__name__


def test_every_option_reaches_the_build(monkeypatch):
    monkeypatch.setattr(cli, "Build", FakeBuild)
    FakeBuild.made.clear()
    argv = [
        "--quarter", "2023/24 Q4", "--force", "Kent", "--data-dir", "d", "--jobs", "3",
        "--sections", "homicide,drugs", "--outputs", "o", "--narrative-dir", "n", "--no-cache",
        "--no-pdf", "--scheduler", "tcp://h:8786", "--previous", "p", "--cold-kernels",
    ]  # fmt: skip
    assert cli.main(argv, steps="the steps") == 0
    options, steps = FakeBuild.made[0]
    assert options == BuildOptions(
        quarter="2023/24 Q4",
        force="Kent",
        data_dir="d",
        jobs=3,
        sections=["homicide", "drugs"],
        outputs="o",
        narrative_dir="n",
        cache=False,
        pdf=False,
        scheduler="tcp://h:8786",
        previous="p",
        warm_kernels=False,
        argv=argv,
    )
    assert steps == "the steps"
    assert cli.main([]) == 0
    defaults, _ = FakeBuild.made[1]
    assert defaults == BuildOptions(argv=[])


def test_a_bad_command_line_exits_2_without_building(monkeypatch, capsys):
    monkeypatch.setattr(cli, "Build", FakeBuild)
    FakeBuild.made.clear()
    assert cli.main(["--jobs", "two"], stream=io.StringIO()) == 2
    assert FakeBuild.made == []
    assert "invalid int value" in capsys.readouterr().err
