"""Dataset names, where each lives under the data directory, and how to load it.

Layout (DESIGN.md, "Data"):
    <data_root>/cifar10/cifar-10-batches-py/
    <data_root>/cifar100/cifar-100-python/
    <data_root>/svhn/{train,test}_32x32.mat
    <data_root>/ImageNet16-120/            as distributed with NAS-Bench-201
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from spaces.errors import BenchmarkFileError, ConfigError

from .cifar import (
    CIFAR10_TEST_FILE,
    CIFAR10_TRAIN_FILES,
    CIFAR100_TEST_FILE,
    CIFAR100_TRAIN_FILE,
    read_cifar10,
    read_cifar100,
)
from .imageset import ImageSet
from .imagenet16 import IMAGENET16_TRAIN_FILES, IMAGENET16_VAL_FILE, read_imagenet16
from .svhn import SVHN_TEST_FILE, SVHN_TRAIN_FILE, read_svhn


@dataclass(frozen=True)
class DatasetSource:
    directory: tuple[str, ...]  # path parts below the data root
    files: tuple[str, ...]  # what a complete directory holds (the files the reader opens)
    read: Callable[[Path], ImageSet]
    download_command: str | None  # None: the harness cannot download it, see `obtain_by_hand`
    obtain_by_hand: str = ""

    def path(self, data_root: Path) -> Path:
        return Path(data_root).joinpath(*self.directory)

    def missing_files(self, data_root: Path) -> list[str]:
        directory = self.path(data_root)
        return [name for name in self.files if not (directory / name).is_file()]


DATASETS: dict[str, DatasetSource] = {
    "cifar10": DatasetSource(
        ("cifar10", "cifar-10-batches-py"),
        (*CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE),
        read_cifar10,
        "harness data download cifar10",
    ),
    "cifar100": DatasetSource(
        ("cifar100", "cifar-100-python"),
        (CIFAR100_TRAIN_FILE, CIFAR100_TEST_FILE),
        read_cifar100,
        "harness data download cifar100",
    ),
    "svhn": DatasetSource(
        ("svhn",),
        (SVHN_TRAIN_FILE, SVHN_TEST_FILE),
        read_svhn,
        "harness data download svhn",
    ),
    "ImageNet16-120": DatasetSource(
        ("ImageNet16-120",),
        (*IMAGENET16_TRAIN_FILES, IMAGENET16_VAL_FILE),
        lambda root: read_imagenet16(root, num_classes=120),
        download_command=None,
        obtain_by_hand="ImageNet16 cannot be downloaded by the harness: it is distributed with NAS-Bench-201 "
        "(see the ImageNet16 download link in the D-X-Y/NAS-Bench-201 README). "
        "Put its files train_data_batch_1..10 and val_data in {directory}",
    ),
}

# NAS-Bench-201 calls CIFAR-10 trained on its 25k/25k split "cifar10-valid": same images.
DATASET_ALIASES: dict[str, str] = {"cifar10-valid": "cifar10"}


def dataset_names() -> list[str]:
    """Every name `load_dataset` accepts."""
    return [*DATASETS, *DATASET_ALIASES]


def dataset_source(name: str) -> DatasetSource:
    canonical = DATASET_ALIASES.get(name, name)
    if canonical not in DATASETS:
        raise ConfigError(f"unknown dataset {name!r}; valid names: {', '.join(dataset_names())}.")
    return DATASETS[canonical]


def dataset_dir(name: str, data_root: Path) -> Path:
    """Where dataset `name` lives under `data_root`."""
    return dataset_source(name).path(data_root)


def load_dataset(name: str, data_root: Path) -> ImageSet:
    """Read dataset `name` from its official files under `data_root` (nothing is cached)."""
    source = dataset_source(name)
    directory = source.path(data_root)
    remedy = f"run `{source.download_command}`" if source.download_command else source.obtain_by_hand
    remedy = remedy.format(directory=directory)
    if not directory.is_dir():
        raise BenchmarkFileError(f"dataset {name}: looked for {directory} and it does not exist; {remedy}.")
    missing = source.missing_files(data_root)
    if missing:
        raise BenchmarkFileError(f"dataset {name}: {directory} is incomplete, it lacks {', '.join(missing)}; {remedy}.")
    image_set = source.read(directory)
    # Keep the name the user asked for (e.g. cifar10-valid): oracle lookups key on it.
    return image_set if image_set.name == name else dataclasses.replace(image_set, name=name)
