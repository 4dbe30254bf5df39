"""What every NB201 importer produces: one table in the official index order.

Importers that read per-architecture records (NATS-Bench directories, official
.pth files) feed them to a `TableBuilder`; it checks completeness and turns the
records into columns. A quantity is a column only when every architecture has
it: a column with holes would need a fill value, and the store has none (a
quantity that is not there is simply absent, and asking for it is an error).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from spaces.errors import BenchmarkFileError, MalformedArchitecture
from spaces.nb201.conventions import BENCHMARK_SPLITS, EPOCH_BUDGETS, OFFICIAL_ARCH_0
from spaces.nb201.encoding import NUM_ARCHS, NUM_EDGES, OPS, NB201Arch, ordinals, parse_ops

AccuracyKey = tuple[str, str, int]  # (benchmark dataset, benchmark split, epochs)
BudgetKey = tuple[str, int]  # (benchmark dataset, epochs)

T = TypeVar("T")
# progress(items, total, description) -> the same items; lets a CLI show a bar
# without the importers depending on one.
Progress = Callable[[Iterable[T], int, str], Iterable[T]]


def no_progress(items: Iterable[T], total: int, description: str) -> Iterable[T]:
    return items


@dataclass(frozen=True)
class SourceInfo:
    kind: str  # "csv", "nats-tss" or "nb201-pth"
    path: str
    sha256: str


@dataclass
class ArchRecord:
    """Everything one source says about one architecture (means over the training seeds)."""

    index: int
    arch: str
    accuracy: dict[AccuracyKey, float] = field(default_factory=dict)
    params_mb: dict[str, float] = field(default_factory=dict)
    train_seconds: dict[BudgetKey, float] = field(default_factory=dict)
    seeds: dict[BudgetKey, int] = field(default_factory=dict)


@dataclass
class ImportedTable:
    """All 15625 architectures: op indices in official order plus one array per quantity."""

    arch_ops: np.ndarray  # uint8 [NUM_ARCHS, NUM_EDGES], op indices in encoding.OPS order
    accuracy: dict[AccuracyKey, np.ndarray]  # float64 [NUM_ARCHS], percent
    params_mb: dict[str, np.ndarray]
    train_seconds: dict[BudgetKey, np.ndarray]
    seeds: dict[BudgetKey, np.ndarray]  # number of training seeds behind the means
    source: SourceInfo
    notes: list[str] = field(default_factory=list)  # what was skipped, and why

    def validate(self) -> None:
        """BenchmarkFileError (naming the source) unless the table can become a store."""
        where = self.source.path
        ops = np.asarray(self.arch_ops)
        if ops.shape != (NUM_ARCHS, NUM_EDGES) or ops.dtype.kind not in "iu":
            raise BenchmarkFileError(
                f"{where}: expected integer op indices of shape ({NUM_ARCHS}, {NUM_EDGES}), got {ops.dtype} {ops.shape}"
            )
        if ops.min() < 0 or ops.max() >= len(OPS):
            raise BenchmarkFileError(f"{where}: op indices outside 0..{len(OPS) - 1}")
        if len(np.unique(ordinals(ops))) != NUM_ARCHS:
            raise BenchmarkFileError(f"{where}: the architectures are not all distinct")
        if str(NB201Arch(tuple(int(o) for o in ops[0]))) != OFFICIAL_ARCH_0:
            raise BenchmarkFileError(
                f"{where}: architecture 0 is {NB201Arch(tuple(int(o) for o in ops[0]))}, not the official "
                f"{OFFICIAL_ARCH_0}; the source is not in the official NAS-Bench-201 index order"
            )
        for (dataset, split, epochs), values in self.accuracy.items():
            _check_key(where, dataset, epochs, split)
            _check_column(where, f"accuracy {dataset} {split} {epochs}", values, low=0.0, high=100.0)
        for dataset, values in self.params_mb.items():
            _check_key(where, dataset)
            _check_column(where, f"params_mb {dataset}", values, low=0.0)
        for (dataset, epochs), values in self.train_seconds.items():
            _check_key(where, dataset, epochs)
            _check_column(where, f"train_seconds {dataset} {epochs}", values, low=0.0)
        for (dataset, epochs), values in self.seeds.items():
            _check_key(where, dataset, epochs)
            _check_column(where, f"seeds {dataset} {epochs}", values, low=1.0)


def _check_key(where: str, dataset: str, epochs: int | None = None, split: str | None = None) -> None:
    if dataset not in BENCHMARK_SPLITS or (split is not None and split not in BENCHMARK_SPLITS[dataset]):
        raise BenchmarkFileError(f"{where}: unknown benchmark column {dataset} {split or ''}".rstrip())
    if epochs is not None and epochs not in EPOCH_BUDGETS:
        raise BenchmarkFileError(f"{where}: unknown epoch budget {epochs} for {dataset}")


def _check_column(where: str, name: str, values: np.ndarray, low: float, high: float = np.inf) -> None:
    values = np.asarray(values)
    if values.shape != (NUM_ARCHS,):
        raise BenchmarkFileError(f"{where}: {name} has shape {values.shape}, expected ({NUM_ARCHS},)")
    if not np.all(np.isfinite(values)):
        raise BenchmarkFileError(f"{where}: {name} has non-finite values (first at index {_first_bad(~np.isfinite(values))})")
    bad = (values < low) | (values > high)
    if bad.any():
        raise BenchmarkFileError(
            f"{where}: {name} = {values[bad][0]} at index {_first_bad(bad)} is outside [{low}, {high}]"
        )


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def require_complete(
    present: Collection[int],
    *,
    source: str,
    what: str,
    hint: str,
    name_of: Callable[[int], str] = str,
    total: int = NUM_ARCHS,
) -> None:
    """BenchmarkFileError unless `present` covers indices 0..total-1 (a store holds every architecture)."""
    missing = sorted(set(range(total)) - set(present))
    if missing:
        examples = ", ".join(name_of(i) for i in missing[:5]) + (", ..." if len(missing) > 5 else "")
        raise BenchmarkFileError(
            f"{source} holds {what} for {total - len(missing)} of {total} architectures; "
            f"{len(missing)} are missing ({examples}). An oracle store needs all of them: {hint}"
        )


def parse_arch_list(arch_strings: Sequence[str], source: str, item: str = "architecture") -> np.ndarray:
    """uint8 [n, 6] op indices of official arch strings; the error names the bad position ("row 5")."""
    ops = np.empty((len(arch_strings), NUM_EDGES), dtype=np.uint8)
    for index, text in enumerate(arch_strings):
        try:
            ops[index] = parse_ops(text)
        except MalformedArchitecture as error:
            raise BenchmarkFileError(f"{source}: {item} {index}: {error}") from None
    return ops


class TableBuilder:
    """Collects ArchRecords in any order; `finish` checks completeness and builds the columns."""

    def __init__(self, meta_archs: Sequence[str], source: str):
        if len(meta_archs) != NUM_ARCHS:
            raise BenchmarkFileError(
                f"{source}: lists {len(meta_archs)} architectures, NAS-Bench-201 has {NUM_ARCHS}"
            )
        self._source = source
        self._meta_archs = list(meta_archs)
        self._arch_ops = parse_arch_list(self._meta_archs, source)
        self._records: dict[int, ArchRecord] = {}

    def add(self, record: ArchRecord, origin: str | None = None) -> None:
        origin = origin or self._source
        if not 0 <= record.index < NUM_ARCHS:
            raise BenchmarkFileError(f"{origin}: architecture index {record.index} is outside 0..{NUM_ARCHS - 1}")
        if record.arch != self._meta_archs[record.index]:
            raise BenchmarkFileError(
                f"{origin}: architecture {record.index} is {record.arch}, but the benchmark's list "
                f"says {self._meta_archs[record.index]}; the files come from different benchmark versions"
            )
        if record.index in self._records:
            raise BenchmarkFileError(f"{origin}: architecture {record.index} appears twice")
        self._records[record.index] = record

    @property
    def indices(self) -> Collection[int]:
        return self._records.keys()

    def finish(self, source: SourceInfo, hint: str, name_of: Callable[[int], str] = str) -> ImportedTable:
        require_complete(self._records.keys(), source=self._source, what="results", hint=hint, name_of=name_of)
        records = [self._records[i] for i in range(NUM_ARCHS)]
        notes: list[str] = []
        table = ImportedTable(
            arch_ops=self._arch_ops,
            accuracy=_columns(records, "accuracy", np.float64, notes),
            params_mb=_columns(records, "params_mb", np.float64, notes),
            train_seconds=_columns(records, "train_seconds", np.float64, notes),
            seeds=_columns(records, "seeds", np.uint8, notes),
            source=source,
            notes=notes,
        )
        table.validate()
        return table


def _columns(records: list[ArchRecord], attribute: str, dtype, notes: list[str]) -> dict:
    keys = sorted({key for record in records for key in getattr(record, attribute)}, key=str)
    columns = {}
    for key in keys:
        values = [getattr(record, attribute).get(key) for record in records]
        have = sum(value is not None for value in values)
        if have < len(records):
            label = " ".join(str(part) for part in (key if isinstance(key, tuple) else (key,)))
            notes.append(f"skipped {attribute} {label}: the source has it for only {have} of {len(records)} architectures")
            continue
        columns[key] = np.asarray(values, dtype=dtype)
    return columns
