"""The NB101 store built from the shared CSV: published values, re-hashing, absent columns, errors."""

from __future__ import annotations

import time

import h5py
import numpy as np
import pytest

from conftest import require_shared
from fixtures.nb101_store import CSV_RELATIVE, build_store, csv_rows, load_oracle
from spaces.errors import BenchmarkFileError, ConfigError, MalformedArchitecture
from spaces.nb101.cell import NB101Cell
from spaces.nb101.importers import import_nb101
from spaces.nb101.oracle import MissingValue, NB101Oracle, UnavailableQuantity
from spaces.nb101.text import EXAMPLE

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def csv_path():
    return require_shared(CSV_RELATIVE)


@pytest.fixture(scope="module")
def oracle(csv_path, tmp_path_factory):
    return load_oracle(csv_path, tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def rows(csv_path):
    return csv_rows(csv_path)


def test_published_values(oracle):
    # NAS-Bench-101's best mean test accuracy and its cell (data/README.md, the published best)
    best, row = oracle.optimum("test", 108)
    assert best == 0.943175753 and oracle.hash_at(row) == "02e5a0247bbdcf2860b7e96f74961594"
    assert oracle.hash_at(0) == "00005c142e6f48ac74fdcf73e3439874"
    assert oracle.accuracy("00005c142e6f48ac74fdcf73e3439874", "test", 108) == 0.9206063151
    # the Inception-like cell of nasbench/api.py, looked up by matrix and ops
    matrix = [[0, 1, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 1, 0, 0],
              [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]]
    ops = ["input", "conv1x1-bn-relu", "conv3x3-bn-relu", "conv3x3-bn-relu", "conv3x3-bn-relu", "maxpool3x3", "output"]
    assert oracle.params(oracle.lookup(matrix, ops)) == 2_694_282
    assert oracle.params(EXAMPLE) == 2_694_282


def test_rehashing_csv_cells_gives_their_module_hash(rows):
    header, body = rows
    col = {name: i for i, name in enumerate(header)}
    rng = np.random.default_rng(101)
    for index in rng.choice(len(body), size=3000, replace=False):
        row = body[index]
        ops = row[col["ops"]].split(",")
        keep = [v for v, op in enumerate(ops) if op != "null"]
        matrix = [[int(row[col["matrix"]][7 * i + j]) for j in keep] for i in keep]
        assert NB101Cell(matrix, [ops[v] for v in keep]).module_hash() == row[col["module_hash"]], index


def test_store_agrees_with_the_csv_row_by_row(oracle, rows):
    header, body = rows
    col = {name: i for i, name in enumerate(header)}
    assert oracle.num_cells == len(body) == 423_624
    picks = np.random.default_rng(7).choice(len(body), size=500, replace=False)
    for index in picks:
        row = body[index]
        assert oracle.hash_at(int(index)) == row[col["module_hash"]]
        assert oracle.row_of(row[col["module_hash"]]) == index
        assert oracle.accuracy(int(index), "test", 108) == float(row[col["test_acc_108_mean"]])
        assert oracle.params(int(index)) == int(row[col["params"]])
        # the representative cell of the row hashes back to the row
        assert oracle.row_of(oracle.cell_at(int(index))) == index
    hashes = [body[i][col["module_hash"]] for i in picks]
    assert oracle.rows_of_hashes(hashes).tolist() == picks.tolist()


def test_single_repeat_columns_cover_exactly_the_csv_cells_that_have_them(oracle, rows):
    header, body = rows
    col = header.index("valid_acc_108_1rep")
    present = np.array([bool(row[col]) for row in body])
    assert present.sum() == 30_001
    covered = oracle.covered(np.arange(oracle.num_cells), "valid", 108, "single-repeat")
    assert np.array_equal(covered, present)
    first_missing = int(np.flatnonzero(~present)[0])
    assert oracle.accuracy(5, "valid", 108, "single-repeat") == float(body[5][col])
    with pytest.raises(MissingValue, match=f"30,001 of 423,624 cells.*row {first_missing}"):
        oracle.accuracy([5, first_missing], "valid", 108, "single-repeat")


def test_absent_columns_say_why(oracle):
    with pytest.raises(UnavailableQuantity, match="no mean validation accuracy; it has a single repeat .* for 30,001 cells"):
        oracle.accuracy(0, "valid", 108)
    with pytest.raises(UnavailableQuantity, match="no per-repeat values"):
        oracle.accuracy_repeats(0, "test", 108)
    with pytest.raises(UnavailableQuantity, match="test accuracy only after 108 epochs"):
        oracle.accuracy(0, "test", 36)
    listing = oracle.available()
    absent = {str(key): reason for key, reason in listing.absent}
    assert "accuracy valid 108 mean" in absent and "accuracy test 108 mean" not in absent
    present = {str(info.key): info for info in listing.present}
    assert present["accuracy test 108 mean"].complete
    assert present["accuracy valid 108 single-repeat"].covered == 30_001
    with pytest.raises(ConfigError, match="splits are train, valid, test"):
        oracle.accuracy(0, "validation", 108)
    with pytest.raises(ConfigError, match="no 200-epoch budget"):
        oracle.accuracy(0, "test", 200)


def test_lookup_errors(oracle):
    with pytest.raises(MalformedArchitecture, match="is not in NAS-Bench-101"):
        oracle.row_of("0" * 32)
    with pytest.raises(MalformedArchitecture, match="10 edges after pruning"):
        oracle.lookup(np.triu(np.ones((5, 5), dtype=int), 1), ["input"] + ["conv3x3-bn-relu"] * 3 + ["output"])
    with pytest.raises(MalformedArchitecture, match="out of range"):
        oracle.accuracy(423_624, "test", 108)


def test_load_is_fast_and_store_is_compact(csv_path, tmp_path_factory):
    store = build_store(csv_path, tmp_path_factory.getbasetemp())
    start = time.perf_counter()
    NB101Oracle.load(store)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"loading took {elapsed:.3f} s"  # generous bound: measured ~10 ms
    assert store.stat().st_size < 40e6


def test_damaged_stores_are_reported(csv_path, tmp_path_factory, tmp_path):
    import shutil

    source = build_store(csv_path, tmp_path_factory.getbasetemp())
    broken = tmp_path / "benchmarks" / "nb101.h5"
    broken.parent.mkdir()
    shutil.copy(source, broken)
    with h5py.File(broken, "r+") as store:
        del store["accuracy/test/108/mean/values"]
    with pytest.raises(BenchmarkFileError, match="lacks the array accuracy/test/108/mean/values.*--data-dir"):
        NB101Oracle.load(broken)
    broken.write_bytes(b"not hdf5")
    with pytest.raises(BenchmarkFileError, match="not a readable NAS-Bench-101 oracle store"):
        NB101Oracle.load(broken)
    with pytest.raises(BenchmarkFileError, match="no NAS-Bench-101 oracle store"):
        NB101Oracle.load(tmp_path / "missing.h5")


def test_truncated_csv_is_rejected(csv_path, tmp_path):
    import gzip

    lines = gzip.open(csv_path, "rt").read().splitlines()[:1001]
    short = tmp_path / "short.csv"
    short.write_text("\n".join(lines) + "\n")
    with pytest.raises(BenchmarkFileError, match="holds 1000 distinct cells, NAS-Bench-101 has 423624"):
        import_nb101(short)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines[:3] + [lines[3].replace("conv3x3-bn-relu", "conv5x5", 1)]) + "\n")
    with pytest.raises(BenchmarkFileError, match="row 2: unknown op 'conv5x5'"):
        import_nb101(bad, expected_cells=None)
