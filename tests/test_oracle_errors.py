"""Store files that are missing, corrupt or partial, and questions the store cannot answer, end in clear UserErrors."""

from __future__ import annotations


import h5py
import numpy as np
import pytest

from spaces.errors import (
    BenchmarkFileError,
    ConfigError,
    MalformedArchitecture,
    UserError,
)
from spaces.nb201 import oracle as oracle_module
from spaces.nb201.encoding import NUM_ARCHS
from spaces.nb201.oracle import NB201Oracle, UnavailableQuantity, write_store
from tests.oracle_helpers import synthetic_table


@pytest.fixture
def store_copy(synthetic_data_dir):
    return synthetic_data_dir / "benchmarks" / "nb201.h5"


@pytest.fixture(scope="module")
def oracle(synthetic_store):
    return NB201Oracle.load(synthetic_store)


def load_error(path) -> str:
    with pytest.raises(BenchmarkFileError) as caught:
        NB201Oracle.load(path)
    assert isinstance(caught.value, UserError)
    return str(caught.value)


# -- files ---------------------------------------------------------------------------------------


def test_missing_store_names_the_path_and_the_import_command(tmp_path):
    path = tmp_path / "benchmarks" / "nb201.h5"
    message = load_error(path)
    assert str(path) in message
    assert f"harness data import nb201 --from PATH --data-dir {tmp_path}" in message


def test_missing_store_elsewhere_still_names_the_command(tmp_path):
    message = load_error(tmp_path / "my-oracle.h5")
    assert "harness data import nb201 --from PATH" in message and "my-oracle.h5" in message


@pytest.mark.parametrize("content", [b"", b"not an hdf5 file at all\n" * 100, bytes(range(256)) * 64])
def test_garbage_bytes_are_reported_as_a_corrupt_store(store_copy, content):
    store_copy.write_bytes(content)
    message = load_error(store_copy)
    assert str(store_copy) in message and "harness data import nb201" in message


def test_truncated_store_is_reported(store_copy):
    data = store_copy.read_bytes()
    store_copy.write_bytes(data[: len(data) // 2])
    assert str(store_copy) in load_error(store_copy)


@pytest.mark.parametrize("name", ["accuracy/cifar10/ori-test/200", "arch_ops", "params_mb/cifar100", "seeds/cifar10-valid/200"])
def test_partial_store_names_the_missing_array(store_copy, name):
    with h5py.File(store_copy, "a") as store:
        del store[name]
    message = load_error(store_copy)
    assert str(store_copy) in message and name in message


def test_wrong_shape_is_reported(store_copy):
    with h5py.File(store_copy, "a") as store:
        del store["params_mb/cifar10"]
        store.create_dataset("params_mb/cifar10", data=np.ones(100))
    message = load_error(store_copy)
    assert "params_mb/cifar10" in message and "(100,)" in message


def test_an_hdf5_file_of_another_kind_is_rejected(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as store:
        store.create_dataset("x", data=np.arange(3))
    assert "format" in load_error(path)


def test_a_newer_format_version_says_so(store_copy):
    with h5py.File(store_copy, "a") as store:
        store.attrs["format_version"] = 2
    assert "newer" in load_error(store_copy)


def test_tampered_optimum_is_detected(store_copy):
    with h5py.File(store_copy, "a") as store:
        store["accuracy/cifar100/x-test/200"].attrs["optimum_index"] = 3
    assert "accuracy/cifar100/x-test/200" in load_error(store_copy)


def test_a_store_directory_is_not_a_store(tmp_path):
    assert str(tmp_path) in load_error(tmp_path)


# -- writing -------------------------------------------------------------------------------------


def test_a_failed_write_leaves_the_old_store_and_no_temp_file(store_copy, monkeypatch):
    before = store_copy.read_bytes()

    def fail_halfway(store, table, options):
        store.create_dataset("arch_ops", data=np.zeros((3, 6), dtype=np.uint8))
        raise RuntimeError("disk full")

    monkeypatch.setattr(oracle_module, "_write", fail_halfway)
    with pytest.raises(RuntimeError):
        write_store(synthetic_table(), store_copy)
    assert store_copy.read_bytes() == before
    assert [p.name for p in store_copy.parent.iterdir()] == ["nb201.h5"]


def test_an_invalid_table_is_never_written(tmp_path):
    table = synthetic_table()
    table.accuracy[("cifar10", "ori-test", 200)][5] = np.nan
    with pytest.raises(BenchmarkFileError, match="non-finite"):
        write_store(table, tmp_path / "nb201.h5")
    assert list(tmp_path.iterdir()) == []


def test_a_table_not_in_official_order_is_rejected(tmp_path):
    table = synthetic_table()
    table.arch_ops = table.arch_ops[::-1].copy()
    with pytest.raises(BenchmarkFileError, match="official"):
        write_store(table, tmp_path / "nb201.h5")


def test_writing_replaces_an_existing_store(store_copy):
    table = synthetic_table(seed=1)
    write_store(table, store_copy)
    expected = table.accuracy[("cifar100", "x-valid", 200)]
    assert NB201Oracle.load(store_copy).accuracy(7, "cifar100", "x-valid", 200) == expected[7]


# -- questions -----------------------------------------------------------------------------------


def test_unknown_dataset_lists_what_the_store_holds(oracle):
    with pytest.raises(ConfigError) as caught:
        oracle.accuracy(0, "cifar-10", "x-valid", 200)
    assert "cifar-10" in str(caught.value) and "cifar10-valid x-valid 200" in str(caught.value)


def test_split_the_dataset_does_not_have(oracle):
    with pytest.raises(ConfigError, match="cifar10.*no split 'x-valid'.*ori-test"):
        oracle.accuracy(0, "cifar10", "x-valid", 200)


@pytest.mark.parametrize("epochs", [100, 199, "200", 200.0, True, None])
def test_epochs_must_be_one_of_the_two_budgets(oracle, epochs):
    with pytest.raises(ConfigError, match="200.*12"):
        oracle.accuracy(0, "cifar10", "ori-test", epochs)


def test_quantities_the_source_lacks_are_unavailable_not_defaulted(oracle):
    with pytest.raises(UnavailableQuantity) as caught:
        oracle.accuracy(0, "cifar100", "x-valid", 12)
    message = str(caught.value)
    assert "cifar100 x-valid 12" in message and "cifar10-valid x-valid 12" in message
    with pytest.raises(UnavailableQuantity, match="params_mb.*cifar10-valid"):
        oracle.params_mb(0, "cifar10-valid")
    with pytest.raises(UnavailableQuantity, match="train_seconds"):
        oracle.train_seconds(0, "cifar10-valid", 12)
    with pytest.raises(UnavailableQuantity, match="seeds"):
        oracle.seeds(0, "cifar100", 200)


def test_paper_names_outside_the_convention(oracle):
    with pytest.raises(ConfigError, match="paper datasets"):
        oracle.paper_accuracy(0, "cifar10-valid", "valid", 200)
    with pytest.raises(ConfigError, match="valid, test"):
        oracle.paper_accuracy(0, "cifar10", "x-valid", 200)


@pytest.mark.parametrize("arch", [NUM_ARCHS, -1, [0, NUM_ARCHS], np.array([3, -2])])
def test_index_out_of_range(oracle, arch):
    with pytest.raises(MalformedArchitecture, match="out of range.*0..15624"):
        oracle.accuracy(arch, "cifar10", "ori-test", 200)


@pytest.mark.parametrize("arch", [
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|",
    "|conv~0|+|nor_conv_3x3~0|none~1|+|none~0|none~1|none~2|",
    True,
    1.5,
    np.array([[0, 1, 2, 3, 4, 5]]),
    np.zeros((2, 5), dtype=np.int64),
    np.zeros(3, dtype=np.float64),
])
def test_malformed_architectures(oracle, arch):
    with pytest.raises(MalformedArchitecture):
        oracle.accuracy(arch, "cifar10", "ori-test", 200)


def test_arch_at_checks_its_index(oracle):
    with pytest.raises(MalformedArchitecture, match="out of range"):
        oracle.arch_at(NUM_ARCHS)
