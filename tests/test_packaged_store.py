"""The NAS-Bench-201 store shipped in the package, and a first run on a fresh machine (issue 12)."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import torch

from harness.cli import main
from harness.paths import benchmark_store, store_in_use
from harness.records import read_epochs
from spaces.nb201.conventions import BENCHMARK_SPLITS, EPOCH_BUDGETS
from spaces.nb201.oracle import NB201Oracle
from spaces.nb201.packaged import PACKAGED_STORE
from tests.conftest import require_shared
from tests.test_data_download import _cifar10_tarball, _md5, mirror  # noqa: F401 (the mirror fixture)


def test_the_packaged_store_is_the_shared_csv_bit_for_bit(nb201_store):
    csv = require_shared("nb201/nb201-results.csv.gz")
    packaged, imported = NB201Oracle.load(PACKAGED_STORE), NB201Oracle.load(nb201_store)
    assert packaged.metadata["source_sha256"] == hashlib.sha256(csv.read_bytes()).hexdigest()
    assert packaged.available() == imported.available()
    every = np.arange(15625)
    for dataset, splits in BENCHMARK_SPLITS.items():
        for split in splits:
            for epochs in EPOCH_BUDGETS:
                if (dataset, split, epochs) in imported.available():
                    assert np.array_equal(packaged.accuracy(every, dataset, split, epochs),
                                          imported.accuracy(every, dataset, split, epochs))
    assert PACKAGED_STORE.stat().st_size < 3e6  # small enough to ship


def test_the_data_directorys_own_store_takes_precedence(tmp_path, nb201_store, capsys):
    assert store_in_use(tmp_path, "nb201") == PACKAGED_STORE
    assert main(["data", "info", "--data-dir", str(tmp_path)]) == 0
    assert "the store shipped with the package" in capsys.readouterr().out
    own = benchmark_store(tmp_path, "nb201")
    own.parent.mkdir()
    shutil.copy(nb201_store, own)
    assert store_in_use(tmp_path, "nb201") == own
    main(["data", "info", "--data-dir", str(tmp_path)])
    assert "shipped with the package" not in capsys.readouterr().out


def test_a_fresh_machine_runs_the_missions_command_to_the_end(tmp_path, mirror, monkeypatch, capsys):  # noqa: F811
    """No data directory at all: CIFAR-10 comes from the (test) mirror, the oracle from the package."""
    from harness.data.download import DOWNLOADS, RemoteFile

    _cifar10_tarball(tmp_path / "build", mirror.root)
    official = DOWNLOADS["cifar10"][0]
    monkeypatch.setitem(DOWNLOADS, "cifar10", (RemoteFile(official.url, _md5(mirror.root / official.filename), True),))
    monkeypatch.delenv("HARNESS_NO_DOWNLOAD")
    monkeypatch.setenv("HARNESS_DATASET_MIRROR", mirror.url)
    data_root, out = tmp_path / "fresh-data", tmp_path / "runs"
    torch.set_num_threads(1)
    code = main(["run", "--method", "gaea", "--space", "nb201", "--seeds", "1", "--preset", "quick",
                 "--epochs", "1", "--set", "data.subset=4", "--set", "supernet.channels=4",
                 "--data-dir", str(data_root), "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "dataset cifar10 is not in" in err and mirror.url in err
    assert mirror.requests == ["/cifar-10-python.tar.gz"]
    (epochs_file,) = out.rglob("epochs.jsonl")
    (row,) = read_epochs(epochs_file)
    assert set(row["accuracy"]) == {"cifar10", "cifar100", "ImageNet16-120"}


def test_no_download_says_what_to_copy_where(tmp_path, capsys):
    code = main(["run", "--method", "darts", "--space", "nb201", "--preset", "quick", "--no-download",
                 "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "downloads are off" in err and "cifar-10-python.tar.gz" in err
    assert str(tmp_path / "cifar10" / "cifar-10-batches-py") in err
