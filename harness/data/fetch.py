"""A dataset a run needs, downloaded when it is missing, as torchvision's `download=True` does.

The official files (harness/data/download.py: md5-checked, moved into place atomically) are fetched
when the dataset's directory is missing or incomplete, announced in one line. Offline clusters turn
it off with `--no-download` or HARNESS_NO_DOWNLOAD=1; then the message says what to copy where.
HARNESS_DATASET_MIRROR=<base URL> fetches `<base URL>/<official file name>` instead of the official
location (a local mirror; the tests use it against a local HTTP server).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from spaces.errors import BenchmarkFileError

from .imageset import ImageSet
from .registry import DATASET_ALIASES, dataset_source, load_dataset

NO_DOWNLOAD_VARIABLE = "HARNESS_NO_DOWNLOAD"
MIRROR_VARIABLE = "HARNESS_DATASET_MIRROR"


def downloads_allowed(no_download_flag: bool = False) -> bool:
    return not no_download_flag and os.environ.get(NO_DOWNLOAD_VARIABLE, "").lower() not in ("1", "true", "yes")


def ensure_dataset(name: str, data_root: Path, allow_download: bool, log: Callable[[str], None],
                   progress: bool = True) -> ImageSet:
    """The dataset's image set, downloading it first when it is missing and downloads are allowed."""
    ensure_downloaded(name, data_root, allow_download, log, progress)
    return load_dataset(name, data_root)


def ensure_downloaded(name: str, data_root: Path, allow_download: bool, log: Callable[[str], None],
                      progress: bool = True) -> None:
    """Download the dataset's official files when its directory is incomplete (a dataset the harness
    cannot download is left for load_dataset to report)."""
    from .download import DOWNLOADS, download_dataset  # the network side, only when needed

    source = dataset_source(name)
    directory = source.path(data_root)
    canonical = DATASET_ALIASES.get(name, name)
    if source.missing_files(data_root) and canonical in DOWNLOADS:
        if not allow_download:
            files = ", ".join(remote.url for remote in DOWNLOADS[canonical])
            raise BenchmarkFileError(
                f"dataset {name}: {directory} is missing or incomplete and downloads are off (--no-download or "
                f"{NO_DOWNLOAD_VARIABLE}); copy the official files ({files}) there in their official layout, "
                f"or run `{source.download_command} --data-dir {data_root}` on a machine with network access")
        mirror = os.environ.get(MIRROR_VARIABLE) or None
        origin = mirror or DOWNLOADS[canonical][0].url.rsplit("/", 1)[0]
        log(f"dataset {name} is not in {directory}: downloading it from {origin} (md5-checked; "
            f"--no-download turns this off)")
        download_dataset(name, data_root, base_url=mirror, progress=progress)
