"""Import the NAS-Bench-201 CSV dump (one row per architecture, official index order).

Columns (see ../shared/data/README.md): `index`, `arch`, then
`<dataset>.<valid|test|ori-test>.<epochs>` accuracies, `<dataset>.params_mb`,
`<dataset>.train_seconds.<epochs>` and `<dataset>.seeds.<epochs>`. The dump
names splits the way the papers do ("valid"/"test"); `_CSV_SPLITS` maps them to
the benchmark's own names. Columns it does not know are skipped with a note.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from pathlib import Path

import numpy as np

from spaces.errors import BenchmarkFileError
from spaces.nb201.conventions import BENCHMARK_SPLITS, EPOCH_BUDGETS
from spaces.nb201.encoding import NUM_ARCHS, ordinals
from spaces.nb201.importers.provenance import sha256_bytes
from spaces.nb201.importers.table import ImportedTable, SourceInfo, parse_arch_list

# (dataset, the dump's split word) -> benchmark split. cifar10-valid "test" is
# ori-test (the only test set of that training); cifar100/ImageNet16-120 "test"
# is x-test, the papers' test half, and "ori-test" is the whole test set.
_CSV_SPLITS: dict[tuple[str, str], str] = {
    ("cifar10-valid", "valid"): "x-valid",
    ("cifar10-valid", "test"): "ori-test",
    ("cifar10", "test"): "ori-test",
    ("cifar100", "valid"): "x-valid",
    ("cifar100", "test"): "x-test",
    ("cifar100", "ori-test"): "ori-test",
    ("ImageNet16-120", "valid"): "x-valid",
    ("ImageNet16-120", "test"): "x-test",
    ("ImageNet16-120", "ori-test"): "ori-test",
}
_GZIP_MAGIC = b"\x1f\x8b"


def import_csv_dump(path: Path) -> ImportedTable:
    path = Path(path)
    raw = _read_bytes(path)
    header, rows = _parse_rows(_decompress(raw, path), path)
    for required in ("index", "arch"):
        if required not in header:
            raise BenchmarkFileError(f"{path}: no {required!r} column; is this the NAS-Bench-201 CSV dump?")
    if len(rows) != NUM_ARCHS:
        raise BenchmarkFileError(
            f"{path}: has {len(rows)} data rows, expected {NUM_ARCHS} (one per NAS-Bench-201 architecture); "
            f"the file is truncated or not the full dump"
        )
    columns = {name: [row[i] for row in rows] for i, name in enumerate(header)}
    _check_index_column(columns["index"], path)
    arch_ops = parse_arch_list(columns["arch"], str(path), item="data row")
    _check_distinct(arch_ops, path)

    table = ImportedTable(
        arch_ops=arch_ops,
        accuracy={},
        params_mb={},
        train_seconds={},
        seeds={},
        source=SourceInfo(kind="csv", path=str(path.resolve()), sha256=sha256_bytes(raw)),  # of the file as given
    )
    for name in header:
        if name in ("index", "arch"):
            continue
        target = _classify(name)
        if target is None:
            table.notes.append(f"skipped column {name!r}: not a NAS-Bench-201 quantity this importer knows")
            continue
        values = _numbers(columns[name], name, path)
        if values is None:
            table.notes.append(f"skipped column {name!r}: some rows are empty")
            continue
        kind, key = target
        if kind == "seeds":
            if not np.all(values == np.round(values)):
                raise BenchmarkFileError(f"{path}: column {name!r} must hold whole numbers of seeds")
            values = values.astype(np.uint8)
        getattr(table, kind)[key] = values
    table.validate()
    return table


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise BenchmarkFileError(f"cannot read {path}: {error.strerror or error}") from None


def _decompress(data: bytes, path: Path) -> bytes:
    """Gzip is recognised by its magic bytes, so a .csv.gz that is really plain text still imports."""
    if data[:2] != _GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise BenchmarkFileError(
            f"{path}: the gzip data is corrupt or truncated ({error}); download the CSV dump again"
        ) from None


def _parse_rows(raw: bytes, path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BenchmarkFileError(f"{path}: not a UTF-8 text CSV file") from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
        if not header:
            raise BenchmarkFileError(f"{path}: the file is empty")
        rows = []
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise BenchmarkFileError(
                    f"{path}: row {len(rows)} (line {reader.line_num}) has {len(row)} fields, the header has {len(header)}"
                )
            rows.append(row)
    except csv.Error as error:
        raise BenchmarkFileError(f"{path}: malformed CSV near line {reader.line_num}: {error}") from None
    return header, rows


def _check_index_column(cells: list[str], path: Path) -> None:
    for row, cell in enumerate(cells):
        if cell.strip() != str(row):
            raise BenchmarkFileError(
                f"{path}: row {row} (line {row + 2}) has index {cell!r}, expected {row}; the dump must list "
                f"architectures in the official index order 0..{NUM_ARCHS - 1}"
            )


def _check_distinct(arch_ops: np.ndarray, path: Path) -> None:
    codes = ordinals(arch_ops)
    _, first_rows, counts = np.unique(codes, return_index=True, return_counts=True)
    if (counts > 1).any():
        code = codes[first_rows[counts > 1][0]]
        rows = np.flatnonzero(codes == code)
        raise BenchmarkFileError(f"{path}: rows {rows[0]} and {rows[1]} hold the same architecture")


def _classify(name: str):
    """(ImportedTable attribute, key) for a column name, or None when it is not one we know."""
    parts = name.split(".")
    if len(parts) == 2 and parts[1] == "params_mb" and parts[0] in BENCHMARK_SPLITS:
        return "params_mb", parts[0]
    if len(parts) != 3 or not parts[2].isdigit() or int(parts[2]) not in EPOCH_BUDGETS:
        return None
    dataset, quantity, epochs = parts[0], parts[1], int(parts[2])
    if dataset not in BENCHMARK_SPLITS:
        return None
    if quantity == "train_seconds":
        return "train_seconds", (dataset, epochs)
    if quantity == "seeds":
        return "seeds", (dataset, epochs)
    split = _CSV_SPLITS.get((dataset, quantity))
    return None if split is None else ("accuracy", (dataset, split, epochs))


def _numbers(cells: list[str], name: str, path: Path) -> np.ndarray | None:
    """float64 values of a column; None when some cells are empty (the column is then skipped)."""
    if any(not cell.strip() for cell in cells):
        return None
    try:
        return np.asarray(cells, dtype=np.float64)
    except ValueError:
        for row, cell in enumerate(cells):
            try:
                float(cell)
            except ValueError:
                raise BenchmarkFileError(
                    f"{path}: row {row} (line {row + 2}), column {name!r}: {cell!r} is not a number"
                ) from None
        raise
