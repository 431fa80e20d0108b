"""Every force's report builds from the real published files (the HTML; no PDF, for speed).

What `make all-forces QUARTER=2023-06 DATA=real PDF=no` runs. Before the robust trend fit,
Wiltshire's build stopped with "LinAlgError: Singular matrix" and published nothing. 12 minutes
(the conversion of the real files included) on the shared two-core machine under a load of
about 15; skipped without the real files beside the clone.
"""

from __future__ import annotations

from real_data import converted_real_folder, real_data

from helpers.core.forces import default_forces
from helpers.pipeline import batch

QUARTER = "2023-06"


@real_data
def test_every_force_builds_from_the_real_files(tmp_path_factory):
    data = converted_real_folder(tmp_path_factory)
    outputs = tmp_path_factory.mktemp("outputs")
    status = batch.main(["--quarter", QUARTER, "--data-dir", str(data), "--outputs",
                         str(outputs), "--no-pdf", "--jobs", "2"])  # fmt: skip
    assert status == 0
    missing = [
        force.name
        for force in default_forces().forces
        if not (outputs / QUARTER / force.slug / "report.html").is_file()
    ]
    assert not missing, f"no report for {missing}"
