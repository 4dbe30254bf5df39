"""ImageNet16-N (16x16 downsampled ImageNet, first N classes) as distributed with NAS-Bench-201.

Facts from the NAS-Bench-201 reference reader (D-X-Y/AutoDL-Projects,
xautodl/datasets/DownsampledImageNet.py, class ImageNet16): ten training pickles
`train_data_batch_1..10` and one `val_data` pickle, each a dict with `data` uint8
[n, 3*16*16] (three colour planes) and `labels` in 1..1000. ImageNet16-120 keeps the
images whose label is <= 120 (151,700 train, 6,000 val) and uses label - 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spaces.errors import ConfigError

from .file_checks import require_directory
from .imageset import ImageSet
from .pickled_batches import batch_images, batch_labels, load_batch, require_label_range

IMAGENET16_TRAIN_FILES = tuple(f"train_data_batch_{i}" for i in range(1, 11))
IMAGENET16_VAL_FILE = "val_data"

# NAS-Bench-201 reference code (xautodl/datasets/get_dataset_with_transform.py, get_datasets), in 0..255 units.
IMAGENET16_MEAN = tuple(value / 255 for value in (122.68, 116.66, 104.01))
IMAGENET16_STD = tuple(value / 255 for value in (63.22, 61.26, 65.09))

_SIDE = 16
_ALL_CLASSES = 1000


def read_imagenet16(root: Path | str, num_classes: int = 120) -> ImageSet:
    if not 1 <= num_classes <= _ALL_CLASSES:
        raise ConfigError(
            f"ImageNet16 keeps the first 1..{_ALL_CLASSES} classes; num_classes={num_classes} is not possible."
        )
    root = require_directory(
        Path(root), "the ImageNet16 directory distributed with NAS-Bench-201 (train_data_batch_1..10, val_data)"
    )
    train_images, train_labels = _read_first_classes([root / name for name in IMAGENET16_TRAIN_FILES], num_classes)
    test_images, test_labels = _read_first_classes([root / IMAGENET16_VAL_FILE], num_classes)
    name = "ImageNet16" if num_classes == _ALL_CLASSES else f"ImageNet16-{num_classes}"
    return ImageSet(
        name, train_images, train_labels, test_images, test_labels, num_classes, IMAGENET16_MEAN, IMAGENET16_STD
    )


def _read_first_classes(paths: list[Path], num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    images, labels = [], []
    for path in paths:
        entry = load_batch(path, "an ImageNet16 pickle as distributed with NAS-Bench-201")
        batch = batch_images(entry, path, _SIDE)
        batch_label = batch_labels(entry, "labels", path, len(batch))
        require_label_range(batch_label, 1, _ALL_CLASSES, "labels", path)
        # Filter each file before concatenating: a full training file is ~100 MB, the kept part ~12%.
        keep = batch_label <= num_classes
        images.append(batch[keep])
        labels.append(batch_label[keep] - 1)
    return np.concatenate(images), np.concatenate(labels)
