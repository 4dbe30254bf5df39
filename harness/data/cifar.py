"""CIFAR-10 and CIFAR-100 from the official "python version" directories."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .file_checks import require_directory
from .imageset import ImageSet
from .pickled_batches import batch_images, batch_labels, load_batch, require_label_range

CIFAR10_TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR10_TEST_FILE = "test_batch"
CIFAR100_TRAIN_FILE = "train"
CIFAR100_TEST_FILE = "test"

# NAS-Bench-201 reference code (D-X-Y/AutoDL-Projects, xautodl/datasets/get_dataset_with_transform.py,
# get_datasets): per-channel statistics in 0..255 units, divided by 255 there as here.
CIFAR10_MEAN = tuple(value / 255 for value in (125.3, 123.0, 113.9))
CIFAR10_STD = tuple(value / 255 for value in (63.0, 62.1, 66.7))
CIFAR100_MEAN = tuple(value / 255 for value in (129.3, 124.1, 112.4))
CIFAR100_STD = tuple(value / 255 for value in (68.2, 65.4, 70.4))

_SIDE = 32


def read_cifar10(root: Path | str) -> ImageSet:
    """The `cifar-10-batches-py` directory: data_batch_1..5 (50,000 images) and test_batch (10,000)."""
    root = require_directory(Path(root), "the extracted official CIFAR-10 directory 'cifar-10-batches-py'")
    train_images, train_labels = _read_batches([root / name for name in CIFAR10_TRAIN_FILES], "labels", 10, "CIFAR-10")
    test_images, test_labels = _read_batches([root / CIFAR10_TEST_FILE], "labels", 10, "CIFAR-10")
    return ImageSet("cifar10", train_images, train_labels, test_images, test_labels, 10, CIFAR10_MEAN, CIFAR10_STD)


def read_cifar100(root: Path | str) -> ImageSet:
    """The `cifar-100-python` directory: `train` (50,000) and `test` (10,000), fine labels."""
    root = require_directory(Path(root), "the extracted official CIFAR-100 directory 'cifar-100-python'")
    train_images, train_labels = _read_batches([root / CIFAR100_TRAIN_FILE], "fine_labels", 100, "CIFAR-100")
    test_images, test_labels = _read_batches([root / CIFAR100_TEST_FILE], "fine_labels", 100, "CIFAR-100")
    return ImageSet("cifar100", train_images, train_labels, test_images, test_labels, 100, CIFAR100_MEAN, CIFAR100_STD)


def _read_batches(paths: list[Path], label_key: str, num_classes: int, dataset: str) -> tuple[np.ndarray, np.ndarray]:
    images, labels = [], []
    for path in paths:
        entry = load_batch(path, f"an official {dataset} python batch file")
        batch = batch_images(entry, path, _SIDE)
        batch_label = batch_labels(entry, label_key, path, len(batch))
        require_label_range(batch_label, 0, num_classes - 1, label_key, path)
        images.append(batch)
        labels.append(batch_label)
    return np.concatenate(images), np.concatenate(labels)
