from pathlib import Path

import pytest

from helpers.core.config import TREND_METHODS, default_catalogue, load_catalogue, load_settings
from helpers.core.exceptions import ConfigError
from helpers.core.forces import default_forces


def test_catalogue_sections_follow_the_spec_order():
    cat = default_catalogue()
    assert [s.number for s in cat.sections] == list(range(1, 15))
    assert cat.section("homicide").notebook == "01_homicide.ipynb"
    assert cat.measures_of("scrutiny") == []
    for s in cat.sections:
        assert (Path(__file__).parents[2] / "notebooks" / s.notebook).exists(), s.notebook


def test_every_spec_measure_is_declared():
    ids = {m.id for m in default_catalogue().measures}
    for wanted in (
        "homicide",
        "serious_violence",
        "drug_trafficking",
        "residential_burglary",
        "vehicle_offences",
        "personal_robbery",
        "theft_from_person",
        "rape_charge_rate",
        "public_confidence",
        "stop_search_positive_outcome",
        "complaint_reviews_upheld",
        "foi_on_time",
        "sar_on_time",
    ):
        assert wanted in ids


def test_settings_overrides_are_typed_and_checked():
    s = load_settings(force="Kent", trend_alpha="0.1", trend_window_quarters="8")
    assert s.force == "Kent" and s.trend.alpha == 0.1 and s.trend.window_quarters == 8
    assert load_settings(force=None).force == "Avon and Somerset"
    with pytest.raises(ConfigError, match=r"trend\.method"):
        load_settings(trend_method="eyeball")
    with pytest.raises(ConfigError, match="alpha"):
        load_settings(trend_alpha="0.9")
    assert "mann_kendall_hamed_rao" in TREND_METHODS


def test_funnel_settings_default_to_additive_and_are_checked(tmp_path):
    s = load_settings()
    assert s.funnel.overdispersion == "additive" and s.funnel.winsorise == 0.1
    assert s.as_dict()["funnel"] == {"overdispersion": "additive", "winsorise": 0.1}
    changed = load_settings(funnel_overdispersion="multiplicative", funnel_winsorise="0.05")
    assert changed.funnel.overdispersion == "multiplicative" and changed.funnel.winsorise == 0.05
    with pytest.raises(ConfigError, match=r"funnel\.overdispersion 'sideways'"):
        load_settings(funnel_overdispersion="sideways")
    with pytest.raises(ConfigError, match=r"funnel\.winsorise"):
        load_settings(funnel_winsorise="0.5")
    yaml_file = tmp_path / "report.yaml"
    yaml_file.write_text("funnel:\n  overdispersion: none\n", encoding="utf-8")
    assert load_settings(yaml_file).funnel.overdispersion == "none"


def test_default_force_is_known():
    assert default_forces().get(load_settings().force).name == "Avon and Somerset"


def test_catalogue_errors_name_the_measure(tmp_path):
    bad = tmp_path / "measures.yaml"
    bad.write_text(
        "sections:\n  - {id: a, number: 1, part: P, title: A, notebook: a.ipynb}\n"
        "measures:\n  - {id: m1, section: a, title: T, source: prc, numerator: {}, "
        "denominator: none, unit: furlongs, polarity: neutral, comparator: none, chart_title: C}\n"
    )
    with pytest.raises(ConfigError, match=r"measure 1 \(m1\): unit 'furlongs'"):
        load_catalogue(bad)
