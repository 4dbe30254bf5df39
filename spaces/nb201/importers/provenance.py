"""Checksums that identify what a store was built from."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

_CHUNK = 1 << 20  # stream large files (the official .pth is several GB)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_listing(entries: Iterable[tuple[str, str]]) -> str:
    """Digest of a directory: its (file name, content sha256) pairs, sorted by name.

    Names and contents both count, so renaming, adding or changing a file the
    importer read all change the digest; files the importer ignores do not.
    """
    digest = hashlib.sha256()
    for name, content_sha in sorted(entries):
        digest.update(f"{name}\t{content_sha}\n".encode())
    return digest.hexdigest()
