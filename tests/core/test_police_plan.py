"""The force's Police and Crime Plan (params/report.yaml `plan:`): its name and the priority each
section serves, as the Commissioner's report prints them."""

from __future__ import annotations

import pytest

from helpers.core.exceptions import ConfigError
from helpers.core.plan import police_and_crime_plan

PRIORITY_4 = (
    "Priority 4 – Increasing the legitimacy of, and public confidence in, the police and "
    "criminal justice system"
)


def test_the_default_forces_plan_and_its_priority_come_from_params():
    plan = police_and_crime_plan("Avon and Somerset")
    assert plan is not None
    assert plan.name == "Avon and Somerset Police and Crime Plan 2021-2025"
    assert plan.priority("public_confidence") == PRIORITY_4
    assert plan.priority("scrutiny") == PRIORITY_4
    assert plan.priority("homicide") is None  # a national measure, not the plan's


def test_a_force_without_a_plan_gets_none():
    assert police_and_crime_plan("Kent") is None


def _settings(tmp_path, text: str):
    path = tmp_path / "report.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_plan_that_cannot_be_read_is_named_with_its_force_and_entry(tmp_path):
    no_name = _settings(tmp_path, "plan:\n  Kent: {priorities: []}\n")
    with pytest.raises(ConfigError, match="plan for Kent: give the plan's 'name'"):
        police_and_crime_plan("Kent", no_name)
    unknown = _settings(
        tmp_path,
        "plan:\n  Kent:\n    name: P\n    priorities:\n      - {title: T, sections: [x]}\n",
    )
    with pytest.raises(ConfigError, match=r"report.yaml: plan for Kent: unknown section\(s\) x"):
        police_and_crime_plan("Kent", unknown)
    twice = _settings(
        tmp_path,
        "plan:\n  Kent:\n    name: P\n    priorities:\n      - {title: A, sections: [drugs]}\n"
        "      - {title: B, sections: [drugs]}\n",
    )
    with pytest.raises(ConfigError, match="section 'drugs' is under two priorities"):
        police_and_crime_plan("Kent", twice)
    untitled = _settings(
        tmp_path, "plan:\n  Kent:\n    name: P\n    priorities: [{sections: []}]\n"
    )
    with pytest.raises(ConfigError, match="priority 1: give its 'title'"):
        police_and_crime_plan("Kent", untitled)
