"""`make data`: the official files, downloaded from their publishers into `data/raw/`.

The list is `params/sources.yaml` (name, url, optional sha256 and file name). A download is
resumable: bytes arrive in `<file>.part`, and a rerun asks the server for the rest with an HTTP
`Range` header (a server that ignores it sends the whole file again, which is detected). A
finished file is moved into place only when complete, and its sha256, size, URL and time are
recorded in `data/raw/MANIFEST.json`; an expected sha256 in the config that does not match is an
error and the file is not kept. A file already in the manifest with the same sha256 is skipped.
Raw files are never modified after they are saved.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml
from tqdm import tqdm

from helpers.core.digests import sha256_file
from helpers.core.exceptions import ReportError
from helpers.core.paths import DATA_DIR, PARAMS_DIR

MANIFEST = "MANIFEST.json"
_BLOCK = 1 << 16


class DownloadError(ReportError):
    """A file could not be downloaded or did not match its checksum."""


@dataclass(frozen=True)
class RemoteFile:
    name: str
    url: str
    file: str
    sha256: str | None = None
    publisher: str = ""


def load_sources(path: Path | None = None) -> list[RemoteFile]:
    path = path or PARAMS_DIR / "sources.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise DownloadError(f"{path}: cannot read the sources file: {exc}") from exc
    files = []
    for i, entry in enumerate(raw.get("files", []), start=1):
        if not entry.get("name") or not entry.get("url"):
            raise DownloadError(f"{path}: entry {i} needs a name and a url")
        files.append(
            RemoteFile(
                name=entry["name"],
                url=entry["url"],
                file=entry.get("file") or entry["url"].rstrip("/").rsplit("/", 1)[-1],
                sha256=entry.get("sha256"),
                publisher=entry.get("publisher", ""),
            )
        )
    return files


def read_manifest(out: Path) -> dict:
    path = out / MANIFEST
    if not path.is_file():
        return {"files": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def _write_manifest(out: Path, manifest: dict) -> None:
    tmp = out / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(out / MANIFEST)


def download(
    remote: RemoteFile, out: Path, *, progress: bool = True, timeout: float = 60.0
) -> dict:
    """Download (or resume) one file into `out`; returns its manifest entry."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / remote.file
    part = out / (remote.file + ".part")
    have = part.stat().st_size if part.is_file() else 0
    request = urllib.request.Request(remote.url, headers={"User-Agent": "police-report/1"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # nothing left to send: the part is complete
            response = None
        else:
            raise DownloadError(
                f"{remote.name}: {remote.url}: HTTP {exc.code} {exc.reason}"
            ) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DownloadError(f"{remote.name}: {remote.url}: {exc}") from exc
    if response is not None:
        with response:
            resumed = response.status == 206
            if have and not resumed:
                have = 0  # the server sent the whole file: start again
            length = response.headers.get("Content-Length")
            total = have + int(length) if length is not None else None
            mode = "ab" if resumed else "wb"
            with (
                part.open(mode) as handle,
                tqdm(
                    total=total,
                    initial=have,
                    unit="B",
                    unit_scale=True,
                    desc=remote.file,
                    disable=not progress,
                    file=sys.stderr,
                ) as bar,
            ):
                try:
                    for block in iter(lambda: response.read(_BLOCK), b""):
                        handle.write(block)
                        bar.update(len(block))
                except OSError as exc:
                    raise DownloadError(
                        f"{remote.name}: interrupted after {handle.tell()} bytes ({exc}); "
                        "run again to resume"
                    ) from exc
            if total is not None and part.stat().st_size != total:
                raise DownloadError(
                    f"{remote.name}: got {part.stat().st_size} of {total} bytes; run again to "
                    "resume"
                )
    digest = sha256_file(part)
    if remote.sha256 and digest != remote.sha256.lower():
        part.unlink()
        raise DownloadError(
            f"{remote.name}: sha256 {digest} does not match the expected {remote.sha256} "
            "(params/sources.yaml); the file was not kept"
        )
    part.replace(target)
    return {
        "name": remote.name,
        "url": remote.url,
        "publisher": remote.publisher,
        "sha256": digest,
        "bytes": target.stat().st_size,
        "downloaded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def download_all(
    files: list[RemoteFile], out: Path, *, progress: bool = True, only: set[str] | None = None
) -> dict:
    """Every file not already downloaded intact; the manifest is updated after each one."""
    manifest = read_manifest(out)
    errors = []
    for remote in files:
        if only and remote.name not in only:
            continue
        entry = manifest["files"].get(remote.file)
        target = out / remote.file
        if entry and target.is_file() and sha256_file(target) == entry["sha256"]:
            continue
        try:
            manifest["files"][remote.file] = download(remote, out, progress=progress)
        except DownloadError as exc:
            errors.append(str(exc))
            continue
        _write_manifest(out, manifest)
    if errors:
        raise DownloadError("; ".join(errors))
    return manifest


def main(argv: list[str] | None = None) -> int:
    """`python -m helpers download`: fetch the publishers' files into data/raw/."""
    parser = argparse.ArgumentParser(prog="python -m helpers download", description=main.__doc__)
    parser.add_argument("--sources", type=Path, default=PARAMS_DIR / "sources.yaml")
    parser.add_argument("--out", type=Path, default=DATA_DIR / "raw")
    parser.add_argument("--only", nargs="*", default=None, help="names of params/sources.yaml")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    try:
        manifest = download_all(
            load_sources(args.sources),
            args.out,
            progress=not args.no_progress,
            only=set(args.only) if args.only else None,
        )
    except DownloadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{len(manifest['files'])} file(s) in {args.out / MANIFEST}")
    return 0
