"""Official NAS-Bench-201 .pth files, written here with the official package's own classes."""

from __future__ import annotations

import sys

import pytest
import torch

from spaces.errors import BenchmarkFileError, UserError
from spaces.nb201.encoding import NUM_ARCHS
from spaces.nb201.importers import import_nb201, source_kind
from spaces.nb201.importers.nb201_pth import load_pth, read_pth_records
from spaces.nb201.oracle import NB201Oracle, write_store
from tests.oracle_helpers import synthetic_arch_strings

api_utils = pytest.importorskip("nas_201_api.api_utils", reason="needs `pip install nas-bench-201`")

SPLITS = {"cifar10-valid": ("x-valid", "ori-test"), "cifar10": ("ori-test",),
          "cifar100": ("x-valid", "x-test", "ori-test"), "ImageNet16-120": ("x-valid", "x-test", "ori-test")}
ARCHS = synthetic_arch_strings()


def make_trial(dataset, seed, epochs, finals, arch, params=0.4, seconds_per_epoch=None, every_epoch=True):
    """A ResultsCount as the benchmark's training script fills it (final-epoch accuracy `finals[split]`)."""
    trial = api_utils.ResultsCount(dataset, None, None, None, params, 10.0,
                                   {"channel": 16, "num_cells": 5, "arch_str": arch, "class_num": 10},
                                   seed, epochs, [0.01])
    times = None if seconds_per_epoch is None else {e: seconds_per_epoch for e in range(epochs)}
    trial.update_train_info({e: 50.0 for e in range(epochs)}, None, {e: 1.0 for e in range(epochs)}, times)
    if every_epoch:  # the official way: the whole curve
        accs = {f"{s}@{e}": (v if e == epochs - 1 else v / 2) for s, v in finals.items() for e in range(epochs)}
        trial.update_eval(accs, {k: 1.0 for k in accs}, {k: 0.5 for k in accs})
    else:  # only what the importer reads, to keep a 15625-architecture file small
        trial.eval_names = list(finals)
        trial.eval_acc1es = {f"{s}@{epochs - 1}": v for s, v in finals.items()}
    return trial


def arch_results(index, epochs, per_dataset, **trial_options):
    """per_dataset: {dataset: {seed: {split: final accuracy}}} -> ArchResults state dict."""
    results = api_utils.ArchResults(index, ARCHS[index])
    for dataset, seeds in per_dataset.items():
        for seed, finals in seeds.items():
            results.update(dataset, seed, make_trial(dataset, seed, epochs, finals, ARCHS[index], **trial_options))
    return results.state_dict()


def expected_value(index, dataset, split, seed):
    return 20.0 + index % 50 + list(SPLITS).index(dataset) * 3 + SPLITS[dataset].index(split) + seed / 1000


def small_file(path, indices=(0, 11, 284)):
    """Like v1_0: 200 epochs on all datasets (seeds 777, 888), 12 epochs on cifar10-valid only (seed 111)."""
    arch2infos = {}
    for index in indices:
        full = {d: {seed: {s: expected_value(index, d, s, seed) for s in splits} for seed in (777, 888)}
                for d, splits in SPLITS.items()}
        less = {"cifar10-valid": {111: {s: expected_value(index, "cifar10-valid", s, 111) - 10 for s in SPLITS["cifar10-valid"]}}}
        arch2infos[index] = {"full": arch_results(index, 200, full, seconds_per_epoch=7.0),
                             "less": arch_results(index, 12, less, seconds_per_epoch=3.0)}
    torch.save({"meta_archs": ARCHS, "arch2infos": arch2infos, "evaluated_indexes": set(indices)}, path)
    return path


@pytest.fixture
def pth_file(tmp_path):
    return small_file(tmp_path / "NAS-Bench-201-v1_0-e61699.pth")


def test_records_are_the_seed_means_of_the_final_epoch(pth_file):
    data = load_pth(pth_file)
    records = {record.index: record for record in read_pth_records(data["arch2infos"], pth_file)}
    assert sorted(records) == [0, 11, 284]
    for index, record in records.items():
        assert record.arch == ARCHS[index]
        for dataset, splits in SPLITS.items():
            for split in splits:
                mean = (expected_value(index, dataset, split, 777) + expected_value(index, dataset, split, 888)) / 2
                assert record.accuracy[(dataset, split, 200)] == pytest.approx(mean, abs=1e-12)
            assert record.seeds[(dataset, 200)] == 2
            assert record.train_seconds[(dataset, 200)] == pytest.approx(7.0 * 200)
            assert record.params_mb[dataset] == pytest.approx(0.4)
        assert record.accuracy[("cifar10-valid", "x-valid", 12)] == pytest.approx(
            expected_value(index, "cifar10-valid", "x-valid", 111) - 10)
        assert record.train_seconds[("cifar10-valid", 12)] == pytest.approx(3.0 * 12)
        # v1_0's 12-epoch training covers cifar10-valid only: nothing is invented for the others
        assert not any(key[2] == 12 and key[0] != "cifar10-valid" for key in record.accuracy)


def test_an_incomplete_file_is_refused_with_counts(pth_file):
    assert source_kind(pth_file) == "nb201-pth"
    with pytest.raises(BenchmarkFileError) as caught:
        import_nb201(pth_file)
    assert "3 of 15625" in str(caught.value) and "15622 are missing" in str(caught.value)


def test_a_complete_file_becomes_a_store(tmp_path):
    # Every architecture shares one trial object, so torch pickles it once and the file stays small.
    template = arch_results(0, 200, {"cifar10-valid": {777: {"x-valid": 80.0, "ori-test": 79.0}}}, every_epoch=False)
    arch2infos = {i: {"full": {**template, "arch_index": i, "arch_str": ARCHS[i]}} for i in range(NUM_ARCHS)}
    arch2infos[5] = {"full": arch_results(5, 200, {"cifar10-valid": {777: {"x-valid": 93.5, "ori-test": 92.0}}},
                                          every_epoch=False)}
    path = tmp_path / "NAS-Bench-201-v1_1-096897.pth"
    torch.save({"meta_archs": ARCHS, "arch2infos": arch2infos, "evaluated_indexes": set(range(NUM_ARCHS))}, path)
    write_store(import_nb201(path), tmp_path / "nb201.h5")
    oracle = NB201Oracle.load(tmp_path / "nb201.h5")
    assert oracle.optimum("cifar10-valid", "x-valid", 200) == (93.5, 5)
    assert oracle.accuracy(6, "cifar10-valid", "ori-test", 200) == 79.0
    assert oracle.available() == [("cifar10-valid", "x-valid", 200), ("cifar10-valid", "ori-test", 200)]
    assert oracle.metadata["source_kind"] == "nb201-pth"


def test_a_budget_with_the_wrong_epochs_is_refused(tmp_path):
    data = {0: {"full": arch_results(0, 12, {"cifar10": {777: {"ori-test": 50.0}}})}}
    with pytest.raises(BenchmarkFileError, match="200-epoch training.*12 epochs"):
        list(read_pth_records(data, tmp_path / "x.pth"))


def test_an_entry_for_the_wrong_architecture_is_refused(tmp_path):
    data = {3: {"full": arch_results(4, 200, {"cifar10": {777: {"ori-test": 50.0}}}, every_epoch=False)}}
    with pytest.raises(BenchmarkFileError, match=r"arch2infos\[3\] describes architecture 4"):
        list(read_pth_records(data, tmp_path / "x.pth"))


def test_not_a_torch_file(tmp_path):
    path = tmp_path / "broken.pth"
    path.write_bytes(b"\x80\x02garbage" * 50)
    with pytest.raises(BenchmarkFileError, match="broken.pth.*corrupt"):
        import_nb201(path)


def test_a_torch_file_of_another_kind(tmp_path):
    path = tmp_path / "weights.pth"
    torch.save({"state_dict": {}}, path)
    with pytest.raises(BenchmarkFileError, match="meta_archs, arch2infos, evaluated_indexes"):
        import_nb201(path)


def test_missing_official_package_says_how_to_install_it(pth_file, monkeypatch):
    monkeypatch.setitem(sys.modules, "nas_201_api", None)
    monkeypatch.setitem(sys.modules, "nas_201_api.api_utils", None)
    with pytest.raises(UserError, match=r"pip install 'dnas-harness\[nas-bench-201\]'"):
        import_nb201(pth_file)
