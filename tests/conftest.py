"""Shared fixtures. Tests that need ../shared/data skip without it, and fail under CI=true.

- `shared_*`: paths into ../shared/data;
- `nb201_csv`: the shared CSV dump read independently of the importer (column -> list of cells);
- `nb201_store` / `nb201_oracle`: the real store, built once per session from that CSV;
- `synthetic_store`: a store of made-up numbers in a valid layout (tests/oracle_helpers.py), for
  tests that check behaviour rather than benchmark values (they run without ../shared/data);
  `synthetic_data_dir`: a data directory with a copy of it that a test may change.
"""

from __future__ import annotations

import csv
import gzip
import os
import shutil
from pathlib import Path

import pytest

from spaces.nb201.importers.csv_dump import import_csv_dump
from spaces.nb201.oracle import NB201Oracle, write_store
from tests.oracle_helpers import synthetic_table

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("HARNESS_SHARED_DATA", REPO.parent / "shared" / "data"))


def require_shared(relative: str) -> Path:
    """Path inside ../shared/data; skip (or fail under CI=true) when it is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        reason = f"needs {path} (the workplace's real data beside the repo)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {reason} is missing")
        pytest.skip(reason)
    return path


@pytest.fixture(autouse=True)
def no_downloads_from_the_internet(monkeypatch):
    """No test touches the internet: a missing dataset is an error unless a test serves it from a local
    mirror itself (HARNESS_DATASET_MIRROR, with HARNESS_NO_DOWNLOAD unset)."""
    monkeypatch.setenv("HARNESS_NO_DOWNLOAD", "1")
    monkeypatch.delenv("HARNESS_DATASET_MIRROR", raising=False)


@pytest.fixture
def without_packaged_stores(monkeypatch):
    """The data directory's own stores only: as on an installation without the shipped NB201 store."""
    import dataclasses

    import spaces.registry as registry

    for name, benchmark in list(registry._BENCHMARKS.items()):
        monkeypatch.setitem(registry._BENCHMARKS, name, dataclasses.replace(benchmark, packaged=None))


@pytest.fixture(scope="session")
def shared_nb201_csv() -> Path:
    return require_shared("nb201/nb201-results.csv.gz")


@pytest.fixture(scope="session")
def shared_nats_samples() -> Path:
    return require_shared("nb201/nats-tss-samples")


@pytest.fixture(scope="session")
def shared_cifar10() -> Path:
    return require_shared("cifar10/cifar-10-batches-py")


@pytest.fixture(scope="session")
def shared_cifar_split() -> Path:
    return require_shared("nb201/cifar-split.txt")


@pytest.fixture(scope="session")
def nb201_csv(shared_nb201_csv) -> dict[str, list[str]]:
    with gzip.open(shared_nb201_csv, "rt", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    return {name: [row[i] for row in rows] for i, name in enumerate(header)}


@pytest.fixture(scope="session")
def nb201_store(shared_nb201_csv, tmp_path_factory) -> Path:
    """<data-dir>/benchmarks/nb201.h5 built from the real CSV; copy it before changing it."""
    store = tmp_path_factory.mktemp("data") / "benchmarks" / "nb201.h5"
    write_store(import_csv_dump(shared_nb201_csv), store)
    return store


@pytest.fixture(scope="session")
def nb201_oracle(nb201_store) -> NB201Oracle:
    return NB201Oracle.load(nb201_store)


@pytest.fixture(scope="session")
def synthetic_store(tmp_path_factory) -> Path:
    """<data-dir>/benchmarks/nb201.h5 of `synthetic_table()`; copy it before changing it."""
    store = tmp_path_factory.mktemp("synthetic-data") / "benchmarks" / "nb201.h5"
    write_store(synthetic_table(), store)
    return store


@pytest.fixture
def synthetic_data_dir(synthetic_store, tmp_path) -> Path:
    """A data directory of this test's own, holding a copy of the synthetic store (free to change)."""
    target = tmp_path / "benchmarks" / "nb201.h5"
    target.parent.mkdir()
    shutil.copy(synthetic_store, target)
    return tmp_path
