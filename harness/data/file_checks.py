"""Existence checks that fail with a message saying which path and what to do."""

from __future__ import annotations

from pathlib import Path

from spaces.errors import BenchmarkFileError


def require_directory(path: Path, expected: str) -> Path:
    """`path` as a Path if it is a directory; otherwise a BenchmarkFileError naming `expected`."""
    path = Path(path)
    if not path.is_dir():
        raise BenchmarkFileError(f"{path}: no such directory; expected {expected} here.")
    return path


def require_file(path: Path, expected: str) -> Path:
    path = Path(path)
    if not path.is_file():
        raise BenchmarkFileError(
            f"{path}: file not found; expected {expected}. The dataset directory is incomplete: "
            "download or copy the dataset again."
        )
    return path
