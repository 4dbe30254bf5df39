"""Dataset readers: official formats written by the tests, corrupt files, and the real CIFAR-10 copy."""

from __future__ import annotations

import hashlib
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.official_formats import write_cifar10, write_cifar100, write_imagenet16, write_pickle_batch, write_svhn
from harness.data import load_dataset, read_cifar10, read_cifar100, read_imagenet16, read_svhn
from harness.data.pickled_batches import load_batch
from spaces.errors import BenchmarkFileError, ConfigError


@pytest.mark.parametrize("bytes_keys", [False, True], ids=["str-keys", "bytes-keys"])
def test_cifar10_reader_returns_the_written_images_in_batch_order(tmp_path, bytes_keys):
    written = write_cifar10(tmp_path, bytes_keys=bytes_keys)
    image_set = read_cifar10(tmp_path)
    np.testing.assert_array_equal(image_set.train_images, written["train_images"])
    np.testing.assert_array_equal(image_set.train_labels, written["train_labels"])
    np.testing.assert_array_equal(image_set.test_images, written["test_images"])
    np.testing.assert_array_equal(image_set.test_labels, written["test_labels"])
    assert image_set.train_labels.dtype == np.int64 and image_set.num_classes == 10


def test_cifar100_reader_uses_fine_labels(tmp_path):
    written = write_cifar100(tmp_path)
    image_set = read_cifar100(tmp_path)
    np.testing.assert_array_equal(image_set.train_images, written["train_images"])
    np.testing.assert_array_equal(image_set.train_labels, written["train_labels"])
    np.testing.assert_array_equal(image_set.test_labels, written["test_labels"])
    assert image_set.num_classes == 100


def test_svhn_reader_converts_layout_and_maps_label_10_to_digit_0(tmp_path):
    written = write_svhn(tmp_path)
    image_set = read_svhn(tmp_path)
    np.testing.assert_array_equal(image_set.train_images, written["train_images"])
    np.testing.assert_array_equal(image_set.train_labels, written["train_labels"])
    np.testing.assert_array_equal(image_set.test_images, written["test_images"])
    assert 0 in image_set.train_labels and image_set.train_labels.max() <= 9


def test_imagenet16_120_keeps_the_first_120_classes_shifted_to_zero(tmp_path):
    written = write_imagenet16(tmp_path)
    image_set = read_imagenet16(tmp_path, num_classes=120)
    keep = written["train_labels"] <= 120
    np.testing.assert_array_equal(image_set.train_images, written["train_images"][keep])
    np.testing.assert_array_equal(image_set.train_labels, written["train_labels"][keep] - 1)
    np.testing.assert_array_equal(image_set.test_labels, written["test_labels"][written["test_labels"] <= 120] - 1)
    assert image_set.name == "ImageNet16-120" and image_set.image_size == 16
    assert {0, 119} <= set(image_set.train_labels.tolist())


def test_imagenet16_with_all_classes_keeps_everything(tmp_path):
    written = write_imagenet16(tmp_path)
    image_set = read_imagenet16(tmp_path, num_classes=1000)
    assert len(image_set.train_images) == len(written["train_images"])
    assert image_set.train_labels.max() == 999


@pytest.mark.parametrize("num_classes", [0, 1001])
def test_imagenet16_rejects_impossible_class_counts(tmp_path, num_classes):
    with pytest.raises(ConfigError, match="num_classes"):
        read_imagenet16(tmp_path, num_classes=num_classes)


def test_missing_batch_file_is_named(tmp_path):
    write_cifar10(tmp_path)
    (tmp_path / "data_batch_3").unlink()
    with pytest.raises(BenchmarkFileError, match="data_batch_3.*not found"):
        read_cifar10(tmp_path)


def test_missing_directory_is_named(tmp_path):
    with pytest.raises(BenchmarkFileError, match="nowhere.*cifar-10-batches-py"):
        read_cifar10(tmp_path / "nowhere")


@pytest.mark.parametrize(
    "content",
    [b"this is not a pickle", b"", None],
    ids=["garbage", "empty", "truncated"],
)
def test_corrupt_pickle_is_a_benchmark_file_error_naming_the_file(tmp_path, content):
    write_cifar10(tmp_path)
    target = tmp_path / "data_batch_2"
    if content is None:
        content = target.read_bytes()[: target.stat().st_size // 2]
    target.write_bytes(content)
    with pytest.raises(BenchmarkFileError, match="data_batch_2.*corrupt"):
        read_cifar10(tmp_path)


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"labels": [0, 1]}, "no 'data' entry"),
        ({"data": np.zeros((2, 3000), np.uint8), "labels": [0, 1]}, "uint8 array"),
        ({"data": np.zeros((2, 3072), np.float32), "labels": [0, 1]}, "uint8 array"),
        ({"data": np.zeros((2, 3072), np.uint8), "labels": [0]}, "2 integer labels"),
        ({"data": np.zeros((2, 3072), np.uint8), "labels": [0, 10]}, "outside 0..9"),
    ],
)
def test_malformed_batch_contents_are_rejected(tmp_path, entry, message):
    write_cifar10(tmp_path)
    write_pickle_batch(tmp_path / "test_batch", entry)
    with pytest.raises(BenchmarkFileError, match=re.escape(message)):
        read_cifar10(tmp_path)


def test_a_pickle_that_is_not_a_dict_is_rejected(tmp_path):
    path = tmp_path / "batch"
    path.write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(BenchmarkFileError, match="not the dict"):
        load_batch(path, "a batch")


class _TouchOnUnpickle:
    """Unpickling this calls Path.touch: proof that code from a file would run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_pickles_that_would_run_code_are_refused_without_running_it(tmp_path):
    marker = tmp_path / "code-ran"
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({"data": _TouchOnUnpickle(marker), "labels": []}))
    with pytest.raises(BenchmarkFileError, match="refusing"):
        load_batch(path, "a batch")
    assert not marker.exists()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=200))
def test_arbitrary_bytes_give_a_dict_or_a_benchmark_file_error(tmp_path, content):
    path = tmp_path / "fuzzed"
    path.write_bytes(content)
    try:
        entry = load_batch(path, "a batch")
    except BenchmarkFileError:
        return
    assert isinstance(entry, dict)


def test_corrupt_svhn_mat_is_a_benchmark_file_error(tmp_path):
    write_svhn(tmp_path)
    (tmp_path / "test_32x32.mat").write_bytes(b"MATLAB? no" * 20)
    with pytest.raises(BenchmarkFileError, match="test_32x32.mat"):
        read_svhn(tmp_path)


def test_svhn_labels_outside_the_official_range_are_rejected(tmp_path):
    import scipy.io

    write_svhn(tmp_path)
    scipy.io.savemat(
        tmp_path / "train_32x32.mat", {"X": np.zeros((32, 32, 3, 2), np.uint8), "y": np.array([[0], [11]], np.uint8)}
    )
    with pytest.raises(BenchmarkFileError, match="1..10"):
        read_svhn(tmp_path)


# --- registry -------------------------------------------------------------------------------


def test_load_dataset_reads_the_design_layout_and_keeps_the_nb201_alias_name(tmp_path):
    written = write_cifar10(tmp_path / "cifar10" / "cifar-10-batches-py")
    plain = load_dataset("cifar10", tmp_path)
    alias = load_dataset("cifar10-valid", tmp_path)
    assert (plain.name, alias.name) == ("cifar10", "cifar10-valid")
    np.testing.assert_array_equal(alias.train_images, written["train_images"])
    np.testing.assert_array_equal(alias.train_images, plain.train_images)


@pytest.mark.parametrize(
    "name, writer, relative",
    [
        ("cifar100", write_cifar100, "cifar100/cifar-100-python"),
        ("svhn", write_svhn, "svhn"),
        ("ImageNet16-120", write_imagenet16, "ImageNet16-120"),
    ],
)
def test_load_dataset_finds_each_dataset_where_design_puts_it(tmp_path, name, writer, relative):
    writer(tmp_path / relative)
    assert len(load_dataset(name, tmp_path).train_images) > 0


def test_unknown_dataset_lists_the_valid_names(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_dataset("cifar11", tmp_path)
    for name in ("cifar10", "cifar100", "svhn", "ImageNet16-120", "cifar10-valid"):
        assert name in str(caught.value)


@pytest.mark.parametrize("name", ["cifar10", "cifar100", "svhn"])
def test_missing_downloadable_dataset_says_where_it_looked_and_how_to_get_it(tmp_path, name):
    with pytest.raises(BenchmarkFileError) as caught:
        load_dataset(name, tmp_path)
    assert str(tmp_path) in str(caught.value)
    assert f"harness data download {name}" in str(caught.value)


def test_missing_imagenet16_points_to_nas_bench_201(tmp_path):
    with pytest.raises(BenchmarkFileError) as caught:
        load_dataset("ImageNet16-120", tmp_path)
    assert "NAS-Bench-201" in str(caught.value)
    assert str(tmp_path / "ImageNet16-120") in str(caught.value)
    assert "harness data download" not in str(caught.value)


def test_incomplete_dataset_directory_lists_the_missing_files(tmp_path):
    write_svhn(tmp_path / "svhn")
    (tmp_path / "svhn" / "test_32x32.mat").unlink()
    with pytest.raises(BenchmarkFileError, match="lacks test_32x32.mat"):
        load_dataset("svhn", tmp_path)


# --- the real CIFAR-10 copy in ../shared/data ------------------------------------------------


@pytest.mark.shared_data
def test_real_cifar10_has_the_documented_checksum(shared_cifar10):
    readme = (shared_cifar10.parents[1] / "README.md").read_text()
    documented = re.search(r"md5: data_batch_1 ([0-9a-f]{32})", readme)
    assert documented, "the shared data README no longer documents the data_batch_1 md5"
    actual = hashlib.md5((shared_cifar10 / "data_batch_1").read_bytes()).hexdigest()
    assert actual == documented.group(1)


@pytest.mark.shared_data
def test_real_cifar10_loads_through_the_design_layout(shared_cifar10):
    image_set = load_dataset("cifar10", shared_cifar10.parents[1])
    assert image_set.train_images.shape == (50_000, 3, 32, 32)
    assert image_set.test_images.shape == (10_000, 3, 32, 32)
    assert set(np.unique(image_set.train_labels).tolist()) == set(range(10))
    assert set(np.unique(image_set.test_labels).tolist()) == set(range(10))
    # Cross-check order and pixel layout against an independent read of the first file.
    with (shared_cifar10 / "data_batch_1").open("rb") as handle:
        first = pickle.load(handle, encoding="latin1")
    np.testing.assert_array_equal(image_set.train_images[:10_000].reshape(10_000, -1), first["data"])
    np.testing.assert_array_equal(image_set.train_labels[:10_000], first["labels"])
