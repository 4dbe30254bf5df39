"""What every NB101 importer produces: one row per cell in ascending module-hash order.

Columns are explicit about what they summarise:

    ColumnKey(quantity, split, epochs, statistic)
      quantity   "accuracy" (split "train" | "valid" | "test") or "train_seconds" (split None)
      epochs     4, 12, 36 or 108 (the benchmark's budgets)
      statistic  "mean"           mean over the benchmark's repeats (3), one value per cell
                 "repeats"        every repeat, values [cells, repeats]
                 "single-repeat"  ONE repeat (which one is unknown), as in the shared CSV dump

A column covers every cell, or only some (`rows`, sorted row numbers); there
is no fill value for the others. A column the source lacks is not in
`columns` at all; `absent` says why, in words a user can act on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar

import numpy as np

from spaces.errors import BenchmarkFileError
from spaces.nb101.cell import MAX_VERTICES, OPS

NUM_CELLS = 423_624  # google-research/nasbench README: 423,624 unique cells
EPOCH_BUDGETS = (4, 12, 36, 108)  # nasbench/api.py: valid epochs of the full dataset
SPLITS = ("train", "valid", "test")
STATISTICS = ("mean", "repeats", "single-repeat")
QUANTITIES = ("accuracy", "train_seconds")

T = TypeVar("T")
Progress = Callable[[Iterable[T], int, str], Iterable[T]]


def no_progress(items: Iterable[T], total: int, description: str) -> Iterable[T]:
    return items


class ColumnKey(NamedTuple):
    quantity: str
    split: str | None
    epochs: int
    statistic: str

    def __str__(self) -> str:
        parts = [self.quantity] + ([self.split] if self.split else []) + [str(self.epochs), self.statistic]
        return " ".join(parts)

    @property
    def path(self) -> str:
        parts = [self.quantity] + ([self.split] if self.split else []) + [str(self.epochs), self.statistic]
        return "/".join(parts)


def universe() -> list[ColumnKey]:
    """Every mean / per-repeat column NAS-Bench-101 defines (single-repeat columns exist only for the CSV)."""
    keys = [ColumnKey("accuracy", split, epochs, stat) for epochs in EPOCH_BUDGETS for split in SPLITS for stat in ("mean", "repeats")]
    keys += [ColumnKey("train_seconds", None, epochs, stat) for epochs in EPOCH_BUDGETS for stat in ("mean", "repeats")]
    return keys


@dataclass
class Column:
    values: np.ndarray  # float64 [n] or [n, repeats]
    rows: np.ndarray | None = None  # sorted int64 rows the values belong to; None: all rows in order

    def coverage(self, num_cells: int) -> int:
        return num_cells if self.rows is None else len(self.rows)


@dataclass(frozen=True)
class SourceInfo:
    kind: str  # "csv" or "tfrecord"
    path: str
    sha256: str


@dataclass
class NB101Table:
    hashes: np.ndarray  # uint64 [n, 2]: (high, low) 64-bit halves of the module hash, ascending
    cell_codes: np.ndarray  # uint64 [n]: a representative pruned cell (encode_cell)
    params: np.ndarray  # int64 [n]: trainable_parameters
    columns: dict[ColumnKey, Column]
    absent: dict[ColumnKey, str]
    source: SourceInfo
    notes: list[str] = field(default_factory=list)

    @property
    def num_cells(self) -> int:
        return len(self.hashes)

    def validate(self, expected_cells: int | None = NUM_CELLS) -> None:
        where = self.source.path
        n = self.num_cells
        if expected_cells is not None and n != expected_cells:
            raise BenchmarkFileError(
                f"{where}: holds {n} distinct cells, NAS-Bench-101 has {expected_cells}; the file is truncated or "
                f"not the full benchmark"
            )
        if self.hashes.shape != (n, 2) or self.hashes.dtype != np.uint64:
            raise BenchmarkFileError(f"{where}: hash array has shape {self.hashes.shape}, dtype {self.hashes.dtype}")
        if n > 1:
            hi, lo = self.hashes[:, 0], self.hashes[:, 1]
            ordered = (hi[1:] > hi[:-1]) | ((hi[1:] == hi[:-1]) & (lo[1:] > lo[:-1]))
            if not ordered.all():
                row = int(np.flatnonzero(~ordered)[0]) + 1
                raise BenchmarkFileError(f"{where}: module hashes are not strictly ascending at row {row}")
        if self.params.shape != (n,) or self.cell_codes.shape != (n,):
            raise BenchmarkFileError(f"{where}: params / cells do not have one entry per cell")
        for key, column in self.columns.items():
            _check_column(where, key, column, n)
        overlap = set(self.columns) & set(self.absent)
        if overlap:
            raise BenchmarkFileError(f"{where}: column {min(map(str, overlap))} is both present and absent")


def _check_column(where: str, key: ColumnKey, column: Column, n: int) -> None:
    if key.quantity not in QUANTITIES or key.epochs not in EPOCH_BUDGETS or key.statistic not in STATISTICS:
        raise BenchmarkFileError(f"{where}: unknown column {key}")
    if (key.quantity == "accuracy") != (key.split in SPLITS):
        raise BenchmarkFileError(f"{where}: column {key} has a wrong split")
    length = n if column.rows is None else len(column.rows)
    if column.values.shape[0] != length or column.values.ndim != (2 if key.statistic == "repeats" else 1):
        raise BenchmarkFileError(f"{where}: column {key} has shape {column.values.shape} for {length} cells")
    if column.rows is not None and len(column.rows) and (
        np.any(np.diff(column.rows) <= 0) or column.rows[0] < 0 or column.rows[-1] >= n
    ):
        raise BenchmarkFileError(f"{where}: column {key} lists its rows out of order or out of range")
    if not np.all(np.isfinite(column.values)):
        raise BenchmarkFileError(f"{where}: column {key} has non-finite values")
    low, high = (0.0, 1.0) if key.quantity == "accuracy" else (0.0, np.inf)
    if np.any((column.values < low) | (column.values > high)):
        raise BenchmarkFileError(f"{where}: column {key} has values outside [{low}, {high}]")


# -- hashes ------------------------------------------------------------------------------------------


def pack_hashes(hex_hashes: list[str], where: str) -> np.ndarray:
    """uint64 [n, 2] halves of 32-hex module hashes; BenchmarkFileError naming the first bad one."""
    try:
        raw = bytes.fromhex("".join(hex_hashes))
    except ValueError:
        raw = b""
    if len(raw) != 16 * len(hex_hashes) or any(len(h) != 32 for h in hex_hashes):
        for index, text in enumerate(hex_hashes):
            if len(text) != 32 or any(c not in "0123456789abcdef" for c in text):
                raise BenchmarkFileError(f"{where}: entry {index} has module hash {text!r}, not 32 lower-case hex digits")
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(-1, 2)


def unpack_hash(pair) -> str:
    return f"{int(pair[0]):016x}{int(pair[1]):016x}"


def hash_pair(text: str) -> tuple[int, int]:
    return int(text[:16], 16), int(text[16:], 16)


# -- representative cells ----------------------------------------------------------------------------
# A pruned cell in one uint64: bits 0-2 the vertex count V, bits 3-23 the edges
# (edge i->j, i < j, at bit 3 + i + j*(j-1)/2, the order of graph_util.gen_is_edge_fn),
# bits 24-33 the NB101 label (0, 1, 2) of vertices 1..V-2, two bits each. V says
# which bits mean something, so no bit pattern stands for "missing".

_EDGE_BIT = {(i, j): 3 + i + j * (j - 1) // 2 for j in range(MAX_VERTICES) for i in range(j)}


def encode_cell(matrix, labels) -> int:
    """`labels` are the NB101 hash labels of the interior vertices (len V-2)."""
    size = len(matrix)
    code = size
    for (i, j), bit in _EDGE_BIT.items():
        if j < size and matrix[i][j]:
            code |= 1 << bit
    for position, label in enumerate(labels):
        code |= int(label) << (24 + 2 * position)
    return code


def decode_cell(code: int) -> tuple[list[list[int]], list[str]]:
    """(matrix, ops with official labels) of a cell code."""
    from spaces.nb101.cell import INPUT, OUTPUT

    code = int(code)
    size = code & 7
    matrix = [[0] * size for _ in range(size)]
    for (i, j), bit in _EDGE_BIT.items():
        if j < size and code >> bit & 1:
            matrix[i][j] = 1
    interior = [OPS[(code >> (24 + 2 * p)) & 3] for p in range(size - 2)]
    return matrix, [INPUT, *interior, OUTPUT]
