"""The words the Commissioner's own report uses, kept in params/: the victim satisfaction
priority's title, the public confidence question and the IOPC in the complaints entry."""

from __future__ import annotations

import yaml

from helpers.core.config import default_catalogue
from helpers.core.paths import PARAMS_DIR


def test_the_victim_satisfaction_section_carries_the_priority_title():
    title = default_catalogue().section("victim_satisfaction").title
    assert title == "Improve Victim Satisfaction, with a Focus on Victims of Domestic Abuse"


def test_public_confidence_is_confidence_in_the_police_in_this_area_not_a_good_job():
    catalogue = default_catalogue()
    glossary = yaml.safe_load((PARAMS_DIR / "glossary.yaml").read_text(encoding="utf-8"))
    meanings = {t["term"]: t["meaning"] for t in glossary["terms"]}
    texts = [meanings["Public confidence"]]
    for measure_id in ("public_confidence", "csew_confidence"):
        m = catalogue.measure(measure_id)
        assert "confidence in the police in this area" in m.title.lower(), measure_id
        texts.append(m.definition)
    for text in texts:
        assert '"have confidence in the police in this area"' in text
        assert "good job" not in text.replace("whether the police do a good job", "")


def test_the_complaints_entry_of_the_glossary_names_the_iopc():
    glossary = yaml.safe_load((PARAMS_DIR / "glossary.yaml").read_text(encoding="utf-8"))
    meanings = {t["term"]: t["meaning"] for t in glossary["terms"]}
    assert "Independent Office for Police Conduct (IOPC)" in meanings["Complaint review"]
    assert "IOPC" in meanings
