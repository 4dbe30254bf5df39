"""Output locations a user names (--out, --figures, the data directory): checked before any work.

A directory that cannot be made or written (a missing parent under /proc, a file where a directory
is expected, no permission, a read-only or full disk) ends in one message naming the flag, instead
of a traceback after minutes of searching.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from spaces.errors import ConfigError


def writable_directory(path: Path, flag: str) -> Path:
    """`path` as a directory this process can write into (made if missing); ConfigError otherwise."""
    path = Path(path).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"{flag} {path}: cannot create the directory ({error.strerror or error})") from None
    if not path.is_dir():
        raise ConfigError(f"{flag} {path}: exists but is not a directory")
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".harness-write-check-"):
            pass
    except OSError as error:
        raise ConfigError(f"{flag} {path}: cannot write into the directory ({error.strerror or error})") from None
    return path


def writable_file(path: Path, flag: str) -> Path:
    """A file path whose directory can be written (the file itself is written atomically later)."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise ConfigError(f"{flag} {path}: is a directory; give a file name")
    writable_directory(path.parent if str(path.parent) else Path(os.curdir), flag)
    return path
