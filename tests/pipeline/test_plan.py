"""The build plan (helpers.pipeline.plan): the options resolved once, frozen, before anything
runs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from helpers.core.exceptions import ConfigError, QuarterError
from helpers.core.quarters import FinancialQuarter
from helpers.pipeline.plan import (
    BuildOptions,
    PlannedNotebook,
    report_plan,
    resolve_request,
    select_sections,
)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "notebooks" / "ok.ipynb"


def sections() -> list[PlannedNotebook]:
    return [
        PlannedNotebook("summary", 0, "Measures summary", None, FIXTURE),
        PlannedNotebook("homicide", 1, "Homicide", "Part 1", FIXTURE),
        PlannedNotebook("drugs", 2, "Drugs", "Part 1", FIXTURE),
        PlannedNotebook("methods", 90, "Methods", None, FIXTURE),
    ]


def request(tmp_path: Path, **options):
    given = BuildOptions(data_dir=str(tmp_path), outputs=str(tmp_path / "out"), **options)
    return resolve_request(given, sections)


def test_the_report_plan_puts_the_summary_first_and_the_methods_last():
    plan = report_plan()
    assert [plan[0].stem, plan[-1].stem] == ["00_summary", "90_methods"]
    assert all(s.notebook.is_file() for s in plan)
    numbers = [s.number for s in plan]
    assert numbers == sorted(numbers)


def test_sections_are_selected_in_report_order_and_a_typo_is_named():
    assert [s.id for s in select_sections(sections(), ["drugs", " homicide"])] == [
        "homicide",
        "drugs",
    ]
    with pytest.raises(ConfigError, match="'homicde' \\(did you mean 'homicide'\\?\\)"):
        select_sections(sections(), ["homicde"])


def test_the_request_resolves_the_force_folders_and_sections(tmp_path):
    made = request(tmp_path, force="Avon & Somerset", sections=["drugs"])
    assert made.force.name == "Avon and Somerset"
    assert made.settings.force == "Avon and Somerset"
    assert made.data_dir == tmp_path.resolve()
    assert made.outputs_root == (tmp_path / "out").resolve()
    assert [s.id for s in made.specs] == ["drugs"]
    assert made.partial and made.slug == "avon-and-somerset-partial"
    whole = request(tmp_path, force="Kent")
    assert not whole.partial and whole.slug == "kent" and len(whole.specs) == 4


def test_a_bad_request_fails_before_anything_is_read(tmp_path):
    with pytest.raises(ConfigError, match="did you mean 'Avon and Somerset'"):
        request(tmp_path, force="Avon and Somerest")
    with pytest.raises(QuarterError):
        request(tmp_path, quarter="2024-02")
    with pytest.raises(ConfigError, match="--jobs must be at least 1"):
        request(tmp_path, jobs=0)
    checked: list[str] = []
    given = BuildOptions(data_dir=str(tmp_path), previous="somewhere")
    resolve_request(given, sections, checked.append)
    assert checked == ["somewhere"]


def test_the_plan_is_made_once_and_frozen(tmp_path):
    quarter = FinancialQuarter.parse("2024-03")
    plan = request(tmp_path, force="Kent").plan(quarter)
    assert plan.settings.quarter == "2024-03" and plan.quarter == quarter
    assert plan.target == (tmp_path / "out").resolve() / "2024-03" / "kent"
    parameters = plan.parameters()
    assert (parameters["quarter"], parameters["force"]) == ("2024-03", "Kent")
    assert parameters["data_dir"] == str(tmp_path.resolve())
    for value, name in ((plan, "quarter"), (plan.request, "force"), (plan.options, "pdf")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, name, None)


def test_a_partial_plan_reads_the_full_reports_folder_for_its_timings(tmp_path):
    quarter = FinancialQuarter.parse("2024-03")
    plan = request(tmp_path, force="Kent", sections=["drugs"]).plan(quarter)
    assert plan.target.name == "kent-partial"
    assert plan.full_target == plan.target.with_name("kent")
