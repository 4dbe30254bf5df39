"""Reading the pickled batch files of CIFAR and ImageNet16 (their official format).

Unpickling can call any importable function, so a tampered or mislabelled file could run
code. These files only ever need numpy's array reconstruction, so everything else is
refused before it is imported.
"""

from __future__ import annotations

import importlib
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from spaces.errors import BenchmarkFileError

from .file_checks import require_file

# The globals a pickled dict of numpy arrays and ints refers to. Python 2 pickles and
# numpy 1.x name `numpy.core`; numpy 2 names `numpy._core`. `_codecs.encode` is how
# Python 3 writes bytes at pickle protocols below 3.
_ALLOWED_GLOBALS = frozenset(
    {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
        ("_codecs", "encode"),
    }
)


class _ForbiddenGlobal(Exception):
    pass


class _ArrayOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED_GLOBALS:
            raise _ForbiddenGlobal(f"{module}.{name}")
        if module.startswith("numpy.core."):
            # numpy 2 keeps `numpy.core` only as a shim that warns on access.
            try:
                return getattr(importlib.import_module("numpy._core." + module[len("numpy.core.") :]), name)
            except ModuleNotFoundError:
                pass
        return super().find_class(module, name)


# What unpickling garbage can raise: the C unpickler reports most damage as
# UnpicklingError, but truncated or mangled opcodes surface as these too.
_CORRUPT_PICKLE = (
    pickle.UnpicklingError,
    EOFError,
    ValueError,
    TypeError,
    AttributeError,
    ImportError,
    IndexError,
    KeyError,
    OverflowError,
    MemoryError,
)


def load_batch(path: Path, expected: str) -> dict[str, Any]:
    """The dict stored in one batch file, with str keys whether the file has str or bytes keys.

    The official files were written by Python 2: `encoding='latin1'` decodes their strings
    (and numpy's array payloads) losslessly. Files re-pickled after loading with
    `encoding='bytes'` carry bytes keys instead; both are accepted.
    """
    path = require_file(path, expected)
    try:
        with path.open("rb") as handle:
            entry = _ArrayOnlyUnpickler(handle, encoding="latin1").load()
    except _ForbiddenGlobal as refused:
        raise BenchmarkFileError(
            f"{path}: refers to {refused}, which a dataset batch file never contains; refusing to load it. "
            f"Expected {expected}: replace the file with the official one."
        ) from None
    except _CORRUPT_PICKLE as error:
        raise BenchmarkFileError(
            f"{path}: not a readable pickle ({type(error).__name__}: {error}); the file is corrupt or truncated. "
            f"Expected {expected}: download or copy it again."
        ) from None
    except OSError as error:
        raise BenchmarkFileError(f"{path}: cannot be read ({error.strerror}).") from None
    if not isinstance(entry, dict):
        raise BenchmarkFileError(
            f"{path}: holds a {type(entry).__name__}, not the dict of a batch file. Expected {expected}."
        )
    return {(key.decode("latin1") if isinstance(key, bytes) else key): value for key, value in entry.items()}


def batch_images(entry: dict[str, Any], path: Path, side: int) -> np.ndarray:
    """The `data` field, rows of three row-major colour planes, as uint8 [n, 3, side, side]."""
    data = _field(entry, "data", path)
    row_length = 3 * side * side
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != row_length:
        found = f"{data.dtype} array {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__
        raise BenchmarkFileError(
            f"{path}: 'data' must be a uint8 array [n, {row_length}] ({side}x{side} RGB images), found {found}. "
            "The file is not in the official format: download or copy it again."
        )
    return data.reshape(-1, 3, side, side)


def batch_labels(entry: dict[str, Any], key: str, path: Path, count: int) -> np.ndarray:
    """The integer labels under `key` as int64 [count] (not yet range-checked)."""
    labels = np.asarray(_field(entry, key, path))
    if labels.ndim != 1 or labels.dtype.kind not in "iu" or labels.shape[0] != count:
        raise BenchmarkFileError(
            f"{path}: '{key}' must be {count} integer labels (one per image), "
            f"found {labels.dtype} array of shape {labels.shape}. The file is corrupt: download or copy it again."
        )
    return labels.astype(np.int64)


def _field(entry: dict[str, Any], key: str, path: Path) -> Any:
    if key not in entry:
        raise BenchmarkFileError(
            f"{path}: has no '{key}' entry (keys: {sorted(map(str, entry))}); "
            "it is not a batch file of this dataset."
        )
    return entry[key]


def require_label_range(labels: np.ndarray, low: int, high: int, key: str, path: Path) -> None:
    """BenchmarkFileError unless every label lies in low..high (inclusive)."""
    if labels.size and (labels.min() < low or labels.max() > high):
        raise BenchmarkFileError(
            f"{path}: '{key}' holds labels {labels.min()}..{labels.max()}, outside {low}..{high}; "
            "the file belongs to another dataset or is corrupt."
        )
