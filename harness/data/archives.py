"""Extracting a downloaded tarball without letting it write outside the target directory."""

from __future__ import annotations

import tarfile
import zlib
from pathlib import Path, PurePosixPath, PureWindowsPath

from spaces.errors import BenchmarkFileError


def extract_tarball(archive: Path, into: Path) -> None:
    """Extract `archive` into the directory `into`.

    Every member is checked before anything is written: a member with an absolute path,
    a `..` component, or that is a link or device is refused (a hostile archive could
    otherwise overwrite files anywhere the user can write).
    """
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            for member in members:
                _check_member(member, archive)
            extra = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # second line of defence, py>=3.10.12
            tar.extractall(into, members=members, **extra)
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise BenchmarkFileError(
            f"{archive}: not a readable tar archive ({type(error).__name__}: {error}); delete it and download it again."
        ) from None


def _check_member(member: tarfile.TarInfo, archive: Path) -> None:
    name = member.name
    if PurePosixPath(name).is_absolute() or PureWindowsPath(name).is_absolute() or PureWindowsPath(name).drive:
        raise BenchmarkFileError(f"{archive}: member {name!r} has an absolute path; refusing to extract this archive.")
    if ".." in PurePosixPath(name).parts or ".." in PureWindowsPath(name).parts:
        raise BenchmarkFileError(
            f"{archive}: member {name!r} points outside the archive ('..'); refusing to extract it."
        )
    if not (member.isfile() or member.isdir()):
        raise BenchmarkFileError(
            f"{archive}: member {name!r} is a link or special file, which dataset archives never contain; "
            "refusing to extract it."
        )
