"""`harness run` on the real CIFAR-10 and the real NB201 store: its oracle columns are what
`harness query` says for the same architectures."""

from __future__ import annotations

import json
import shutil

import pytest

from harness.cli import main
from harness.records import find_run_dirs, read_epochs


@pytest.fixture
def data_root(tmp_path, nb201_store, shared_cifar10):
    root = tmp_path / "data"
    (root / "benchmarks").mkdir(parents=True)
    shutil.copy(nb201_store, root / "benchmarks" / "nb201.h5")
    (root / "cifar10").mkdir()
    (root / "cifar10" / "cifar-10-batches-py").symlink_to(shared_cifar10)
    return root


def test_run_records_match_query(tmp_path, data_root, capsys):
    out = tmp_path / "runs"
    code = main(["run", "--method", "darts", "--space", "nb201", "--seeds", "2", "--preset", "quick",
                 "--epochs", "2", "--out", str(out), "--data-dir", str(data_root), "--no-progress",
                 "--set", "supernet.channels=4", "--set", "data.subset=128"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "CIFAR-10 valid" in printed and "±" in printed, "the run ends with the mean ± std table"
    runs = find_run_dirs([out])
    assert len(runs) == 2
    for run in runs:
        for row in read_epochs(run.epochs):
            assert main(["query", "--space", "nb201", "--arch", row["arch"], "--json",
                         "--data-dir", str(data_root)]) == 0
            answer = json.loads(capsys.readouterr().out)
            for dataset, splits in row["accuracy"].items():
                for split, value in splits.items():
                    assert value == answer["results"][dataset][split]["200"]["accuracy"]
                    assert row["regret"][dataset][split] == pytest.approx(
                        answer["results"][dataset][split]["200"]["regret"], abs=1e-9)


def test_run_without_store_says_so_once(tmp_path, shared_cifar10, capsys, without_packaged_stores):
    root = tmp_path / "data"
    (root / "cifar10").mkdir(parents=True)
    (root / "cifar10" / "cifar-10-batches-py").symlink_to(shared_cifar10)
    code = main(["run", "--method", "darts", "--space", "nb201", "--seeds", "2", "--preset", "quick",
                 "--epochs", "1", "--out", str(tmp_path / "runs"), "--data-dir", str(root), "--no-progress",
                 "--set", "supernet.channels=4", "--set", "data.subset=64"])
    err = capsys.readouterr().err
    assert code == 0
    assert err.count("no nb201 oracle") == 1 and "harness data import nb201" in err
