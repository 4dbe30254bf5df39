"""`harness data import nb101`, the 1Shot1 spaces' run-record columns and `harness query --space
nb1shot1-sN|nb101`, on the store imported from the shared NB101 CSV (read independently with csv)."""

from __future__ import annotations

import json
import shutil

import h5py
import numpy as np
import pytest

from conftest import require_shared
from fixtures.nb101_store import CSV_RELATIVE, csv_rows
from harness.cli import main
from spaces.nb1shot1.enumeration import arch_at
from spaces.registry import get_space

pytestmark = pytest.mark.shared_data

ARCHS = {
    "nb1shot1-s1": ["conv3x3~0|maxpool3x3~0,1|conv1x1~1,2|conv3x3~0,3|output~2,4",
                    "conv1x1~0|conv3x3~0,1|maxpool3x3~0,1|conv3x3~0,1|output~0,1"],
    "nb1shot1-s2": ["maxpool3x3~0|conv3x3~1|conv1x1~0,2|conv3x3~1,3|output~0,3,4"],
    "nb1shot1-s3": ["conv3x3~0|conv1x1~1|maxpool3x3~0|conv3x3~2,3|conv3x3~1,4|output~0,5"],
}
ROW_0 = "00005c142e6f48ac74fdcf73e3439874"  # ../shared/data/README.md: the first row of the CSV


@pytest.fixture(scope="module")
def csv_path():
    return require_shared(CSV_RELATIVE)


@pytest.fixture(scope="module")
def data_root(csv_path, tmp_path_factory):
    """A data directory whose NB101 store `harness data import nb101` wrote."""
    root = tmp_path_factory.mktemp("nb101-import")
    assert main(["data", "import", "nb101", "--from", str(csv_path), "--data-dir", str(root)]) == 0
    return root


@pytest.fixture(scope="module")
def csv_table(csv_path):
    header, body = csv_rows(csv_path)
    col = {name: i for i, name in enumerate(header)}
    return {row[col["module_hash"]]: row for row in body}, col


def csv_test_accuracy(csv_table, module_hash):
    rows, col = csv_table
    return 100 * float(rows[module_hash][col["test_acc_108_mean"]])


def error_of(capsys, *argv) -> str:
    """The one message a user error prints (exit code 2, no traceback)."""
    capsys.readouterr()
    assert main(list(argv)) == 2
    return capsys.readouterr().err


def query_json(capsys, *argv):
    assert main(["query", "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_import_caches_the_1shot1_rows_and_info_describes_the_store(data_root, capsys):
    store = data_root / "benchmarks" / "nb101.h5"
    with h5py.File(store, "r") as handle:
        assert sorted(handle["nb1shot1"]) == ["s1", "s2", "s3"]
        assert handle["nb1shot1/s3/rows"].shape == (get_space("nb1shot1-s3").space.num_configurations,)
    capsys.readouterr()
    main(["data", "info", "--data-dir", str(data_root)])
    out = capsys.readouterr().out
    assert f"nb101: {store}" in out and "cells: 423,624" in out
    assert "rows cached for: nb1shot1-s1, nb1shot1-s2, nb1shot1-s3" in out
    assert "optimum accuracy test 108 mean: 0.943176" in out  # the published best (shared data README)
    assert "absent: accuracy valid 108 mean: the CSV source has no mean validation accuracy" in out


def test_import_rejects_a_foreign_source(tmp_path, capsys):
    source = tmp_path / "nb101.pickle"
    source.write_bytes(b"\x80\x04")
    message = error_of(capsys, "data", "import", "nb101", "--from", str(source), "--data-dir", str(tmp_path / "data"))
    assert "not a NAS-Bench-101 source" in message and "CSV dump" in message and "TFRecord" in message
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("name", list(ARCHS))
def test_record_columns_are_the_csv_accuracy_in_percent_and_the_regret_to_the_space_optimum(data_root, csv_table, name):
    space = get_space(name)
    oracle = space.load_oracle(data_root / "benchmarks" / "nb101.h5")
    best, best_arch = oracle.optimum("test")
    assert best == csv_test_accuracy(csv_table, best_arch.to_nb101().module_hash())
    sample = [arch_at(space.space, int(i))
              for i in np.random.default_rng(0).choice(space.space.num_configurations, 20, replace=False)]
    for arch in [space.parse(text) for text in ARCHS[name]] + sample:
        expected = csv_test_accuracy(csv_table, arch.to_nb101().module_hash())
        columns = oracle.record_columns(arch)
        assert columns == oracle.record_columns(str(arch))  # reports look architectures up by their text
        assert columns["accuracy"] == {"cifar10": {"test": pytest.approx(expected, abs=1e-9)}}
        assert columns["regret"] == {"cifar10": {"test": pytest.approx(best - expected, abs=1e-9)}}
        assert columns["regret"]["cifar10"]["test"] >= 0
    assert oracle.record_columns(best_arch)["regret"]["cifar10"]["test"] == 0.0
    assert "single repeat" in oracle.validation_absent


def test_validation_columns_appear_when_the_store_has_mean_validation_accuracy(data_root, tmp_path):
    """A copy of the store given a made-up complete `accuracy valid 108 mean` column (as a TFRecord import
    writes one): the records then carry valid accuracy and the regret to the space's best valid accuracy."""
    store = tmp_path / "benchmarks" / "nb101.h5"
    store.parent.mkdir()
    shutil.copy(data_root / "benchmarks" / "nb101.h5", store)
    with h5py.File(store, "r+") as handle:
        test = handle["accuracy/test/108/mean/values"][()]
        valid = test - 0.01 * np.cos(np.arange(len(test)))
        handle.create_dataset("accuracy/valid/108/mean/values", data=valid)
        handle.attrs["contents"] = json.dumps(json.loads(handle.attrs["contents"]) + ["accuracy/valid/108/mean/values"])
        absent = json.loads(handle.attrs["absent"])
        del absent["accuracy/valid/108/mean"]
        handle.attrs["absent"] = json.dumps(absent)
    space = get_space("nb1shot1-s1")
    oracle = space.load_oracle(store)
    assert oracle.validation_absent is None
    rows = oracle.oneshot.rows
    arch = space.parse(ARCHS["nb1shot1-s1"][0])
    columns = oracle.record_columns(arch)
    row = oracle.oneshot.row_of(arch)
    assert columns["accuracy"]["cifar10"]["valid"] == pytest.approx(100 * valid[row], abs=1e-9)
    assert columns["regret"]["cifar10"]["valid"] == pytest.approx(100 * (valid[rows].max() - valid[row]), abs=1e-9)
    assert set(columns["accuracy"]["cifar10"]) == {"valid", "test"}


def test_query_nb1shot1(data_root, csv_table, capsys):
    text = ARCHS["nb1shot1-s2"][0]
    arch = get_space("nb1shot1-s2").parse(text)
    record = query_json(capsys, "--space", "nb1shot1-s2", "--arch", text, "--data-dir", str(data_root))
    assert set(record) == {"space", "arch", "store", "nb101", "params", "results", "notes"}
    module_hash = arch.to_nb101().module_hash()
    rows, col = csv_table
    assert record["space"] == "nb1shot1-s2" and record["arch"] == text and record["nb101"]["hash"] == module_hash
    assert record["params"] == int(rows[module_hash][col["params"]])
    entry = record["results"]["cifar10"]["test"]["108"]
    assert entry["accuracy"] == pytest.approx(csv_test_accuracy(csv_table, module_hash), abs=1e-9)
    best_hash = get_space("nb1shot1-s2").parse(entry["optimum_arch"]).to_nb101().module_hash()
    assert entry["optimum"] == pytest.approx(csv_test_accuracy(csv_table, best_hash), abs=1e-9)
    assert entry["regret"] == pytest.approx(entry["optimum"] - entry["accuracy"], abs=1e-9)
    assert list(record["results"]["cifar10"]) == ["test"]
    assert any("validation accuracy: not given" in note for note in record["notes"])
    assert main(["query", "--space", "nb1shot1-s2", "--arch", text, "--data-dir", str(data_root)]) == 0
    out = capsys.readouterr().out
    assert module_hash in out and f"{entry['accuracy']:.4f}" in out and "note: validation accuracy" in out


def test_query_nb101_by_hash_and_by_cell(data_root, csv_table, capsys):
    rows, col = csv_table
    record = query_json(capsys, "--space", "nb101", "--arch", ROW_0, "--data-dir", str(data_root))
    assert record["row"] == 0 and record["hash"] == ROW_0
    entry = record["results"]["cifar10"]["test"]["108"]
    assert entry["accuracy"] == pytest.approx(92.06063151, abs=1e-7)  # shared data README: row 0
    assert entry["optimum"] == pytest.approx(94.3175753, abs=1e-6) and entry["regret"] > 0
    single = record["single_repeat"]["cifar10"]["valid"]  # rows 0-20,000 have one repeat's validation accuracy
    assert single["108"] == pytest.approx(100 * float(rows[ROW_0][col["valid_acc_108_1rep"]]), abs=1e-9)
    assert "valid" not in record["results"]["cifar10"] and "no mean validation accuracy" in record["notes"][0]
    by_cell = query_json(capsys, "--space", "nb101", "--arch", record["cell"], "--data-dir", str(data_root))
    assert by_cell == record


def test_query_errors(data_root, tmp_path, capsys):
    bad = "conv3x3~0|conv3x3~0,1|conv3x3~0,3|conv3x3~0,1|output~0,1"
    # reported before the missing store
    assert "node 3 cannot take input from node 3" in error_of(
        capsys, "query", "--space", "nb1shot1-s1", "--arch", bad, "--data-dir", str(tmp_path))
    assert "harness data import nb101" in error_of(
        capsys, "query", "--space", "nb1shot1-s3", "--arch", ARCHS["nb1shot1-s3"][0], "--data-dir", str(tmp_path))
    assert "only cifar10" in error_of(capsys, "query", "--space", "nb1shot1-s1", "--arch", ARCHS["nb1shot1-s1"][0],
                                      "--dataset", "cifar100", "--data-dir", str(data_root))
    assert "is not in NAS-Bench-101" in error_of(capsys, "query", "--space", "nb101", "--arch", "f" * 32,
                                                 "--data-dir", str(data_root))
    assert "for `harness query` only" in error_of(capsys, "run", "--method", "darts", "--space", "nb101",
                                                  "--data-dir", str(data_root), "--out", str(tmp_path / "runs"))
