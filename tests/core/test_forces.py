import pytest

from helpers.core.exceptions import ConfigError
from helpers.core.forces import default_forces


def test_forty_three_territorial_forces_with_unique_codes_and_slugs():
    forces = default_forces()
    assert len(forces.forces) == 43
    assert len({f.code for f in forces.forces}) == 43
    assert len({f.slug for f in forces.forces}) == 43
    assert all(f.code[:3] in ("E23", "W15") for f in forces.forces)


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("Avon and Somerset", "Avon and Somerset"),
        ("Avon & Somerset", "Avon and Somerset"),
        ("Avon and Somerset Constabulary", "Avon and Somerset"),
        ("AVON & SOMERSET CONSTABULARY", "Avon and Somerset"),
        ("Devon & Cornwall", "Devon and Cornwall"),
        ("London, City of", "London, City of"),
        ("City of London", "London, City of"),
        ("Metropolitan", "Metropolitan Police"),
        ("Essex Police", "Essex"),
        ("E23000036", "Avon and Somerset"),
        ("devon-and-cornwall", "Devon and Cornwall"),
    ],
)
def test_published_spellings_map_to_one_canonical_name(spelling, canonical):
    assert default_forces().canonical(spelling) == canonical


def test_unknown_force_suggests_the_nearest():
    with pytest.raises(ConfigError, match="did you mean 'Staffordshire'"):
        default_forces().get("Stafordshire")


def test_avon_and_somerset_msg_from_the_spec():
    group = default_forces().comparison_group("Avon and Somerset")
    assert sorted(group) == sorted(
        [
            "Avon and Somerset",
            "Derbyshire",
            "Essex",
            "Hampshire",
            "Hertfordshire",
            "Kent",
            "Staffordshire",
            "Sussex",
        ]
    )


def test_force_without_msg_compares_with_all_forces():
    forces = default_forces()
    assert not forces.get("Gwent").has_msg
    assert len(forces.comparison_group("Gwent")) == 43
