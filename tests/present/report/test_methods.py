from pathlib import Path

from helpers.core.paths import PROJECT_ROOT
from helpers.present.report.methods import data_folder_name


def test_the_data_folder_is_named_without_the_build_machine_path(tmp_path):
    # Inside the project: relative to it, however it was given.
    assert data_folder_name("data/sample") == "<code>data/sample</code> (in the project)"
    assert data_folder_name(PROJECT_ROOT / "data" / "real") == (
        "<code>data/real</code> (in the project)"
    )
    # Outside it: by its own name only; the machine's folders are never printed.
    outside = tmp_path / "published <2025>"
    shown = data_folder_name(outside)
    assert "published &lt;2025&gt;" in shown and str(tmp_path) not in shown
    assert not shown.count(str(Path("/")) + "tmp")
