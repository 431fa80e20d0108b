"""The content keys (helpers.pipeline.hashing): one file hasher, and every key it feeds."""

from __future__ import annotations

import hashlib
import json

from helpers.pipeline import hashing
from helpers.pipeline.hashing import section_cache_key
from helpers.pipeline.plan import PlannedNotebook

PART_1 = "National Police and Crime Measures"


def test_sha256_tree_lists_relative_paths_and_skips_exclusions(tmp_path):
    (tmp_path / "sections").mkdir()
    (tmp_path / "sections" / "01.html").write_bytes(b"abc")
    (tmp_path / "manifest.json").write_text("{}")
    tree = hashing.sha256_tree(tmp_path, exclude=("manifest.json",))
    assert list(tree) == ["sections/01.html"]


def test_section_cache_key_follows_every_ingredient(tmp_path):
    notebook = tmp_path / "01_x.ipynb"
    notebook.write_text("{}")
    spec = PlannedNotebook("x", 1, "X", PART_1, notebook)
    params = {"quarter": "2024-03", "force": "Kent"}
    files = {"prc.csv": "aa"}

    def key(**changes):
        args = {
            "spec": spec,
            "parameters": params,
            "input_files": files,
            "helpers": "h",
            "catalogue": "c",
            "extra_files": {"narrative.md": "n"},
        } | changes
        return section_cache_key(
            args.pop("spec"), args.pop("parameters"), args.pop("input_files"), **args
        )

    base = key()
    assert key() == base
    variants = [
        key(parameters={**params, "force": "Essex"}),
        key(input_files={"prc.csv": "ab"}),
        key(helpers="h2"),
        key(catalogue="c2"),
        key(extra_files={"narrative.md": "m"}),
    ]
    notebook.write_text('{"cells": []}')
    variants.append(key())
    assert len({base, *variants}) == len(variants) + 1


def test_a_set_of_files_has_one_key_that_follows_names_and_content(tmp_path):
    (tmp_path / "a.py").write_text("x = 1")
    (tmp_path / "b.py").write_text("y = 2")
    files = sorted(tmp_path.glob("*.py"))
    base = hashing.files_digest(files, tmp_path)
    assert hashing.files_digest(reversed(files), tmp_path) == base  # order given: no matter
    (tmp_path / "b.py").write_text("y = 3")
    edited = hashing.files_digest(files, tmp_path)
    (tmp_path / "b.py").rename(tmp_path / "c.py")
    renamed = hashing.files_digest(sorted(tmp_path.glob("*.py")), tmp_path)
    assert len({base, edited, renamed}) == 3
    # Each file counts by its SHA-256, the same digest the manifest records for it.
    expected = hashlib.sha256()
    for path in sorted(tmp_path.glob("*.py")):
        expected.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    assert renamed == expected.hexdigest()


def test_a_value_key_ignores_the_order_of_its_keys():
    assert hashing.digest({"a": 1, "b": [1, 2]}) == hashing.digest({"b": [1, 2], "a": 1})
    expected = hashlib.sha256(json.dumps({"a": 1}, sort_keys=True).encode()).hexdigest()
    assert hashing.digest({"a": 1}) == expected


def test_narrative_keys_name_missing_files_and_list_every_file(tmp_path):
    (tmp_path / "2024-03").mkdir()
    (tmp_path / "2024-03" / "homicide.md").write_text("text")
    shown = hashing.narrative_files(tmp_path, "2024-03", ["homicide", "drugs"])
    assert shown == {
        "2024-03/homicide.md": hashlib.sha256(b"text").hexdigest(),
        "2024-03/drugs.md": hashing.MISSING,
    }
    assert hashing.narrative_tree(tmp_path) == {"2024-03/homicide.md": shown["2024-03/homicide.md"]}
    assert hashing.narrative_tree(tmp_path / "nowhere") == {}
