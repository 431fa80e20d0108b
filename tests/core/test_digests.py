"""The one file hasher (helpers.core.digests), against published SHA-256 test vectors."""

from __future__ import annotations

from helpers.core.digests import sha256_file


def test_sha256_of_a_file_matches_the_published_test_vector(tmp_path):
    # FIPS 180-2 example: SHA-256("abc")
    path = tmp_path / "abc.txt"
    path.write_bytes(b"abc")
    assert sha256_file(path) == ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")


def test_sha256_file_reads_large_files_in_chunks(tmp_path):
    path = tmp_path / "big.bin"
    path.write_bytes(b"a" * 1_000_000)
    # FIPS 180-2 example: SHA-256 of one million "a"
    expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
    assert sha256_file(path, chunk=4096) == expected
