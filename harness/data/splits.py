"""Search splits of a training set: images that train the weights vs. the architecture's validation set."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from spaces.errors import BenchmarkFileError, ConfigError

from .file_checks import require_file

# The official NAS-Bench-201 cifar-split.txt halves the 50,000 CIFAR-10 training images.
NB201_SPLIT_SIZE = 25_000
NB201_TRAIN_IMAGES = 50_000


def darts_split(n: int, train_portion: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """The DARTS convention: the first floor(train_portion * n) images train the weights, the rest
    validate the architecture. No shuffling: that is what DARTS' train_search.py does."""
    if not 0 < train_portion < 1:
        raise ConfigError(f"train_portion must lie strictly between 0 and 1, got {train_portion}.")
    cut = math.floor(train_portion * n)
    if cut == 0 or cut == n:
        raise ConfigError(f"train_portion {train_portion} of {n} images leaves one side of the search split empty.")
    indices = np.arange(n, dtype=np.int64)
    return indices[:cut], indices[cut:]


def nb201_split(split_file: Path) -> tuple[np.ndarray, np.ndarray]:
    """(train, valid) indices from NAS-Bench-201's cifar-split.txt.

    Format: {"train": ["int", ["0", "5", ...]], "valid": ["int", [...]]}, indices into
    the original CIFAR-10 training order.
    """
    path = require_file(Path(split_file), "the NAS-Bench-201 cifar-split.txt")
    problem = "is not the NAS-Bench-201 cifar-split.txt"
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _split_error(path, f"is not valid JSON ({error})") from None
    if not isinstance(content, dict) or not {"train", "valid"} <= content.keys():
        raise _split_error(path, f"{problem}: it needs 'train' and 'valid' entries")
    train, valid = (_index_list(content[key], key, path) for key in ("train", "valid"))
    for key, indices in (("train", train), ("valid", valid)):
        if len(indices) != NB201_SPLIT_SIZE:
            raise _split_error(path, f"has {len(indices)} '{key}' indices, the official split has {NB201_SPLIT_SIZE}")
        if len(np.unique(indices)) != len(indices):
            raise _split_error(path, f"repeats indices in '{key}'")
        if indices.min() < 0 or indices.max() >= NB201_TRAIN_IMAGES:
            raise _split_error(path, f"has '{key}' indices outside 0..{NB201_TRAIN_IMAGES - 1}")
    overlap = np.intersect1d(train, valid)
    if overlap.size:
        raise _split_error(path, f"puts {overlap.size} images (e.g. {overlap[0]}) in both 'train' and 'valid'")
    return train, valid


def subset(indices: np.ndarray, n: int, generator: np.random.Generator) -> np.ndarray:
    """The first `n` of a random permutation of `indices` (CPU-scale runs use a fraction of a split)."""
    if not 1 <= n <= len(indices):
        raise ConfigError(f"subset of {n} images requested from a split of {len(indices)}; use 1..{len(indices)}.")
    return np.asarray(indices)[generator.permutation(len(indices))[:n]]


def _index_list(entry: object, key: str, path: Path) -> np.ndarray:
    if not (isinstance(entry, list) and len(entry) == 2 and entry[0] == "int" and isinstance(entry[1], list)):
        raise _split_error(path, f'has \'{key}\' in an unknown form; expected ["int", ["0", "5", ...]]')
    try:
        # int() would silently truncate floats, so only the file's strings (or ints) are accepted.
        if not all(isinstance(value, (str, int)) and not isinstance(value, bool) for value in entry[1]):
            raise ValueError
        return np.array([int(value) for value in entry[1]], dtype=np.int64)
    except ValueError:
        raise _split_error(path, f"has a non-integer index in '{key}'") from None


def _split_error(path: Path, problem: str) -> BenchmarkFileError:
    return BenchmarkFileError(
        f"{path}: {problem}. Use the official file (NAS-Bench-201 configs/nas-benchmark/cifar-split.txt)."
    )
