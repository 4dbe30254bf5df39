"""The NAS-Bench-201 oracle: one HDF5 store, written once by an importer, read in milliseconds.

Layout (format "dnas-harness/nb201-oracle", version 1):
- root attrs: format, format_version, num_archs, source_kind, source_path,
  source_sha256, created_utc, import_notes (JSON list), contents (JSON list of
  every dataset written, so a store that lost an array is detected as partial);
- `arch_ops` uint8 [15625, 6]: op indices (encoding.OPS order) in the official index order;
- `accuracy/<dataset>/<split>/<epochs>` float64 [15625], percent, seed means,
  attrs `optimum` and `optimum_index` (first index reaching the maximum);
- `params_mb/<dataset>`, `train_seconds/<dataset>/<epochs>`, `seeds/<dataset>/<epochs>`.
Only what the source has is written; asking for anything else raises
`UnavailableQuantity` naming what the store does hold.

Names are the benchmark's (conventions.BENCHMARK_SPLITS); `paper_accuracy`
takes the papers' ("cifar10", "valid") and maps them through PAPER_SPLITS.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Union

import h5py
import numpy as np

from spaces.errors import BenchmarkFileError, ConfigError, MalformedArchitecture
from spaces.nb201.conventions import (
    BENCHMARK_DATASETS,
    BENCHMARK_SPLITS,
    EPOCH_BUDGETS,
    benchmark_column,
    check_benchmark_column,
    check_epochs,
)
from spaces.nb201.paper_columns import paper_columns
from spaces.nb201.encoding import NUM_ARCHS, NUM_EDGES, OPS, NB201Arch, ordinals, parse_ops
from spaces.nb201.importers.table import ImportedTable
from spaces.store_file import replaced_atomically

FORMAT = "dnas-harness/nb201-oracle"
FORMAT_VERSION = 1
IMPORT_COMMAND = "harness data import nb201 --from PATH"

ArchLike = Union[NB201Arch, str, int, np.integer]
Archs = Union[ArchLike, Sequence[ArchLike], np.ndarray]


class UnavailableQuantity(ConfigError):
    """A valid benchmark quantity that this store's source did not record."""


def write_store(table: ImportedTable, path: str | os.PathLike, compress: bool = False) -> None:
    """Write `table` to `path` atomically (spaces/store_file.py).

    `compress`: gzip the columns (the store shipped inside the package, spaces/nb201/data/); the values
    read back are the same bits."""
    table.validate()
    with replaced_atomically(Path(path)) as tmp, h5py.File(tmp, "w") as store:
        _write(store, table, {"compression": "gzip", "compression_opts": 9, "shuffle": True} if compress else {})


def _write(store: h5py.File, table: ImportedTable, options: dict[str, Any]) -> None:
    contents = ["arch_ops"]
    store.create_dataset("arch_ops", data=np.asarray(table.arch_ops, dtype=np.uint8), **options)
    for (dataset, split, epochs), values in sorted(table.accuracy.items(), key=str):
        name = f"accuracy/{dataset}/{split}/{epochs}"
        column = store.create_dataset(name, data=np.asarray(values, dtype=np.float64), **options)
        best = int(np.argmax(values))
        column.attrs["optimum"] = float(values[best])
        column.attrs["optimum_index"] = best
        contents.append(name)
    for dataset, values in sorted(table.params_mb.items()):
        store.create_dataset(f"params_mb/{dataset}", data=np.asarray(values, dtype=np.float64), **options)
        contents.append(f"params_mb/{dataset}")
    for kind, columns, dtype in (("train_seconds", table.train_seconds, np.float64), ("seeds", table.seeds, np.uint8)):
        for (dataset, epochs), values in sorted(columns.items(), key=str):
            store.create_dataset(f"{kind}/{dataset}/{epochs}", data=np.asarray(values, dtype=dtype), **options)
            contents.append(f"{kind}/{dataset}/{epochs}")
    store.attrs.update(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "num_archs": NUM_ARCHS,
            "source_kind": table.source.kind,
            "source_path": table.source.path,
            "source_sha256": table.source.sha256,
            "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "import_notes": json.dumps(table.notes),
            "contents": json.dumps(contents),
        }
    )


class NB201Oracle:
    """Benchmark lookups by architecture: NB201Arch, arch string, official index, lists of those, or arrays.

    Arrays: an int array [n, 6] is op indices per architecture, a 1-D int array
    is official indices. A list or tuple is always several architectures (pass
    op indices as an NB201Arch or a 2-D array). A single architecture gives a
    float, several a new ndarray. Dataset, split and epochs are always explicit.
    """

    def __init__(
        self,
        path: Path,
        arch_ops: np.ndarray,
        accuracy: dict[tuple[str, str, int], np.ndarray],
        optima: dict[tuple[str, str, int], tuple[float, int]],
        params_mb: dict[str, np.ndarray],
        train_seconds: dict[tuple[str, int], np.ndarray],
        seeds: dict[tuple[str, int], np.ndarray],
        metadata: dict[str, Any],
    ):
        self.path = path
        self._arch_ops = arch_ops
        self._accuracy = accuracy
        self._optima = optima
        self._params_mb = params_mb
        self._train_seconds = train_seconds
        self._seeds = seeds
        self.metadata = metadata
        # ordinal (mixed-radix code of the ops) -> official index: one gather per lookup.
        self._index_of_ordinal = np.empty(NUM_ARCHS, dtype=np.int64)
        self._index_of_ordinal[ordinals(arch_ops)] = np.arange(NUM_ARCHS)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "NB201Oracle":
        path = Path(path)
        if not path.is_file():
            raise BenchmarkFileError(_missing_store_message(path))
        try:
            with h5py.File(path, "r") as store:
                return _read(cls, store, path)
        except (OSError, KeyError, ValueError, TypeError) as error:
            raise BenchmarkFileError(
                f"{path} is not a readable NAS-Bench-201 oracle store ({type(error).__name__}: {error}); it is "
                f"corrupt or not an HDF5 file. Rebuild it with {_import_hint(path)}"
            ) from None

    # -- lookups ---------------------------------------------------------------------------------

    def accuracy(self, archs: Archs, dataset: str, split: str, epochs: int):
        """Accuracy in percent (seed mean) of benchmark column (dataset, split) after `epochs` epochs."""
        return self._lookup(self._accuracy_column(dataset, split, epochs), archs)

    def paper_accuracy(self, archs: Archs, dataset: str, split: str, epochs: int):
        """Accuracy in the papers' terms: dataset in PAPER_DATASETS, split "valid" or "test"."""
        return self.accuracy(archs, *benchmark_column(dataset, split), epochs)

    def record_columns(self, arch: ArchLike) -> dict[str, Any]:
        """The oracle columns of a run record for `arch`: the seed papers' accuracy and regret table
        (spaces/nb201/paper_columns.py)."""
        return paper_columns(self, arch)

    def facts(self) -> list[str]:
        """What `harness list spaces` shows of the space beside its decisions: the optimum of each paper column."""
        from spaces.nb201.conventions import PAPER_DATASETS

        optima = [f"{dataset} {split} {self.optimum(*benchmark_column(dataset, split), 200)[0]:.2f}"
                  for dataset in PAPER_DATASETS for split in ("valid", "test")]
        return [f"{NUM_ARCHS:,} architectures; optima (200 epochs, %): " + ", ".join(optima)]

    def describe(self) -> dict[str, Any]:
        """What a run record scored by this store says about it."""
        return {"benchmark": "NAS-Bench-201", "store": str(self.path), "source_kind": self.metadata["source_kind"],
                "source_sha256": self.metadata["source_sha256"],
                "quantity": "accuracy in percent, mean over the benchmark's seeds (spaces/nb201/paper_columns.py)"}

    def optimum(self, dataset: str, split: str, epochs: int) -> tuple[float, int]:
        """(best accuracy, official index of the first architecture reaching it)."""
        key = self._accuracy_key(dataset, split, epochs)
        return self._optima[key]

    def regret(self, archs: Archs, dataset: str, split: str, epochs: int):
        best, _ = self.optimum(dataset, split, epochs)
        return best - self.accuracy(archs, dataset, split, epochs)

    def params_mb(self, archs: Archs, dataset: str):
        if dataset not in self._params_mb:
            self._reject(dataset, None, None, "params_mb", sorted(self._params_mb, key=BENCHMARK_DATASETS.index))
        return self._lookup(self._params_mb[dataset], archs)

    def train_seconds(self, archs: Archs, dataset: str, epochs: int):
        return self._lookup(self._budget_column(self._train_seconds, "train_seconds", dataset, epochs), archs)

    def seeds(self, archs: Archs, dataset: str, epochs: int):
        """Number of training seeds behind the means of (dataset, epochs)."""
        column = self._budget_column(self._seeds, "seeds", dataset, epochs)
        indices = self._resolve(archs)
        return int(column[indices]) if isinstance(indices, int) else column[indices].astype(np.int64)

    def index_of(self, arch: ArchLike) -> int:
        index = self._resolve(arch)
        if not isinstance(index, int):
            raise MalformedArchitecture(f"index_of takes one architecture, got {type(arch).__name__}")
        return index

    def arch_at(self, index: int) -> NB201Arch:
        return NB201Arch(tuple(int(op) for op in self._arch_ops[self._check_index(index)]))

    # -- what the store holds ----------------------------------------------------------------------

    def available(self) -> list[tuple[str, str, int]]:
        return sorted(self._accuracy, key=_column_order)

    def available_params(self) -> list[str]:
        return sorted(self._params_mb, key=BENCHMARK_DATASETS.index)

    def available_train_seconds(self) -> list[tuple[str, int]]:
        return sorted(self._train_seconds, key=_budget_order)

    def available_seeds(self) -> list[tuple[str, int]]:
        return sorted(self._seeds, key=_budget_order)

    @property
    def arch_ops(self) -> np.ndarray:
        """uint8 [15625, 6] op indices in official index order (a read-only view)."""
        view = self._arch_ops.view()
        view.flags.writeable = False
        return view

    def __repr__(self) -> str:
        return f"NB201Oracle({str(self.path)!r}, source={self.metadata['source_kind']}, {len(self._accuracy)} accuracy columns)"

    # -- internals ---------------------------------------------------------------------------------

    def _accuracy_key(self, dataset: str, split: str, epochs: int) -> tuple[str, str, int]:
        try:
            check_benchmark_column(dataset, split)
            key = (dataset, split, check_epochs(epochs))
        except ConfigError as error:
            raise ConfigError(f"{error}. {self._holdings()}") from None
        if key not in self._accuracy:
            self._reject(dataset, split, key[2], "accuracy", None)
        return key

    def _accuracy_column(self, dataset: str, split: str, epochs: int) -> np.ndarray:
        return self._accuracy[self._accuracy_key(dataset, split, epochs)]

    def _budget_column(self, columns: dict, kind: str, dataset: str, epochs: int) -> np.ndarray:
        try:
            key = (dataset, check_epochs(epochs))
        except ConfigError as error:
            raise ConfigError(f"{error}. {self._holdings()}") from None
        if key not in columns:
            self._reject(dataset, None, key[1], kind, [f"{d} {e}" for d, e in sorted(columns, key=_budget_order)])
        return columns[key]

    def _reject(self, dataset: str, split: str | None, epochs: int | None, kind: str, held: list[str] | None):
        if dataset not in BENCHMARK_SPLITS:
            raise ConfigError(f"unknown NAS-Bench-201 dataset {dataset!r}; datasets are {', '.join(BENCHMARK_DATASETS)}")
        what = " ".join(str(part) for part in (dataset, split, epochs) if part is not None)
        listing = self._holdings() if held is None else f"It holds {kind} for: {', '.join(held) or 'nothing'}."
        raise UnavailableQuantity(
            f"the oracle store {self.path} has no {kind} for {what}: its source ({self.metadata['source_kind']}, "
            f"{self.metadata['source_path']}) does not record it. {listing}"
        )

    def _holdings(self) -> str:
        return f"The store {self.path} holds accuracy for: " + ", ".join(f"{d} {s} {e}" for d, s, e in self.available())

    def _lookup(self, column: np.ndarray, archs: Archs):
        indices = self._resolve(archs)
        return float(column[indices]) if isinstance(indices, int) else column[indices]

    def _resolve(self, archs: Archs) -> int | np.ndarray:
        """Official index (one architecture) or int64 array of them (several)."""
        if isinstance(archs, np.ndarray):
            return self._resolve_array(archs)
        if isinstance(archs, (list, tuple)):
            return np.fromiter((self._resolve_one(arch) for arch in archs), dtype=np.int64, count=len(archs))
        return self._resolve_one(archs)

    def _resolve_one(self, arch: ArchLike) -> int:
        if isinstance(arch, NB201Arch):
            return int(self._index_of_ordinal[arch.ordinal])
        if isinstance(arch, str):
            return int(self._index_of_ordinal[NB201Arch(parse_ops(arch)).ordinal])
        if isinstance(arch, (int, np.integer)) and not isinstance(arch, (bool, np.bool_)):
            return self._check_index(int(arch))
        raise MalformedArchitecture(
            f"cannot read an NB201 architecture from {type(arch).__name__} {arch!r}; give an NB201Arch, an "
            f"architecture string, an official index 0..{NUM_ARCHS - 1}, or a list or int array of those"
        )

    def _resolve_array(self, array: np.ndarray) -> int | np.ndarray:
        if array.dtype.kind not in "iu":
            raise MalformedArchitecture(f"architecture arrays must hold integers, got dtype {array.dtype}")
        if array.ndim == 0:
            return self._check_index(int(array))
        if array.ndim == 1:
            bad = (array < 0) | (array >= NUM_ARCHS)
            if bad.any():
                self._check_index(int(array[bad][0]))
            return array.astype(np.int64, copy=False)
        if array.ndim == 2 and array.shape[1] == NUM_EDGES:
            bad = (array < 0) | (array >= len(OPS))
            if bad.any():
                row = int(np.flatnonzero(bad.any(axis=1))[0])
                raise MalformedArchitecture(
                    f"row {row} of the op-index array is {array[row].tolist()}; op indices are 0..{len(OPS) - 1}"
                )
            return self._index_of_ordinal[ordinals(array)]
        raise MalformedArchitecture(
            f"an architecture array is 1-D (official indices) or [n, {NUM_EDGES}] (op indices), got shape {array.shape}"
        )

    @staticmethod
    def _check_index(index: int) -> int:
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
            raise MalformedArchitecture(f"an architecture index is an integer, got {index!r}")
        if not 0 <= index < NUM_ARCHS:
            raise MalformedArchitecture(
                f"architecture index {index} is out of range: NAS-Bench-201 indices are 0..{NUM_ARCHS - 1}"
            )
        return int(index)


def _column_order(key: tuple[str, str, int]) -> tuple[int, int, int]:
    dataset, split, epochs = key
    return BENCHMARK_DATASETS.index(dataset), EPOCH_BUDGETS.index(epochs), BENCHMARK_SPLITS[dataset].index(split)


def _budget_order(key: tuple[str, int]) -> tuple[int, int]:
    return BENCHMARK_DATASETS.index(key[0]), EPOCH_BUDGETS.index(key[1])


# -- reading ---------------------------------------------------------------------------------------


def _missing_store_message(path: Path) -> str:
    return (
        f"no NAS-Bench-201 oracle store at {path}. Build it with {_import_hint(path)}, "
        f"where PATH is the NAS-Bench-201 CSV dump (.csv/.csv.gz), a NATS-tss-v1_0-3ffb9-simple directory or "
        f"an official NAS-Bench-201-v1_*.pth file (see data/README.md)"
    )


def _import_hint(path: Path) -> str:
    """The import command that (re)builds this very file: with --data-dir D when it sits at D/benchmarks/nb201.h5."""
    if path.name == "nb201.h5" and path.parent.name == "benchmarks":
        return f"`{IMPORT_COMMAND} --data-dir {path.parent.parent}`"
    return f"`{IMPORT_COMMAND}` (it writes <data-dir>/benchmarks/nb201.h5; this store is at {path})"


def _damaged(path: Path, problem: str) -> BenchmarkFileError:
    return BenchmarkFileError(
        f"{path} is not a complete NAS-Bench-201 oracle store: {problem}. Rebuild it with {_import_hint(path)}"
    )


def _read(cls, store: h5py.File, path: Path) -> NB201Oracle:
    attrs = dict(store.attrs)
    if attrs.get("format") != FORMAT:
        raise _damaged(path, f"its format attribute is {attrs.get('format')!r}, expected {FORMAT!r}")
    version = int(attrs.get("format_version", -1))
    if version != FORMAT_VERSION:
        newer = " (written by a newer dnas-harness: upgrade, or rebuild it)" if version > FORMAT_VERSION else ""
        raise _damaged(path, f"format version {version}, this harness reads version {FORMAT_VERSION}{newer}")
    missing_attrs = [k for k in ("num_archs", "source_kind", "source_path", "source_sha256", "created_utc", "contents") if k not in attrs]
    if missing_attrs:
        raise _damaged(path, f"missing attributes {', '.join(missing_attrs)}")
    if int(attrs["num_archs"]) != NUM_ARCHS:
        raise _damaged(path, f"num_archs is {attrs['num_archs']}, expected {NUM_ARCHS}")
    # Every array the writer wrote is listed here, so a store that lost one is caught as partial.
    contents = json.loads(attrs["contents"])

    arch_ops = _array(store, "arch_ops", path, (NUM_ARCHS, NUM_EDGES), "iu").astype(np.uint8)
    if arch_ops.max() >= len(OPS) or not np.all(np.bincount(ordinals(arch_ops), minlength=NUM_ARCHS) == 1):
        raise _damaged(path, "arch_ops does not list every architecture exactly once")

    accuracy, optima = {}, {}
    for name in contents:
        parts = name.split("/")
        if parts[0] != "accuracy":
            continue
        key = _parse_key(parts, path, with_split=True)
        values = _array(store, name, path, (NUM_ARCHS,), "f")
        best_index = int(np.argmax(values))
        column_attrs = store[name].attrs
        try:
            recorded = (float(column_attrs["optimum"]), int(column_attrs["optimum_index"]))
        except KeyError:
            raise _damaged(path, f"{name} lacks its optimum attributes") from None
        if recorded != (float(values[best_index]), best_index):
            raise _damaged(path, f"{name}: the recorded optimum {recorded} disagrees with the data")
        accuracy[key], optima[key] = values, recorded
    if not accuracy:
        raise _damaged(path, "it holds no accuracy columns")
    params_mb = {
        _parse_key(name.split("/"), path)[0]: _array(store, name, path, (NUM_ARCHS,), "f")
        for name in contents
        if name.startswith("params_mb/")
    }
    budgets = {"train_seconds": {}, "seeds": {}}
    for name in contents:
        kind = name.split("/")[0]
        if kind in budgets:
            budgets[kind][_parse_key(name.split("/"), path)] = _array(
                store, name, path, (NUM_ARCHS,), "f" if kind == "train_seconds" else "iu"
            )
    metadata = {
        "path": str(path),
        "format": FORMAT,
        "format_version": version,
        "num_archs": NUM_ARCHS,
        "source_kind": str(attrs["source_kind"]),
        "source_path": str(attrs["source_path"]),
        "source_sha256": str(attrs["source_sha256"]),
        "created_utc": str(attrs["created_utc"]),
        "import_notes": json.loads(attrs.get("import_notes", "[]")),
    }
    return cls(path, arch_ops, accuracy, optima, params_mb, budgets["train_seconds"], budgets["seeds"], metadata)


def _array(store: h5py.File, name: str, path: Path, shape: tuple[int, ...], kinds: str) -> np.ndarray:
    node = store.get(name)
    if not isinstance(node, h5py.Dataset):
        raise _damaged(path, f"it lacks the array {name}")
    if node.shape != shape or node.dtype.kind not in kinds:
        raise _damaged(path, f"{name} has shape {node.shape} and dtype {node.dtype}, expected shape {shape}")
    values = node[()]
    if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
        raise _damaged(path, f"{name} has non-finite values")
    return values


def _parse_key(parts: list[str], path: Path, with_split: bool = False) -> tuple:
    """("accuracy", d, s, "200") -> (d, s, 200); ("params_mb", d) -> (d,); (kind, d, "200") -> (d, 200)."""
    name = "/".join(parts)
    expected = 4 if with_split else (2 if parts[0] == "params_mb" else 3)
    if len(parts) != expected or parts[1] not in BENCHMARK_SPLITS:
        raise _damaged(path, f"unexpected entry {name}")
    if with_split and parts[2] not in BENCHMARK_SPLITS[parts[1]]:
        raise _damaged(path, f"unexpected entry {name}")
    if expected == 2:
        return (parts[1],)
    epochs = parts[-1]
    if not epochs.isdigit() or int(epochs) not in EPOCH_BUDGETS:
        raise _damaged(path, f"unexpected epoch budget in {name}")
    return (*parts[1:-1], int(epochs))
