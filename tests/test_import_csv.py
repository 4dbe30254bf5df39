"""The CSV-dump importer: the column mapping, and a clear error (with the row) for every way a dump can be wrong."""

from __future__ import annotations

import csv
import gzip
import hashlib
from functools import lru_cache

import numpy as np
import pytest

from spaces.errors import BenchmarkFileError
from spaces.nb201.encoding import NUM_ARCHS
from spaces.nb201.importers.csv_dump import import_csv_dump
from tests.oracle_helpers import CSV_ACCURACY_COLUMNS, synthetic_arch_strings

HEADER = ["index", "arch", "cifar10-valid.valid.200", "cifar10.test.200", "cifar100.ori-test.200",
          "cifar10-valid.seeds.200", "cifar10.params_mb", "cifar100.train_seconds.200", "mystery.column.200"]


def synthetic_rows() -> list[list[str]]:
    """A fresh, mutable copy of a valid dump's rows."""
    return [list(row) for row in _synthetic_rows()]


@lru_cache(maxsize=1)
def _synthetic_rows() -> tuple[tuple[str, ...], ...]:
    rng = np.random.default_rng(3)
    values = rng.uniform(10, 95, size=(NUM_ARCHS, 3)).round(6)
    return tuple(
        (str(i), arch, *(repr(float(v)) for v in values[i]), str(2 + i % 2), "0.5", "1234.5", "x")
        for i, arch in enumerate(synthetic_arch_strings())
    )


def write_csv(path, rows, header=HEADER, compress=False):
    opener = gzip.open if compress else open
    with opener(path, "wt", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def import_error(path) -> str:
    with pytest.raises(BenchmarkFileError) as caught:
        import_csv_dump(path)
    assert str(path) in str(caught.value)
    return str(caught.value)


def test_columns_are_mapped_to_benchmark_names(tmp_path):
    rows = synthetic_rows()
    table = import_csv_dump(write_csv(tmp_path / "dump.csv", rows))
    assert set(table.accuracy) == {("cifar10-valid", "x-valid", 200), ("cifar10", "ori-test", 200), ("cifar100", "ori-test", 200)}
    np.testing.assert_array_equal(table.accuracy[("cifar10", "ori-test", 200)], [float(r[3]) for r in rows])
    assert table.seeds[("cifar10-valid", 200)].tolist() == [2 + i % 2 for i in range(NUM_ARCHS)]
    assert set(table.params_mb) == {"cifar10"} and set(table.train_seconds) == {("cifar100", 200)}
    assert any("mystery.column.200" in note for note in table.notes)
    assert table.source.kind == "csv"
    assert table.source.sha256 == hashlib.sha256((tmp_path / "dump.csv").read_bytes()).hexdigest()


def test_gzipped_and_plain_give_the_same_table(tmp_path):
    rows = synthetic_rows()
    plain = import_csv_dump(write_csv(tmp_path / "dump.csv", rows))
    packed = import_csv_dump(write_csv(tmp_path / "dump.csv.gz", rows, compress=True))
    for key, values in plain.accuracy.items():
        np.testing.assert_array_equal(packed.accuracy[key], values)
    assert packed.source.sha256 != plain.source.sha256  # the digest is of the file as given


def test_missing_rows(tmp_path):
    assert "15624 data rows, expected 15625" in import_error(write_csv(tmp_path / "d.csv", synthetic_rows()[:-1]))


def test_index_out_of_order(tmp_path):
    rows = synthetic_rows()
    rows[5][0], rows[6][0] = rows[6][0], rows[5][0]
    assert "row 5 (line 7) has index '6'" in import_error(write_csv(tmp_path / "d.csv", rows))


def test_malformed_architecture_names_the_row(tmp_path):
    rows = synthetic_rows()
    rows[9][1] = "|nor_conv_3x3~0|+|bogus~0|none~1|+|none~0|none~1|none~2|"
    message = import_error(write_csv(tmp_path / "d.csv", rows))
    assert "row 9" in message and "bogus" in message


def test_duplicate_architectures_name_both_rows(tmp_path):
    rows = synthetic_rows()
    rows[8][1] = rows[3][1]
    assert "rows 3 and 8 hold the same architecture" in import_error(write_csv(tmp_path / "d.csv", rows))


def test_first_row_must_be_the_official_first_architecture(tmp_path):
    rows = synthetic_rows()
    rows[0][1], rows[1][1] = rows[1][1], rows[0][1]
    assert "official" in import_error(write_csv(tmp_path / "d.csv", rows))


def test_non_number_names_row_and_column(tmp_path):
    rows = synthetic_rows()
    rows[4][3] = "n/a"
    assert "row 4 (line 6), column 'cifar10.test.200': 'n/a' is not a number" in import_error(
        write_csv(tmp_path / "d.csv", rows))


def test_accuracy_outside_percent_range(tmp_path):
    rows = synthetic_rows()
    rows[4][3] = "0.93"  # fine: a (low) percentage
    rows[6][3] = "930"
    assert "index 6" in import_error(write_csv(tmp_path / "d.csv", rows))


def test_a_column_with_empty_cells_is_left_out_not_filled(tmp_path):
    rows = synthetic_rows()
    rows[100][4] = ""
    table = import_csv_dump(write_csv(tmp_path / "d.csv", rows))
    assert ("cifar100", "ori-test", 200) not in table.accuracy
    assert any("cifar100.ori-test.200" in note and "empty" in note for note in table.notes)


def test_ragged_row(tmp_path):
    rows = synthetic_rows()
    rows[2] = rows[2][:-2]
    assert "row 2" in import_error(write_csv(tmp_path / "d.csv", rows))


def test_missing_arch_column(tmp_path):
    rows = [row[:1] + row[2:] for row in synthetic_rows()]
    assert "'arch'" in import_error(write_csv(tmp_path / "d.csv", rows, header=HEADER[:1] + HEADER[2:]))


def test_truncated_gzip(tmp_path):
    path = write_csv(tmp_path / "d.csv.gz", synthetic_rows(), compress=True)
    path.write_bytes(path.read_bytes()[:5000])
    assert "gzip" in import_error(path)


@pytest.mark.shared_data
def test_real_dump_imports_every_documented_column(shared_nb201_csv):
    table = import_csv_dump(shared_nb201_csv)
    assert set(table.accuracy) == set(CSV_ACCURACY_COLUMNS.values())
    assert table.notes == []
