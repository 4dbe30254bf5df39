"""The NAS-Bench-101 oracle: one HDF5 store, written once by an importer, opened in milliseconds.

Layout (format "dnas-harness/nb101-oracle", version 1):
- root attrs: format, format_version, num_cells, source_kind ("csv" | "tfrecord"),
  source_path, source_sha256, created_utc, import_notes (JSON list), contents
  (JSON list of every array written), absent (JSON {column path: reason});
- `hash_hi`, `hash_lo` uint64 [n]: the module hash as two 64-bit halves, rows in
  ascending hash order (the CSV's nb101_index order, = the official hash_iterator order);
- `cell_code` uint64 [n]: one representative pruned cell per row (table.encode_cell);
- `params` int64 [n]: trainable_parameters;
- one group per column at its ColumnKey path, e.g. `accuracy/test/108/mean`,
  with `values` (float64 [m] or [m, repeats]) and, for a column that covers
  only some cells, `rows` (int64 [m], sorted). 1-D accuracy columns carry attrs
  `optimum` and `optimum_row` (first row reaching the maximum).

Opening reads the hashes only; a column is read on first use. Nothing absent
is ever returned as a number:
- a column the source lacks raises `UnavailableQuantity`, with the importer's reason;
- a cell a partial column does not cover raises `MissingValue`; `covered()` says
  beforehand which cells a column has.
`available()` lists both: the columns present (with coverage) and the absent
ones with their reasons.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from spaces.errors import BenchmarkFileError, ConfigError, MalformedArchitecture
from spaces.nb101.cell import NB101Cell
from spaces.nb101.table import (
    EPOCH_BUDGETS,
    QUANTITIES,
    SPLITS,
    STATISTICS,
    Column,
    ColumnKey,
    NB101Table,
    decode_cell,
    hash_pair,
    unpack_hash,
)
from spaces.nb101.text import is_module_hash, parse_arch_text
from spaces.store_file import replaced_atomically

FORMAT = "dnas-harness/nb101-oracle"
FORMAT_VERSION = 1
IMPORT_COMMAND = "harness data import nb101 --from PATH"
STORE_NAME = "nb101.h5"


class UnavailableQuantity(ConfigError):
    """A benchmark quantity that this store's source did not record."""


class MissingValue(UnavailableQuantity):
    """A column that exists but does not cover some of the requested cells."""


@dataclass(frozen=True)
class ColumnInfo:
    key: ColumnKey
    covered: int  # cells with a value
    total: int

    @property
    def complete(self) -> bool:
        return self.covered == self.total

    def __str__(self) -> str:
        return f"{self.key} ({self.covered:,} of {self.total:,} cells)"


@dataclass(frozen=True)
class Availability:
    present: tuple[ColumnInfo, ...]
    absent: tuple[tuple[ColumnKey, str], ...]  # (column, why the source lacks it)

    def __str__(self) -> str:
        lines = ["present:"] + [f"  {info}" for info in self.present] + ["absent:"]
        lines += [f"  {key}: {reason}" for key, reason in self.absent]
        return "\n".join(lines)


# -- writing -------------------------------------------------------------------------------------------


def write_store(table: NB101Table, path: str | os.PathLike, expected_cells: int | None = None) -> None:
    """Write `table` atomically (spaces/store_file.py)."""
    table.validate(expected_cells)
    with replaced_atomically(Path(path)) as tmp, h5py.File(tmp, "w") as store:
        _write(store, table)


def _write(store: h5py.File, table: NB101Table) -> None:
    contents = ["hash_hi", "hash_lo", "cell_code", "params"]
    store.create_dataset("hash_hi", data=table.hashes[:, 0])
    store.create_dataset("hash_lo", data=table.hashes[:, 1])
    store.create_dataset("cell_code", data=table.cell_codes.astype(np.uint64))
    store.create_dataset("params", data=table.params.astype(np.int64))
    for key, column in sorted(table.columns.items(), key=lambda item: _order(item[0])):
        group = store.create_group(key.path)
        group.create_dataset("values", data=np.asarray(column.values, dtype=np.float64))
        contents.append(f"{key.path}/values")
        if column.rows is not None:
            group.create_dataset("rows", data=np.asarray(column.rows, dtype=np.int64))
            contents.append(f"{key.path}/rows")
        if key.quantity == "accuracy" and column.values.ndim == 1 and len(column.values):
            best = int(np.argmax(column.values))
            group.attrs["optimum"] = float(column.values[best])
            group.attrs["optimum_row"] = best if column.rows is None else int(column.rows[best])
    store.attrs.update(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "num_cells": table.num_cells,
            "source_kind": table.source.kind,
            "source_path": table.source.path,
            "source_sha256": table.source.sha256,
            "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "import_notes": json.dumps(table.notes),
            "contents": json.dumps(contents),
            "absent": json.dumps({key.path: reason for key, reason in sorted(table.absent.items(), key=lambda i: _order(i[0]))}),
        }
    )


def _order(key: ColumnKey) -> tuple:
    return (
        QUANTITIES.index(key.quantity),
        EPOCH_BUDGETS.index(key.epochs),
        SPLITS.index(key.split) if key.split else 0,
        STATISTICS.index(key.statistic),
    )


def _parse_path(path: str) -> ColumnKey:
    parts = path.split("/")
    if parts[0] == "accuracy" and len(parts) == 4:
        return ColumnKey("accuracy", parts[1], int(parts[2]), parts[3])
    if parts[0] == "train_seconds" and len(parts) == 3:
        return ColumnKey("train_seconds", None, int(parts[1]), parts[2])
    raise ValueError(f"not a column path: {path}")


# -- reading -------------------------------------------------------------------------------------------


class NB101Oracle:
    """Lookups by cell: a module hash, a row number, an NB101Cell, a text form (text.py),
    anything with `to_nb101()` (e.g. a 1Shot1 architecture), or a list / int array of those.

    One cell gives a Python number, several an ndarray. Split and epochs are
    always explicit; `statistic` defaults to "mean" (harness choice: the mean
    over the 3 repeats is what the benchmark tables report and what 1Shot1's
    regret averages, nasbench1shot1/experiments/analysis/experiment_database.py).
    """

    def __init__(self, path: Path, hash_hi: np.ndarray, hash_lo: np.ndarray, metadata: dict[str, Any],
                 column_attrs: dict[ColumnKey, dict[str, Any]], absent: dict[ColumnKey, str]):
        self.path = path
        self._hi = hash_hi
        self._lo = hash_lo
        self.metadata = metadata
        self._column_attrs = column_attrs
        self._absent = absent
        self._columns: dict[ColumnKey, Column] = {}
        self._lazy: dict[str, np.ndarray] = {}
        # Halves of distinct md5 hashes collide with probability ~1e-8 here; handle it anyway.
        self._unique_hi = bool(len(hash_hi) < 2 or np.all(hash_hi[1:] != hash_hi[:-1]))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "NB101Oracle":
        path = Path(path)
        if not path.is_file():
            raise BenchmarkFileError(_missing_store_message(path))
        try:
            with h5py.File(path, "r") as store:
                return _read(cls, store, path)
        except (OSError, KeyError, ValueError, TypeError) as error:
            raise BenchmarkFileError(
                f"{path} is not a readable NAS-Bench-101 oracle store ({type(error).__name__}: {error}); it is "
                f"corrupt or not an HDF5 file. Rebuild it with {_import_hint(path)}"
            ) from None

    @property
    def num_cells(self) -> int:
        return len(self._hi)

    # -- resolving cells -----------------------------------------------------------------------------

    def lookup(self, matrix, ops: Sequence[str]) -> int:
        """Row of the cell (matrix, ops): pruned, checked against NB101's limits, hashed, found."""
        return self._row_of_hash(NB101Cell.from_arrays(matrix, ops).module_hash())

    def row_of(self, cell) -> int:
        if isinstance(cell, (int, np.integer)) and not isinstance(cell, (bool, np.bool_)):
            return self._check_row(int(cell))
        if isinstance(cell, str):
            parsed = parse_arch_text(cell)
            return self._row_of_hash(parsed) if isinstance(parsed, str) else self._row_of_hash(parsed.module_hash())
        if isinstance(cell, NB101Cell):
            return self._row_of_hash(cell.module_hash())
        if hasattr(cell, "to_nb101"):
            return self._row_of_hash(cell.to_nb101().module_hash())
        raise MalformedArchitecture(
            f"cannot read an NB101 cell from {type(cell).__name__} {cell!r}; give a module hash, a row number, an "
            f"NB101Cell, a 'matrix=...;ops=...' text, or a list of those"
        )

    def rows_of(self, cells) -> int | np.ndarray:
        """Row (one cell) or int64 array of rows (a list, tuple or int array of cells)."""
        if isinstance(cells, np.ndarray):
            if cells.dtype.kind not in "iu":
                raise MalformedArchitecture(f"a cell array holds row numbers (integers), got dtype {cells.dtype}")
            rows = cells.astype(np.int64, copy=False).reshape(-1)
            bad = (rows < 0) | (rows >= self.num_cells)
            if bad.any():
                self._check_row(int(rows[bad][0]))
            return rows.reshape(cells.shape)
        if isinstance(cells, (list, tuple)):
            return np.fromiter((self.row_of(cell) for cell in cells), dtype=np.int64, count=len(cells))
        return self.row_of(cells)

    def rows_of_hashes(self, hashes: Sequence[str]) -> np.ndarray:
        """Vectorised rows of many 32-hex module hashes (MalformedArchitecture naming the first unknown one)."""
        pairs = np.array([hash_pair(h) for h in hashes], dtype=np.uint64).reshape(-1, 2)
        rows = np.searchsorted(self._hi, pairs[:, 0])
        inside = rows < self.num_cells
        found = inside.copy()
        found[inside] = (self._hi[rows[inside]] == pairs[inside, 0]) & (self._lo[rows[inside]] == pairs[inside, 1])
        if not self._unique_hi:
            for i in np.flatnonzero(~found):
                rows[i] = self._row_of_hash(hashes[i])
            return rows.astype(np.int64)
        if not found.all():
            self._row_of_hash(hashes[int(np.flatnonzero(~found)[0])])
        return rows.astype(np.int64)

    def hash_at(self, row: int) -> str:
        row = self._check_row(row)
        return unpack_hash((self._hi[row], self._lo[row]))

    def cell_at(self, row: int) -> NB101Cell:
        """A representative pruned cell of the row (an isomorphic copy may be what the source listed)."""
        matrix, ops = decode_cell(int(self._array("cell_code")[self._check_row(row)]))
        return NB101Cell(matrix, ops)

    # -- values --------------------------------------------------------------------------------------

    def accuracy(self, cells, split: str, epochs: int, statistic: str = "mean"):
        """Final accuracy (a fraction) on `split` after `epochs` epochs; statistic "mean" or "single-repeat"."""
        if statistic == "repeats":
            raise ConfigError("use accuracy_repeats() for every repeat's value")
        return self._values(ColumnKey("accuracy", _split(split), epochs, statistic), cells)

    def accuracy_repeats(self, cells, split: str, epochs: int):
        """Every repeat's final accuracy: [repeats] for one cell, [n, repeats] for several."""
        return self._values(ColumnKey("accuracy", _split(split), epochs, "repeats"), cells)

    def train_seconds(self, cells, epochs: int, statistic: str = "mean"):
        return self._values(ColumnKey("train_seconds", None, epochs, statistic), cells)

    def params(self, cells):
        rows = self.rows_of(cells)
        values = self._array("params")[rows]
        return int(values) if np.ndim(values) == 0 else values

    def covered(self, cells, split: str | None, epochs: int, statistic: str = "mean", quantity: str = "accuracy"):
        """Whether the column has a value for each cell (bool, or bool array)."""
        column = self._column(ColumnKey(quantity, _split(split) if quantity == "accuracy" else None, epochs, statistic))
        rows = self.rows_of(cells)
        if column.rows is None:
            return True if np.ndim(rows) == 0 else np.ones(np.shape(rows), dtype=bool)
        position = np.searchsorted(column.rows, rows)
        inside = position < len(column.rows)
        hit = np.zeros(np.shape(rows), dtype=bool)
        hit[inside] = column.rows[position[inside]] == np.asarray(rows)[inside]
        return bool(hit) if np.ndim(rows) == 0 else hit

    def facts(self) -> list[str]:
        """What `harness list spaces` shows: the table's size and its best mean test accuracy."""
        best, row = self.optimum("test", 108)
        return [f"{self.num_cells:,} cells; optimum: {100 * best:.4f} % mean CIFAR-10 test accuracy at 108 epochs "
                f"({self.hash_at(row)})"]

    def optimum(self, split: str, epochs: int, statistic: str = "mean") -> tuple[float, int]:
        """(best accuracy, first row reaching it) of a 1-D accuracy column."""
        key = ColumnKey("accuracy", _split(split), epochs, statistic)
        self._check_present(key)
        attrs = self._column_attrs[key]
        if "optimum" not in attrs:
            raise ConfigError(f"column {key} has no single optimum (it holds several values per cell)")
        return float(attrs["optimum"]), int(attrs["optimum_row"])

    def regret(self, cells, split: str, epochs: int):
        """Best mean accuracy of the whole benchmark minus the cells' mean accuracy."""
        best, _ = self.optimum(split, epochs)
        return best - self.accuracy(cells, split, epochs)

    # -- what the store holds ------------------------------------------------------------------------

    def available(self) -> Availability:
        present = tuple(
            ColumnInfo(key, int(attrs["covered"]), self.num_cells)
            for key, attrs in sorted(self._column_attrs.items(), key=lambda item: _order(item[0]))
        )
        absent = tuple(sorted(self._absent.items(), key=lambda item: _order(item[0])))
        return Availability(present, absent)

    def __repr__(self) -> str:
        return f"NB101Oracle({str(self.path)!r}, source={self.metadata['source_kind']}, {self.num_cells} cells)"

    # -- internals -----------------------------------------------------------------------------------

    def _values(self, key: ColumnKey, cells):
        column = self._column(key)
        rows = self.rows_of(cells)
        if column.rows is None:
            positions = rows
        else:
            positions = np.searchsorted(column.rows, rows)
            inside = positions < len(column.rows)
            ok = np.zeros(np.shape(rows), dtype=bool)
            ok[inside] = column.rows[np.asarray(positions)[inside]] == np.asarray(rows)[inside]
            if not ok.all():
                missing = np.asarray(rows).reshape(-1)[~ok.reshape(-1)]
                raise MissingValue(
                    f"{key} is recorded for only {len(column.rows):,} of {self.num_cells:,} cells, and not for "
                    f"{len(missing)} of the requested ones (first: row {int(missing[0])}, hash "
                    f"{self.hash_at(int(missing[0]))}); check oracle.covered(...) first. Source: "
                    f"{self.metadata['source_kind']} {self.metadata['source_path']}"
                )
        values = column.values[positions]
        return float(values) if np.ndim(values) == 0 else values

    def _check_present(self, key: ColumnKey) -> None:
        if key.quantity not in QUANTITIES:
            raise ConfigError(f"unknown NB101 quantity {key.quantity!r}; quantities are {', '.join(QUANTITIES)}")
        if key.epochs not in EPOCH_BUDGETS:
            raise ConfigError(f"NAS-Bench-101 has no {key.epochs}-epoch budget; budgets are {EPOCH_BUDGETS}")
        if key.statistic not in STATISTICS:
            raise ConfigError(f"unknown statistic {key.statistic!r}; statistics are {', '.join(STATISTICS)}")
        if key not in self._column_attrs:
            reason = self._absent.get(key, f"the {self.metadata['source_kind']} source does not record it")
            held = ", ".join(str(k) for k in sorted(self._column_attrs, key=_order))
            raise UnavailableQuantity(
                f"the NB101 oracle store {self.path} has no {key}: {reason}. It holds: {held}"
            )

    def _column(self, key: ColumnKey) -> Column:
        self._check_present(key)
        if key not in self._columns:
            with h5py.File(self.path, "r") as store:
                group = store[key.path]
                values = group["values"][()]
                rows = group["rows"][()] if "rows" in group else None
            self._columns[key] = Column(values, rows)
        return self._columns[key]

    def _array(self, name: str) -> np.ndarray:
        if name not in self._lazy:
            with h5py.File(self.path, "r") as store:
                self._lazy[name] = store[name][()]
        return self._lazy[name]

    def _row_of_hash(self, module_hash: str) -> int:
        if not is_module_hash(module_hash):
            raise MalformedArchitecture(f"{module_hash!r} is not a module hash (32 hex digits)")
        hi, lo = hash_pair(module_hash.strip().lower())
        left = int(np.searchsorted(self._hi, np.uint64(hi), side="left"))
        right = int(np.searchsorted(self._hi, np.uint64(hi), side="right"))
        if right > left:
            row = left + int(np.searchsorted(self._lo[left:right], np.uint64(lo)))
            if row < right and self._lo[row] == lo:
                return row
        raise MalformedArchitecture(
            f"module hash {module_hash} is not in NAS-Bench-101 (the store {self.path} has {self.num_cells:,} cells)"
        )

    def _check_row(self, row) -> int:
        if isinstance(row, (bool, np.bool_)) or not isinstance(row, (int, np.integer)):
            raise MalformedArchitecture(f"an NB101 row is an integer, got {row!r}")
        if not 0 <= row < self.num_cells:
            raise MalformedArchitecture(f"row {row} is out of range: this NB101 store has rows 0..{self.num_cells - 1}")
        return int(row)


def _split(split: str | None) -> str:
    if split not in SPLITS:
        raise ConfigError(f"unknown NAS-Bench-101 split {split!r}; splits are {', '.join(SPLITS)}")
    return split


def _missing_store_message(path: Path) -> str:
    return (
        f"no NAS-Bench-101 oracle store at {path}. Build it with {_import_hint(path)}, where PATH is the NB101 CSV "
        f"dump (nb101-108.csv.gz) or the official nasbench_only108.tfrecord (see data/README.md)"
    )


def _import_hint(path: Path) -> str:
    if path.name == STORE_NAME and path.parent.name == "benchmarks":
        return f"`{IMPORT_COMMAND} --data-dir {path.parent.parent}`"
    return f"`{IMPORT_COMMAND}` (it writes <data-dir>/benchmarks/{STORE_NAME}; this store is at {path})"


def _damaged(path: Path, problem: str) -> BenchmarkFileError:
    return BenchmarkFileError(
        f"{path} is not a complete NAS-Bench-101 oracle store: {problem}. Rebuild it with {_import_hint(path)}"
    )


def _read(cls, store: h5py.File, path: Path) -> NB101Oracle:
    attrs = dict(store.attrs)
    if attrs.get("format") != FORMAT:
        raise _damaged(path, f"its format attribute is {attrs.get('format')!r}, expected {FORMAT!r}")
    version = int(attrs.get("format_version", -1))
    if version != FORMAT_VERSION:
        newer = " (written by a newer dnas-harness: upgrade, or rebuild it)" if version > FORMAT_VERSION else ""
        raise _damaged(path, f"format version {version}, this harness reads version {FORMAT_VERSION}{newer}")
    required = ("num_cells", "source_kind", "source_path", "source_sha256", "created_utc", "contents", "absent")
    missing = [name for name in required if name not in attrs]
    if missing:
        raise _damaged(path, f"missing attributes {', '.join(missing)}")
    n = int(attrs["num_cells"])
    contents = json.loads(attrs["contents"])
    for name in contents:
        node = store.get(name)
        if not isinstance(node, h5py.Dataset):
            raise _damaged(path, f"it lacks the array {name}")
    for name in ("hash_hi", "hash_lo", "cell_code", "params"):
        if name not in contents or store[name].shape != (n,):
            raise _damaged(path, f"{name} is missing or does not have {n} entries")
    hash_hi, hash_lo = store["hash_hi"][()], store["hash_lo"][()]
    if hash_hi.dtype != np.uint64 or hash_lo.dtype != np.uint64:
        raise _damaged(path, "the hash arrays are not uint64")
    ordered = (hash_hi[1:] > hash_hi[:-1]) | ((hash_hi[1:] == hash_hi[:-1]) & (hash_lo[1:] > hash_lo[:-1]))
    if not ordered.all():
        raise _damaged(path, "the module hashes are not in ascending order")
    column_attrs = {}
    for name in contents:
        if not name.endswith("/values"):
            continue
        key = _parse_path(name[: -len("/values")])
        group = store[key.path]
        covered = group["rows"].shape[0] if "rows" in group else n
        if group["values"].shape[0] != covered:
            raise _damaged(path, f"{key.path} has {group['values'].shape[0]} values for {covered} cells")
        column_attrs[key] = {"covered": covered, **dict(group.attrs)}
    absent = {_parse_path(name): reason for name, reason in json.loads(attrs["absent"]).items()}
    metadata = {
        "path": str(path),
        "format": FORMAT,
        "format_version": version,
        "num_cells": n,
        "source_kind": str(attrs["source_kind"]),
        "source_path": str(attrs["source_path"]),
        "source_sha256": str(attrs["source_sha256"]),
        "created_utc": str(attrs["created_utc"]),
        "import_notes": json.loads(attrs.get("import_notes", "[]")),
    }
    return cls(path, hash_hi, hash_lo, metadata, column_attrs, absent)
