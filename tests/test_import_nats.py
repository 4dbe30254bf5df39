"""NATS-Bench topology records: the official fixtures agree with the CSV, and directories import only when complete."""

from __future__ import annotations

import bz2
import pickle
import shutil

import pytest

from spaces.errors import BenchmarkFileError
from spaces.nb201.conventions import BENCHMARK_SPLITS, EPOCH_BUDGETS
from spaces.nb201.encoding import NUM_ARCHS
from spaces.nb201.importers import import_nb201, source_kind
from spaces.nb201.importers.nats_tss import (
    parse_nats_record,
    read_nats_record,
    record_files,
)
from spaces.nb201.oracle import NB201Oracle, write_store
from tests.oracle_helpers import (
    CSV_ACCURACY_COLUMNS,
    CSV_PARAMS_COLUMNS,
    CSV_TRAIN_SECONDS_COLUMNS,
)

pytestmark = pytest.mark.shared_data

FIXTURE_ROWS = (0, 11, 284)


def assert_record_matches_csv(record, nb201_csv, row):
    assert record.index == row and record.arch == nb201_csv["arch"][row]
    for name, key in CSV_ACCURACY_COLUMNS.items():
        assert record.accuracy[key] == pytest.approx(float(nb201_csv[name][row]), abs=1e-6), name
    for name, dataset in CSV_PARAMS_COLUMNS.items():
        assert record.params_mb[dataset] == pytest.approx(float(nb201_csv[name][row]), abs=1e-6), name
    for name, key in CSV_TRAIN_SECONDS_COLUMNS.items():
        assert record.train_seconds[key] == pytest.approx(float(nb201_csv[name][row]), abs=1e-5), name
    assert record.seeds[("cifar10-valid", 200)] == int(nb201_csv["cifar10-valid.seeds.200"][row])


@pytest.mark.parametrize("row", FIXTURE_ROWS)
def test_official_records_agree_with_the_csv(shared_nats_samples, nb201_csv, row):
    record = read_nats_record(shared_nats_samples / f"{row:06d}.pickle.pbz2")
    assert_record_matches_csv(record, nb201_csv, row)
    # The records hold more than the CSV: every split at both budgets, e.g. cifar10-valid ori-test after 12 epochs.
    assert {(d, s, e) for d, splits in BENCHMARK_SPLITS.items() for s in splits for e in EPOCH_BUDGETS} == set(record.accuracy)


def test_the_fixture_directory_is_recognised_and_reported_incomplete(shared_nats_samples):
    assert source_kind(shared_nats_samples) == "nats-tss"
    with pytest.raises(BenchmarkFileError) as caught:
        import_nb201(shared_nats_samples)
    message = str(caught.value)
    assert str(shared_nats_samples) in message
    assert "3 of 15625" in message and "15622 are missing" in message and "000001.pickle.pbz2" in message


# -- a complete directory: the three official records plus 15622 small synthetic ones --------------
# Synthetic records carry cifar10-valid only (both budgets), which keeps building
# 15622 files to a few seconds; the other datasets, present in just the three
# official records, must then be left out of the store with a note.

SYNTHETIC_SPLITS = {"cifar10-valid": BENCHMARK_SPLITS["cifar10-valid"]}


def synthetic_accuracy(index: int, split: str, epochs: int) -> float:
    return 10.0 + ((index * 31 + len(split) * 7 + epochs) % 800) / 10.0


def synthetic_record(index: int, arch: str, splits=SYNTHETIC_SPLITS) -> dict:
    """A record in the official structure, minus what the importer does not read (curves, weights, times)."""
    record = {}
    for epochs in EPOCH_BUDGETS:
        last = epochs - 1
        all_results, dataset_seed = {}, {}
        for dataset, names in splits.items():
            # two seeds, one either side of the value, so the mean is the value
            dataset_seed[dataset] = [777, 888]
            for seed, offset in ((777, -0.5), (888, 0.5)):
                all_results[(dataset, seed)] = {
                    "epochs": epochs,
                    "params": 0.5,
                    "train_times": None,
                    "eval_acc1es": {f"{s}@{last}": synthetic_accuracy(index, s, epochs) + offset for s in names},
                }
        record[str(epochs)] = {"arch_index": index, "arch_str": arch, "all_results": all_results,
                               "dataset_seed": dataset_seed, "clear_net_done": True}
    return record


@pytest.fixture(scope="module")
def complete_directory(shared_nats_samples, nb201_csv, tmp_path_factory):
    directory = tmp_path_factory.mktemp("NATS-tss-v1_0-3ffb9-simple")
    for source in shared_nats_samples.iterdir():
        shutil.copy(source, directory / source.name)
    for index, arch in enumerate(nb201_csv["arch"]):
        if index not in FIXTURE_ROWS:
            payload = bz2.compress(pickle.dumps(synthetic_record(index, arch)), 1)
            (directory / f"{index:06d}.pickle.pbz2").write_bytes(payload)
    return directory


@pytest.fixture(scope="module")
def nats_oracle(complete_directory, tmp_path_factory):
    table = import_nb201(complete_directory)
    store = tmp_path_factory.mktemp("nats-store") / "nb201.h5"
    write_store(table, store)
    return NB201Oracle.load(store)


def test_complete_directory_puts_each_record_at_its_index(nats_oracle, nb201_csv):
    for row in FIXTURE_ROWS:
        for name in ("cifar10-valid.valid.200", "cifar10-valid.test.200", "cifar10-valid.valid.12"):
            dataset, split, epochs = CSV_ACCURACY_COLUMNS[name]
            assert nats_oracle.accuracy(row, dataset, split, epochs) == pytest.approx(float(nb201_csv[name][row]), abs=1e-6)
        assert str(nats_oracle.arch_at(row)) == nb201_csv["arch"][row]
        assert nats_oracle.seeds(row, "cifar10-valid", 200) == int(nb201_csv["cifar10-valid.seeds.200"][row])
    for row in (1, 12, 5000, NUM_ARCHS - 1):
        for dataset, split, epochs in nats_oracle.available():
            assert nats_oracle.accuracy(row, dataset, split, epochs) == pytest.approx(synthetic_accuracy(row, split, epochs))
        assert nats_oracle.seeds(row, "cifar10-valid", 12) == 2


def test_complete_directory_keeps_only_complete_columns(nats_oracle):
    assert nats_oracle.available() == [("cifar10-valid", s, e) for e in EPOCH_BUDGETS for s in ("x-valid", "ori-test")]
    assert nats_oracle.available_train_seconds() == []  # only the 3 official records have times
    notes = nats_oracle.metadata["import_notes"]
    assert any("accuracy cifar100 x-test 200" in note and "only 3 of 15625" in note for note in notes)
    assert any("train_seconds" in note for note in notes)
    assert nats_oracle.metadata["source_kind"] == "nats-tss"


# -- damaged files -------------------------------------------------------------------------------


def test_corrupt_record_names_the_file(tmp_path):
    path = tmp_path / "000005.pickle.pbz2"
    path.write_bytes(b"BZh9 this is not bzip2")
    with pytest.raises(BenchmarkFileError, match="000005.pickle.pbz2.*corrupt"):
        read_nats_record(path)


def test_record_of_the_wrong_structure(tmp_path):
    with pytest.raises(BenchmarkFileError, match="no results"):
        parse_nats_record(bz2.compress(pickle.dumps({"hello": 1})), tmp_path / "000001.pickle.pbz2")
    broken = synthetic_record(1, "x")
    del broken["200"]["dataset_seed"]
    with pytest.raises(BenchmarkFileError, match="unexpected record structure"):
        parse_nats_record(bz2.compress(pickle.dumps(broken)), tmp_path / "000001.pickle.pbz2")


def test_record_whose_budget_holds_other_epochs(tmp_path):
    record = synthetic_record(1, "x", BENCHMARK_SPLITS)
    record["12"]["all_results"][("cifar10", 777)]["epochs"] = 200
    with pytest.raises(BenchmarkFileError, match="12-epoch results of cifar10 hold a 200-epoch trial"):
        parse_nats_record(bz2.compress(pickle.dumps(record)), tmp_path / "000001.pickle.pbz2")


def test_two_files_for_one_index(tmp_path):
    (tmp_path / "000001.pickle.pbz2").write_bytes(b"")
    (tmp_path / "1.pickle.pbz2").write_bytes(b"")
    with pytest.raises(BenchmarkFileError, match="claim architecture 1"):
        record_files(tmp_path)


def test_index_beyond_the_space(tmp_path):
    (tmp_path / "015625.pickle.pbz2").write_bytes(b"")
    with pytest.raises(BenchmarkFileError, match="outside 0..15624"):
        record_files(tmp_path)


def test_corrupt_meta_file(shared_nats_samples, tmp_path):
    directory = tmp_path / "NATS-tss-v1_0-3ffb9-simple"
    shutil.copytree(shared_nats_samples, directory)
    (directory / "meta.pickle.pbz2").chmod(0o644)
    (directory / "meta.pickle.pbz2").write_bytes(b"\x00" * 10)
    with pytest.raises(BenchmarkFileError, match="meta.pickle.pbz2"):
        import_nb201(directory)


def test_partial_means_are_never_averaged_over_a_subset_of_seeds(tmp_path):
    record = synthetic_record(1, "x", BENCHMARK_SPLITS)
    del record["200"]["all_results"][("cifar10-valid", 888)]["eval_acc1es"]["ori-test@199"]
    parsed = parse_nats_record(bz2.compress(pickle.dumps(record)), tmp_path / "000001.pickle.pbz2")
    assert ("cifar10-valid", "ori-test", 200) not in parsed.accuracy
    assert ("cifar10-valid", "x-valid", 200) in parsed.accuracy
