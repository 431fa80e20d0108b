"""The replaceable parts of a build (helpers.pipeline.steps) and what they allow."""

from __future__ import annotations

from helpers.pipeline import steps
from helpers.pipeline.steps import BuildSteps


def test_the_projects_steps_allow_caching_shared_measures_and_a_pdf_worker():
    project = BuildSteps.project()
    assert (project.cache_checks, project.share_measures, project.pdf_worker) == (True,) * 3
    assert project.validate is steps.validate_inputs and project.load_inputs is steps.load_inputs


def test_steps_made_by_hand_allow_nothing_unless_told():
    # A test's loader need not read files, nor its measures be MeasureResults: whatever the
    # functions are, only the flags decide what the build does with their results.
    fixture = BuildSteps(validate=lambda data_dir: [])
    assert (fixture.cache_checks, fixture.share_measures, fixture.pdf_worker) == (False,) * 3
    assert not BuildSteps().cache_checks  # the project's functions, but not said so
    told = BuildSteps(validate=lambda data_dir: [], cache_checks=True)
    assert told.cache_checks and not told.share_measures
