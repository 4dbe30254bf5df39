"""SVHN (cropped digits) from the official train_32x32.mat and test_32x32.mat."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.io

from spaces.errors import BenchmarkFileError

from .file_checks import require_directory, require_file
from .imageset import ImageSet

SVHN_TRAIN_FILE = "train_32x32.mat"
SVHN_TEST_FILE = "test_32x32.mat"

# NAS-Bench-201 has no SVHN; these are the values of the RobustDARTS code
# (automl/RobustDARTS, src/utils.py, _data_transforms_svhn), the DARTS-family paper that searches on SVHN.
SVHN_MEAN = (0.4377, 0.4438, 0.4728)
SVHN_STD = (0.1980, 0.2010, 0.1970)

# The official files label the digit 0 as 10 (MATLAB's 1-based convention).
_ZERO_DIGIT_LABEL = 10


def read_svhn(root: Path | str) -> ImageSet:
    root = require_directory(
        Path(root), f"a directory holding the official SVHN {SVHN_TRAIN_FILE} and {SVHN_TEST_FILE}"
    )
    train_images, train_labels = _read_mat(root / SVHN_TRAIN_FILE)
    test_images, test_labels = _read_mat(root / SVHN_TEST_FILE)
    return ImageSet("svhn", train_images, train_labels, test_images, test_labels, 10, SVHN_MEAN, SVHN_STD)


def _read_mat(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """X is uint8 [32, 32, 3, N] (height, width, channel, image); y is [N, 1] in 1..10."""
    require_file(path, "an official SVHN cropped-digits .mat file")
    try:
        contents = scipy.io.loadmat(path, variable_names=("X", "y"))
    except NotImplementedError:
        raise BenchmarkFileError(
            f"{path}: is a MATLAB v7.3 (HDF5) file; the official SVHN files are MATLAB v5. "
            "Download the file again from http://ufldl.stanford.edu/housenumbers/."
        ) from None
    except (scipy.io.matlab.MatReadError, ValueError, TypeError, OSError, EOFError) as error:
        raise BenchmarkFileError(
            f"{path}: not a readable MATLAB file ({type(error).__name__}: {error}); it is corrupt or truncated. "
            "Download it again (harness data download svhn)."
        ) from None
    images, labels = contents.get("X"), contents.get("y")
    if (
        not isinstance(images, np.ndarray)
        or images.dtype != np.uint8
        or images.ndim != 4
        or images.shape[:3] != (32, 32, 3)
    ):
        found = f"{images.dtype} {images.shape}" if isinstance(images, np.ndarray) else "nothing"
        raise BenchmarkFileError(f"{path}: 'X' must be uint8 [32, 32, 3, N], found {found}; not an official SVHN file.")
    count = images.shape[3]
    if not isinstance(labels, np.ndarray) or labels.dtype.kind not in "iu" or labels.size != count:
        found = f"{labels.dtype} {labels.shape}" if isinstance(labels, np.ndarray) else "nothing"
        raise BenchmarkFileError(
            f"{path}: 'y' must hold {count} integer labels, found {found}; not an official SVHN file."
        )
    labels = labels.reshape(count).astype(np.int64)
    if count and (labels.min() < 1 or labels.max() > _ZERO_DIGIT_LABEL):
        raise BenchmarkFileError(
            f"{path}: 'y' holds labels {labels.min()}..{labels.max()}, the official files use 1..10 (10 = digit 0)."
        )
    labels[labels == _ZERO_DIGIT_LABEL] = 0
    return np.ascontiguousarray(images.transpose(3, 2, 0, 1)), labels
