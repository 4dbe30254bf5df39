"""Import the official NAS-Bench-101 TFRecord (nasbench_only108.tfrecord or nasbench_full.tfrecord).

Each record is UTF-8 JSON `[module_hash, epochs, raw_adjacency, raw_operations, raw_metrics]`
(nasbench/api.py `NASBench.__init__`): `raw_adjacency` the V*V row-major 0/1
digits, `raw_operations` the comma-separated labels, `raw_metrics` a base64
ModelMetrics protobuf (metrics_proto.py). One record is one training run;
each (cell, epochs) has `num_repeats` = 3 of them (nasbench/lib/config.py).
As in api.py, `evaluation_data[2]` is the end of training (0 = initialisation,
1 = halfway) and `trainable_parameters` is taken from the cell's first record.

The store gets, per epoch budget in the file, the mean over repeats and
every repeat of the final train/validation/test accuracy and training time.
"""

from __future__ import annotations

import base64
import binascii
import json
from array import array
from pathlib import Path

import numpy as np

from spaces.errors import BenchmarkFileError
from spaces.nb101.cell import NB101Cell, hash_module
from spaces.nb101.metrics_proto import ProtobufError, parse_model_metrics
from spaces.nb101.table import (
    EPOCH_BUDGETS,
    NUM_CELLS,
    Column,
    ColumnKey,
    NB101Table,
    Progress,
    SourceInfo,
    encode_cell,
    no_progress,
    pack_hashes,
    universe,
)
from spaces.nb101.tfrecord import read_records
from spaces.nb201.importers.provenance import sha256_file

FINAL_EVALUATION = 2  # nasbench/api.py: evaluation_data[2] is the end of training
HASH_CHECK_STRIDE = 997  # harness choice: re-hash every 997th new cell (and the first 100) to catch foreign files
_QUANTITIES = (("accuracy", "train", "train_accuracy"), ("accuracy", "valid", "validation_accuracy"),
               ("accuracy", "test", "test_accuracy"), ("train_seconds", None, "training_time"))


def import_tfrecord(
    path: Path, progress: Progress = no_progress, expected_cells: int | None = NUM_CELLS
) -> NB101Table:
    path = Path(path)
    sha256 = sha256_file(path) if path.is_file() else ""
    cell_of: dict[str, int] = {}
    hex_hashes: list[str] = []
    codes: list[int] = []
    params: list[int] = []
    run_cell, run_epochs = array("q"), array("q")
    run_values = {name: array("d") for *_, name in _QUANTITIES}
    for number, data in progress(read_records(path), expected_cells * 3 if expected_cells else 0, "NAS-Bench-101 records"):
        module_hash, epochs, raw_adjacency, raw_operations, metrics = _decode(path, number, data)
        index = cell_of.get(module_hash)
        if index is None:
            index = cell_of[module_hash] = len(hex_hashes)
            pruned = _cell(path, number, raw_adjacency, raw_operations)
            labels = pruned.labels()
            if index < 100 or index % HASH_CHECK_STRIDE == 0:
                found = hash_module(pruned.matrix, labels)
                if found != module_hash:
                    raise _bad(path, number, f"its cell hashes to {found}, not to its module hash {module_hash}")
            hex_hashes.append(module_hash)
            codes.append(encode_cell(pruned.matrix, labels[1:-1]))
            if metrics.trainable_parameters is None:
                raise _bad(path, number, "its metrics have no trainable_parameters")
            params.append(metrics.trainable_parameters)
        if len(metrics.evaluation_data) <= FINAL_EVALUATION:
            raise _bad(path, number, f"its metrics have {len(metrics.evaluation_data)} evaluations, expected 3 (start, halfway, end)")
        final = metrics.evaluation_data[FINAL_EVALUATION]
        for _, _, name in _QUANTITIES:
            value = getattr(final, name)
            if value is None:
                raise _bad(path, number, f"its final evaluation has no {name}")
            run_values[name].append(value)
        run_cell.append(index)
        run_epochs.append(epochs)
    if not hex_hashes:
        raise BenchmarkFileError(f"{path}: holds no records; is it a NAS-Bench-101 TFRecord file?")
    return _table(path, sha256, hex_hashes, codes, params, run_cell, run_epochs, run_values, expected_cells)


def _decode(path: Path, number: int, data: bytes):
    try:
        module_hash, epochs, raw_adjacency, raw_operations, raw_metrics = json.loads(data.decode("utf-8"))
        metrics = parse_model_metrics(base64.b64decode(raw_metrics, validate=True))
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError, TypeError, binascii.Error, ProtobufError) as error:
        raise _bad(path, number, f"not a NAS-Bench-101 record ({type(error).__name__}: {error})") from None
    if not isinstance(epochs, int) or epochs not in EPOCH_BUDGETS:
        raise _bad(path, number, f"epochs is {epochs!r}; NAS-Bench-101 budgets are {EPOCH_BUDGETS}")
    if not isinstance(module_hash, str):
        raise _bad(path, number, f"module hash {module_hash!r} is not a string")
    return module_hash, epochs, raw_adjacency, raw_operations, metrics


def _cell(path: Path, number: int, raw_adjacency, raw_operations) -> NB101Cell:
    """The pruned cell of a record (built once per new cell: it is the slow part)."""
    try:
        size = int(round(len(raw_adjacency) ** 0.5))
        if size * size != len(raw_adjacency) or set(raw_adjacency) - {"0", "1"}:
            raise ValueError(f"raw_adjacency {raw_adjacency!r} is not a square 0/1 matrix")
        matrix = [[int(raw_adjacency[size * i + j]) for j in range(size)] for i in range(size)]
        return NB101Cell(matrix, tuple(raw_operations.split(","))).in_space()
    except (ValueError, TypeError, AttributeError) as error:
        raise _bad(path, number, f"its cell is not a NAS-Bench-101 cell ({error})") from None


def _table(path, sha256, hex_hashes, codes, params, run_cell, run_epochs, run_values, expected_cells) -> NB101Table:
    order = np.argsort(np.array(hex_hashes))  # ascending module hash = row order
    row_of_cell = np.empty(len(order), dtype=np.int64)
    row_of_cell[order] = np.arange(len(order))
    run_rows = row_of_cell[np.frombuffer(run_cell, dtype=np.int64)]
    run_epochs = np.frombuffer(run_epochs, dtype=np.int64)
    values = {name: np.frombuffer(column, dtype=np.float64) for name, column in run_values.items()}
    n = len(order)
    columns, notes = {}, []
    file_order = np.all(order == np.arange(n))
    notes.append(
        "records list the cells in ascending module-hash order" if file_order
        else "records do not list the cells in ascending module-hash order; rows are sorted by hash"
    )
    budgets = sorted(set(run_epochs.tolist()))
    for epochs in budgets:
        at = np.flatnonzero(run_epochs == epochs)
        runs = np.bincount(run_rows[at], minlength=n)
        if runs.min() == 0:
            missing = hex_hashes[int(order[int(np.flatnonzero(runs == 0)[0])])]
            raise BenchmarkFileError(f"{path}: {int((runs == 0).sum())} cells have no {epochs}-epoch run (e.g. {missing})")
        if runs.min() != runs.max():
            odd = hex_hashes[int(order[int(np.flatnonzero(runs != runs.max())[0])])]
            raise BenchmarkFileError(
                f"{path}: cells have between {runs.min()} and {runs.max()} {epochs}-epoch repeats (e.g. {odd}); "
                f"every cell needs the same number"
            )
        repeats = int(runs[0])
        # stable sort by row keeps each cell's repeats in file order
        by_row = at[np.argsort(run_rows[at], kind="stable")]
        for quantity, split, name in _QUANTITIES:
            per_repeat = values[name][by_row].reshape(n, repeats)
            columns[ColumnKey(quantity, split, epochs, "repeats")] = Column(per_repeat)
            columns[ColumnKey(quantity, split, epochs, "mean")] = Column(per_repeat.mean(axis=1))
        notes.append(f"{epochs} epochs: {repeats} repeats per cell, final evaluation (evaluation_data[2])")
    absent = {
        key: f"the TFRecord source has no {key.epochs}-epoch runs (nasbench_only108.tfrecord has only 108; "
        f"nasbench_full.tfrecord has 4, 12, 36 and 108)"
        for key in universe()
        if key not in columns
    }
    table = NB101Table(
        hashes=pack_hashes([hex_hashes[i] for i in order], str(path)),
        cell_codes=np.array(codes, dtype=np.uint64)[order],
        params=np.array(params, dtype=np.int64)[order],
        columns=columns,
        absent=absent,
        source=SourceInfo(kind="tfrecord", path=str(path.resolve()), sha256=sha256),
        notes=notes,
    )
    table.validate(expected_cells)
    return table


def _bad(path: Path, number: int, problem: str) -> BenchmarkFileError:
    return BenchmarkFileError(f"{path}: record {number}: {problem}")
