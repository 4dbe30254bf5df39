"""Downloading the datasets that have official public files, with checksum verification."""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tqdm import tqdm

from spaces.errors import BenchmarkFileError, ConfigError

from .archives import extract_tarball
from .registry import DATASET_ALIASES, dataset_source

_CHUNK_BYTES = 1 << 20
_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class RemoteFile:
    url: str
    md5: str
    is_archive: bool  # a tarball whose top directory is the dataset directory

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[1]


# Official locations and checksums (the same md5s as torchvision's CIFAR10/CIFAR100/SVHN classes).
DOWNLOADS: dict[str, tuple[RemoteFile, ...]] = {
    "cifar10": (
        RemoteFile("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a", True),
    ),
    "cifar100": (
        RemoteFile(
            "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz", "eb9058c3a382ffc7106e4002c42a8d85", True
        ),
    ),
    "svhn": (
        RemoteFile("http://ufldl.stanford.edu/housenumbers/train_32x32.mat", "e26dedcc434d2e4c54c9b2d4a06d8373", False),
        RemoteFile("http://ufldl.stanford.edu/housenumbers/test_32x32.mat", "eb5a983be6a315427106f1b164d9cef3", False),
    ),
}


def file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with Path(path).open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def download_file(url: str, dest: Path, md5: str, progress: bool = True) -> Path:
    """Fetch `url` to `dest` unless `dest` already has checksum `md5`.

    The bytes go to a temporary file beside `dest`, which is renamed onto `dest` only once
    its checksum matches, so `dest` is never a partial or wrong file.
    """
    dest = Path(dest)
    if dest.is_file() and file_md5(dest) == md5:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    temporary = Path(temporary)
    try:
        with os.fdopen(handle, "wb") as out:
            actual = _stream(url, out, dest, md5, progress)
        if actual != md5:
            raise BenchmarkFileError(
                f"{url}: the downloaded file has md5 {actual}, expected {md5}; it was deleted. "
                f"The download was damaged or the server sent another file: try again, or fetch it by hand to {dest}."
            )
        os.replace(temporary, dest)
    finally:
        temporary.unlink(missing_ok=True)  # no-op once renamed
    return dest


def _stream(url: str, out: BinaryIO, dest: Path, md5: str, progress: bool) -> str:
    """Copy the body of `url` to `out`; return its md5."""
    digest = hashlib.md5(usedforsecurity=False)
    received = 0
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT_SECONDS) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            with tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=dest.name,
                file=sys.stderr,
                disable=not progress,
            ) as bar:
                while chunk := response.read(_CHUNK_BYTES):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        reason = getattr(error, "reason", error)
        raise BenchmarkFileError(
            f"{url}: download failed ({reason}). Check the network connection, "
            f"or fetch the file by hand to {dest} (md5 {md5})."
        ) from None
    if total is not None and received != total:
        raise BenchmarkFileError(
            f"{url}: the connection closed after {received} of {total} bytes; try again, "
            f"or fetch the file by hand to {dest} (md5 {md5})."
        )
    return digest.hexdigest()


def download_dataset(name: str, data_root: Path, base_url: str | None = None, progress: bool = True) -> Path:
    """Download dataset `name` into the DESIGN.md layout under `data_root`; return its directory.

    A complete dataset directory is left alone (nothing is fetched). `base_url` replaces the
    official location: files are fetched from `<base_url>/<official file name>` (mirrors, tests).
    """
    canonical = DATASET_ALIASES.get(name, name)
    source = dataset_source(canonical)  # ConfigError for unknown names
    if canonical not in DOWNLOADS:
        raise ConfigError(
            f"dataset {name} cannot be downloaded by the harness; "
            + source.obtain_by_hand.format(directory=source.path(data_root))
            + "."
        )
    target = source.path(data_root)
    if not source.missing_files(data_root):
        return target
    for remote in DOWNLOADS[canonical]:
        url = f"{base_url.rstrip('/')}/{remote.filename}" if base_url else remote.url
        if remote.is_archive:
            _fetch_archive(url, remote, target, progress)
        else:
            download_file(url, target / remote.filename, remote.md5, progress)
    still_missing = source.missing_files(data_root)
    if still_missing:
        raise BenchmarkFileError(
            f"dataset {name}: after downloading, {target} still lacks {', '.join(still_missing)}; "
            "the downloaded files do not have the official layout."
        )
    return target


def _fetch_archive(url: str, remote: RemoteFile, target: Path, progress: bool) -> None:
    """Download the tarball beside `target`, extract it, move its files into `target`, delete it."""
    archive = download_file(url, target.parent / remote.filename, remote.md5, progress)
    # Extract into a scratch directory first so an interrupted extraction never looks like a dataset.
    scratch = Path(tempfile.mkdtemp(prefix=".extract-", dir=target.parent))
    try:
        extract_tarball(archive, scratch)
        extracted = scratch / target.name
        if not extracted.is_dir():
            raise BenchmarkFileError(
                f"{archive}: has no top-level directory {target.name}/; it is not the official archive."
            )
        target.mkdir(exist_ok=True)
        # Replace file by file: an incomplete earlier copy gets repaired, other files in it are kept.
        for item in extracted.iterdir():
            os.replace(item, target / item.name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # best-effort cleanup of our own scratch directory
    archive.unlink()
