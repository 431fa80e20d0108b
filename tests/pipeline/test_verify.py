"""Reproducibility: the same inputs give the same measures.csv and HTML (build time aside), and
`python -m helpers verify` rebuilds a report from its manifest and reports any difference.

Real notebooks on the minimal sample, two sections (homicide and the summary) to keep it quick.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from helpers.inputs.sample_data import write_minimal_sample
from helpers.pipeline import cli, verify

SECTIONS = "homicide,summary"
TARGET = Path("2025-03") / "avon-and-somerset-partial"


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(data folder, first report, second report): the same inputs built twice."""
    tmp = tmp_path_factory.mktemp("reproducible")
    data = tmp / "data"
    write_minimal_sample(data)
    narrative = tmp / "narrative"
    (narrative / "2025-03").mkdir(parents=True)
    (narrative / "2025-03" / "homicide.md").write_text(
        "---\nstatus: reviewed\n---\n## Planned action to drive performance\n1. Act.\n"
        "## Comments\n1. Noted.\n",
        encoding="utf-8",
    )
    reports = []
    for run in ("first", "second"):
        out = io.StringIO()
        status = cli.main(
            [
                "--data-dir",
                str(data),
                "--narrative-dir",
                str(narrative),
                "--outputs",
                str(tmp / run),
                "--sections",
                SECTIONS,
                "--jobs",
                "2",
            ],
            stream=out,
        )
        assert status == 0, out.getvalue()
        reports.append(tmp / run / TARGET)
    return data, reports[0], reports[1]


def test_same_inputs_give_identical_measures_and_html(two_builds) -> None:
    _, first, second = two_builds
    assert (first / "measures.csv").read_bytes() == (second / "measures.csv").read_bytes()
    pages = ["report.html", *(f"sections/{p.name}" for p in (first / "sections").glob("*.html"))]
    for name in pages:
        a = (first / name).read_text(encoding="utf-8")
        b = (second / name).read_text(encoding="utf-8")
        assert verify.without_build_time(a) == verify.without_build_time(b), name
    # The build time is the only thing blanked, and it is on the page.
    assert verify.BUILD_TIME_MARK in verify.without_build_time(
        (first / "report.html").read_text(encoding="utf-8")
    )
    assert verify.compare_outputs(first, second) == []


def test_html_has_no_absolute_path_of_the_build(two_builds) -> None:
    _, first, _ = two_builds
    html = (first / "report.html").read_text(encoding="utf-8")
    assert str(first.parent.parent) not in html  # the outputs folder
    assert "/staging" not in html and ".staging-" not in html


def test_without_build_time_blanks_only_the_time() -> None:
    page = (
        '<meta name="dcterms.created" content="2026-11-25T19:50:51+00:00">'
        "<p>Built 25 November 2026, 19:50 UTC. Data to March 2025: 1,234 offences.</p>"
    )
    assert verify.without_build_time(page) == (
        '<meta name="dcterms.created" content="<build time>">'
        "<p>Built <build time>. Data to March 2025: 1,234 offences.</p>"
    )


def test_compare_outputs_names_each_difference(two_builds, tmp_path: Path) -> None:
    _, first, second = two_builds
    changed = tmp_path / "changed"
    shutil.copytree(first, changed)
    csv = (changed / "measures.csv").read_text(encoding="utf-8").splitlines()
    csv[1] = csv[1].replace("homicide", "homicide_changed", 1)
    (changed / "measures.csv").write_text("\n".join(csv) + "\n", encoding="utf-8")
    html = (changed / "report.html").read_text(encoding="utf-8")
    (changed / "report.html").write_text(html.replace("Homicide", "Murder", 1), encoding="utf-8")
    _change_first_number_of_the_measures_sheet(changed / "report.ods")

    differences = verify.compare_outputs(changed, second)

    assert "report.ods: sheet Measures differs in row(s) [3]" in differences
    assert "measures.csv differs:" in differences
    assert "report.html differs:" in differences
    assert any("homicide_changed" in line for line in differences)
    assert any(line.strip().startswith("-") and "Murder" in line for line in differences)


def _change_first_number_of_the_measures_sheet(path: Path) -> None:
    import re
    import zipfile

    with zipfile.ZipFile(path) as odf:
        parts = {name: odf.read(name) for name in odf.namelist()}
    content = parts["content.xml"].decode()
    start = content.index('table:name="Measures"')
    number = re.compile(r'office:value="([^"]+)"')
    found = number.search(content, start)
    assert found is not None
    content = content[: found.start(1)] + "123456" + content[found.end(1) :]
    parts["content.xml"] = content.encode()
    with zipfile.ZipFile(path, "w") as odf:
        for name, data in parts.items():
            odf.writestr(name, data)


def test_manifest_records_what_a_rebuild_needs(two_builds) -> None:
    data, first, _ = two_builds
    manifest = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["report"]["quarter"] == "2025-03"
    assert manifest["report"]["force"] == "Avon and Somerset"
    assert [s["id"] for s in manifest["sections"]] == ["summary", "homicide"]
    assert manifest["inputs"]["data_dir"] == str(data)
    assert "national/prc_pfa.csv.gz" in manifest["inputs"]["files"]
    assert manifest["inputs"]["narrative_files"].keys() == {"2025-03/homicide.md"}
    assert manifest["settings"]["trend"]["method"]
    assert manifest["settings"]["disclosure"]["min_count"] >= 1
    assert manifest["packages"]["pandas"]["installed"]
    assert manifest["git"]["commit"] is not None


def test_verify_rebuilds_and_finds_no_difference(two_builds) -> None:
    _, first, _ = two_builds
    out = io.StringIO()
    status = verify.main(["--manifest", str(first / "manifest.json")], stream=out)
    assert status == 0, out.getvalue()
    assert "Verified" in out.getvalue()


def test_verify_refuses_when_an_input_changed(two_builds, tmp_path: Path) -> None:
    data, first, _ = two_builds
    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    with open(copy / "national/rape_outcomes.csv", "a", encoding="utf-8") as handle:
        handle.write("\n")
    manifest = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    manifest["inputs"]["data_dir"] = str(copy)
    manifest["packages"]["pandas"]["installed"] = "0.0.1"
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    out = io.StringIO()

    status = verify.main(["--manifest", str(path)], stream=out)

    text = out.getvalue()
    assert status == 1, text
    assert "input national/rape_outcomes.csv: content differs from the manifest" in text
    assert "package pandas: the build used 0.0.1" in text
    assert "Executing" not in text  # nothing was rebuilt


def test_verify_without_a_manifest_is_a_usage_error(tmp_path: Path) -> None:
    out = io.StringIO()
    assert verify.main(["--manifest", str(tmp_path / "manifest.json")], stream=out) == 2
    assert "no readable manifest.json" in out.getvalue()
