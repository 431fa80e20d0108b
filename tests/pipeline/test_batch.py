"""The all-forces command line (helpers.pipeline.batch); the batch itself is tested with the
incremental builds it is made of, in test_incremental.py."""

from __future__ import annotations

import pytest

from helpers.core.exceptions import ConfigError
from helpers.pipeline.batch import force_list, main


def test_forces_are_listed_by_any_spelling_and_a_name_may_hold_a_comma():
    assert force_list("Kent, London, City of,essex") == ["Kent", "London, City of", "Essex"]
    assert force_list("avon-and-somerset,london-city-of") == [
        "Avon and Somerset",
        "London, City of",
    ]
    assert force_list("London, City of") == ["London, City of"]


def test_an_unknown_force_is_named():
    with pytest.raises(ConfigError, match="Lodnon"):
        force_list("Kent,Lodnon")


def test_the_command_refuses_an_unknown_force_before_building(capsys):
    assert main(["--forces", "Kent,Atlantis", "--no-pdf"]) == 2
    assert "unknown force 'Atlantis'" in capsys.readouterr().out
