"""`make data`: downloads from a local HTTP server on loopback serving ../shared/data/real/."""

from __future__ import annotations

import hashlib
import http.server
import re
import threading
from functools import partial
from pathlib import Path
from typing import ClassVar

import pytest

from helpers.inputs.download import (
    DownloadError,
    RemoteFile,
    download_all,
    load_sources,
    read_manifest,
)

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"
pytestmark = pytest.mark.real_data
if not REAL.is_dir():
    pytestmark = [
        pytest.mark.real_data,
        pytest.mark.skip(reason=f"real published data not found at {REAL} (../shared beside it)"),
    ]
FILE = "ho-prc-pfa/prc_pfa_2012q1_2023q1.csv.gz"


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files with HTTP Range support (http.server has none); records the ranges asked."""

    ranges: ClassVar[list[str | None]] = []
    honour_range = True

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        asked = self.headers.get("Range")
        type(self).ranges.append(asked)
        match = re.fullmatch(r"bytes=(\d+)-", asked or "")
        if match and self.honour_range:
            start = int(match[1])
            if start >= len(data):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            body = data[start:]
        else:
            self.send_response(200)
            body = data
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    RangeHandler.ranges = []
    RangeHandler.honour_range = True
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(RangeHandler, directory=str(REAL))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_download_records_checksum_in_manifest(server, tmp_path):
    remote = RemoteFile(name="prc", url=f"{server}/{FILE}", file="prc.csv.gz")
    manifest = download_all([remote], tmp_path, progress=False)
    saved = tmp_path / "prc.csv.gz"
    assert saved.read_bytes() == (REAL / FILE).read_bytes()
    assert manifest["files"]["prc.csv.gz"]["sha256"] == _sha(REAL / FILE)
    assert read_manifest(tmp_path) == manifest
    assert not (tmp_path / "prc.csv.gz.part").exists()


def test_download_resumes_with_range(server, tmp_path):
    original = (REAL / FILE).read_bytes()
    (tmp_path / "prc.csv.gz.part").write_bytes(original[:100_000])
    remote = RemoteFile(name="prc", url=f"{server}/{FILE}", file="prc.csv.gz")
    download_all([remote], tmp_path, progress=False)
    assert RangeHandler.ranges == ["bytes=100000-"]
    assert (tmp_path / "prc.csv.gz").read_bytes() == original


def test_server_ignoring_range_restarts_from_zero(server, tmp_path):
    RangeHandler.honour_range = False
    original = (REAL / FILE).read_bytes()
    (tmp_path / "prc.csv.gz.part").write_bytes(b"garbage" * 10)
    remote = RemoteFile(name="prc", url=f"{server}/{FILE}", file="prc.csv.gz")
    download_all([remote], tmp_path, progress=False)
    assert (tmp_path / "prc.csv.gz").read_bytes() == original


def test_unchanged_file_is_not_downloaded_again(server, tmp_path):
    remote = RemoteFile(name="prc", url=f"{server}/{FILE}", file="prc.csv.gz")
    download_all([remote], tmp_path, progress=False)
    download_all([remote], tmp_path, progress=False)
    assert RangeHandler.ranges == [None]


def test_checksum_mismatch_is_an_error_and_not_kept(server, tmp_path):
    remote = RemoteFile(name="prc", url=f"{server}/{FILE}", file="prc.csv.gz", sha256="0" * 64)
    with pytest.raises(DownloadError, match="does not match"):
        download_all([remote], tmp_path, progress=False)
    assert not (tmp_path / "prc.csv.gz").exists()
    assert "prc.csv.gz" not in read_manifest(tmp_path)["files"]


def test_missing_file_names_the_url(server, tmp_path):
    remote = RemoteFile(name="nothing", url=f"{server}/no/such.ods", file="such.ods")
    with pytest.raises(DownloadError, match=r"nothing: .*404"):
        download_all([remote], tmp_path, progress=False)


def test_sources_config_names_publisher_urls():
    files = load_sources()
    assert {f.name for f in files} >= {"prc_pfa", "ons_pfa_tables", "use_of_force_2019_20"}
    assert all(f.url.startswith("https://") for f in files)
