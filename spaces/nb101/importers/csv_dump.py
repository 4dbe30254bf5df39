"""Import the NB101 CSV dump (../shared/data/nb101/nb101-108.csv.gz; its README section is the spec).

One row per cell in ascending `module_hash` order. What it has: mean test
accuracy after 108 epochs and `params` for every cell; validation accuracy
after 4/12/36/108 epochs and the 108-epoch training time of ONE repeat for
30,001 cells. So the store gets `accuracy test 108 mean` (all cells) and
single-repeat columns covering only those cells; mean validation accuracy is
absent, and says so.

Rows give the cell as a 7x7 matrix padded before the output with `null`
vertices; those are dropped to get the pruned cell. A sample of rows is
re-hashed at import (NB101's hash_module) so a dump with other label
conventions is caught; the full check is in the tests.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from pathlib import Path

import numpy as np

from spaces.errors import BenchmarkFileError
from spaces.nb101.cell import INPUT, LABELS, OPS, OUTPUT, hash_module
from spaces.nb101.table import NUM_CELLS, Column, ColumnKey, NB101Table, SourceInfo, decode_cell, pack_hashes, universe
from spaces.nb201.importers.provenance import sha256_bytes

REQUIRED = ("nb101_index", "module_hash", "num_vertices", "num_edges", "matrix", "ops", "test_acc_108_mean", "params")
SINGLE_REPEAT = {
    "valid_acc_108_1rep": ColumnKey("accuracy", "valid", 108, "single-repeat"),
    "valid_acc_36_1rep": ColumnKey("accuracy", "valid", 36, "single-repeat"),
    "valid_acc_12_1rep": ColumnKey("accuracy", "valid", 12, "single-repeat"),
    "valid_acc_4_1rep": ColumnKey("accuracy", "valid", 4, "single-repeat"),
    "train_time_108_1rep": ColumnKey("train_seconds", None, 108, "single-repeat"),
}
HASH_CHECK_STRIDE = 211  # harness choice: ~2,000 rows re-hashed at import (well under a second)
_GZIP_MAGIC = b"\x1f\x8b"
_LABEL = {op: label for label, op in enumerate(OPS)}


def import_csv_dump(path: Path, expected_cells: int | None = NUM_CELLS) -> NB101Table:
    path = Path(path)
    raw = _read_bytes(path)
    header, rows = _parse(_decompress(raw, path), path)
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise BenchmarkFileError(f"{path}: no {missing[0]!r} column; is this the NAS-Bench-101 CSV dump (nb101-108.csv.gz)?")
    col = {name: header.index(name) for name in header}
    n = len(rows)
    for index, row in enumerate(rows):
        if row[col["nb101_index"]] != str(index):
            raise BenchmarkFileError(
                f"{path}: row {index} (line {index + 2}) has nb101_index {row[col['nb101_index']]!r}, expected {index}"
            )
    hashes = pack_hashes([row[col["module_hash"]] for row in rows], str(path))
    cell_codes = _cell_codes(rows, col, path)
    for index in range(0, n, HASH_CHECK_STRIDE):
        matrix, ops = decode_cell(int(cell_codes[index]))
        found = hash_module(matrix, [-1, *(_LABEL[op] for op in ops[1:-1]), -2])
        if found != rows[index][col["module_hash"]]:
            raise BenchmarkFileError(
                f"{path}: row {index}: its matrix/ops hash to {found} with NAS-Bench-101's hash_module, not to its "
                f"module_hash {rows[index][col['module_hash']]}; the dump uses other conventions"
            )
    columns = {ColumnKey("accuracy", "test", 108, "mean"): Column(_floats(rows, col, "test_acc_108_mean", path))}
    notes = []
    for name, key in SINGLE_REPEAT.items():
        if name not in col:
            notes.append(f"the CSV has no {name} column")
            continue
        present = np.array([bool(row[col[name]].strip()) for row in rows])
        covered = np.flatnonzero(present)
        columns[key] = Column(_floats([rows[i] for i in covered], col, name, path, first_rows=covered), rows=covered)
    notes.append(f"module hashes of every {HASH_CHECK_STRIDE}th row re-computed from matrix/ops: all match")
    single = columns.get(SINGLE_REPEAT["valid_acc_108_1rep"])
    covered_text = f"{single.coverage(n):,} cells" if single is not None else "no cells"
    table = NB101Table(
        hashes=hashes,
        cell_codes=cell_codes,
        params=_ints(rows, col, "params", path),
        columns=columns,
        absent={key: _absent_reason(key, covered_text) for key in universe() if key not in columns},
        source=SourceInfo(kind="csv", path=str(path.resolve()), sha256=sha256_bytes(raw)),
        notes=notes,
    )
    table.validate(expected_cells)
    return table


def _absent_reason(key: ColumnKey, covered: str) -> str:
    if key.statistic == "repeats":
        return "the CSV source has no per-repeat values; import the official nasbench_only108.tfrecord for them"
    if key.quantity == "train_seconds":
        return f"the CSV source has no mean training time; it has one repeat's 108-epoch training time for {covered}"
    if key.split == "valid":
        return (
            f"the CSV source has no mean validation accuracy; it has a single repeat (statistic 'single-repeat') "
            f"for {covered}"
        )
    if key.split == "train":
        return "the CSV source has no training accuracy"
    return "the CSV source has test accuracy only after 108 epochs (the mean over the 3 repeats)"


def _cell_codes(rows: list[list[str]], col: dict[str, int], path: Path) -> np.ndarray:
    """encode_cell codes of every row's pruned cell (padded `null` vertices dropped), checked, vectorised."""
    n = len(rows)
    matrices = [row[col["matrix"]] for row in rows]
    ops = [row[col["ops"]].split(",") for row in rows]
    bad = next((i for i, (m, o) in enumerate(zip(matrices, ops)) if len(m) != 49 or len(o) != 7), None)
    if bad is not None:
        raise BenchmarkFileError(f"{path}: row {bad}: matrix must be 49 0/1 digits and ops 7 labels")
    bits = np.frombuffer("".join(matrices).encode("ascii", errors="replace"), dtype=np.uint8).reshape(n, 7, 7) - ord("0")
    codes_of = {op: code for code, op in enumerate((*LABELS, "null"))}  # input 0, NB101 ops 1..3, output 4, null 5
    try:
        labels = np.array([[codes_of[op] for op in row] for row in ops], dtype=np.int64)
    except KeyError as error:
        first = next(i for i, row in enumerate(ops) if set(row) - set(codes_of))
        raise BenchmarkFileError(f"{path}: row {first}: unknown op {error.args[0]!r}") from None
    keep = labels != codes_of["null"]
    rank = np.cumsum(keep, axis=1) - 1
    size = keep.sum(axis=1)
    problems = {
        "matrix digits are not all 0/1": np.any(bits > 1, axis=(1, 2)),
        "the matrix has edges below the diagonal": np.any(np.tril(np.ones((7, 7), dtype=bool)) & (bits == 1), axis=(1, 2)),
        "the matrix has edges at padded (null) vertices": np.any((bits == 1) & ~(keep[:, :, None] & keep[:, None, :]), axis=(1, 2)),
        "the first vertex is not input": labels[:, 0] != codes_of[INPUT],
        "the last vertex is not output": labels[:, 6] != codes_of[OUTPUT],
        "an interior vertex is input or output": np.any(keep[:, 1:6] & ((labels[:, 1:6] == 0) | (labels[:, 1:6] == 4)), axis=1),
        "num_vertices disagrees with ops": size != np.array([row[col["num_vertices"]] for row in rows], dtype=np.int64),
        "num_edges disagrees with matrix": bits.sum(axis=(1, 2)) != np.array([row[col["num_edges"]] for row in rows], dtype=np.int64),
    }
    for problem, mask in problems.items():
        if mask.any():
            raise BenchmarkFileError(f"{path}: row {int(np.flatnonzero(mask)[0])}: {problem}")
    codes = size.astype(np.uint64)
    for j in range(7):
        for i in range(j):
            edge = bits[:, i, j].astype(np.uint64)
            bit = (3 + rank[:, i] + rank[:, j] * (rank[:, j] - 1) // 2).astype(np.uint64)
            codes |= edge << np.where(edge == 1, bit, 0).astype(np.uint64)
    for v in range(1, 6):
        interior = keep[:, v].astype(np.uint64)
        label = np.where(keep[:, v], labels[:, v] - 1, 0).astype(np.uint64)  # NB101 hash label 0..2
        shift = np.where(keep[:, v], 24 + 2 * (rank[:, v] - 1), 0).astype(np.uint64)
        codes |= (label * interior) << shift
    return codes


def _floats(rows, col, name: str, path: Path, first_rows=None) -> np.ndarray:
    try:
        return np.array([row[col[name]] for row in rows], dtype=np.float64)
    except ValueError:
        for position, row in enumerate(rows):
            try:
                float(row[col[name]])
            except ValueError:
                index = position if first_rows is None else int(first_rows[position])
                raise BenchmarkFileError(f"{path}: row {index}, column {name!r}: {row[col[name]]!r} is not a number") from None
        raise


def _ints(rows, col, name: str, path: Path) -> np.ndarray:
    values = _floats(rows, col, name, path)
    if not np.all(values == np.round(values)) or np.any(values < 0):
        raise BenchmarkFileError(f"{path}: column {name!r} must hold non-negative whole numbers")
    return values.astype(np.int64)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise BenchmarkFileError(f"cannot read {path}: {error.strerror or error}") from None


def _decompress(data: bytes, path: Path) -> bytes:
    if data[:2] != _GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise BenchmarkFileError(f"{path}: the gzip data is corrupt or truncated ({error}); copy the CSV dump again") from None


def _parse(raw: bytes, path: Path) -> tuple[list[str], list[list[str]]]:
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
