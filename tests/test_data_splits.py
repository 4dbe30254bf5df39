"""Search splits: the DARTS convention, the official NAS-Bench-201 file, seeded subsets."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.data import darts_split, nb201_split, subset
from spaces.errors import BenchmarkFileError, ConfigError


@given(n=st.integers(2, 5000), portion=st.floats(0.01, 0.99))
def test_darts_split_puts_the_first_floor_portion_in_train_and_the_rest_in_validation(n, portion):
    cut = math.floor(portion * n)
    if cut in (0, n):
        with pytest.raises(ConfigError):
            darts_split(n, portion)
        return
    train, valid = darts_split(n, portion)
    np.testing.assert_array_equal(train, np.arange(cut))
    np.testing.assert_array_equal(valid, np.arange(cut, n))


@pytest.mark.parametrize("portion", [0.0, 1.0, -0.5, 1.5])
def test_darts_split_rejects_portions_that_leave_a_side_empty(portion):
    with pytest.raises(ConfigError, match="train_portion"):
        darts_split(100, portion)


@pytest.mark.shared_data
def test_official_nb201_split_halves_the_cifar10_training_set(shared_cifar_split):
    train, valid = nb201_split(shared_cifar_split)
    assert len(train) == len(valid) == 25_000
    assert np.intersect1d(train, valid).size == 0
    np.testing.assert_array_equal(np.union1d(train, valid), np.arange(50_000))
    assert train.dtype == valid.dtype == np.int64


def _write_split(path, train, valid, tag="int"):
    path.write_text(json.dumps({"train": [tag, [str(i) for i in train]], "valid": [tag, [str(i) for i in valid]]}))
    return path


def test_a_valid_handwritten_split_round_trips(tmp_path):
    order = np.random.default_rng(0).permutation(50_000)
    train, valid = nb201_split(_write_split(tmp_path / "split.txt", order[:25_000], order[25_000:]))
    np.testing.assert_array_equal(train, order[:25_000])
    np.testing.assert_array_equal(valid, order[25_000:])


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_text("{not json"), "not valid JSON"),
        (lambda p: p.write_text(json.dumps({"train": ["int", []]})), "'train' and 'valid'"),
        (lambda p: _write_split(p, range(25_000), range(25_000, 50_000), tag="str"), "unknown form"),
        (lambda p: _write_split(p, range(25_000), range(25_000, 49_999)), "24999 'valid'"),
        (lambda p: _write_split(p, range(25_000), range(24_999, 49_999)), "both 'train' and 'valid'"),
        (lambda p: _write_split(p, [0] + list(range(1, 25_000))[:-1] + [0], range(25_000, 50_000)), "repeats"),
        (lambda p: _write_split(p, range(25_000), range(25_001, 50_001)), "outside 0..49999"),
        (lambda p: p.write_text(json.dumps({"train": ["int", ["1.5"] * 25_000], "valid": ["int", []]})), "non-integer"),
    ],
    ids=["garbage", "missing-key", "wrong-tag", "wrong-count", "overlap", "repeat", "out-of-range", "non-integer"],
)
def test_corrupt_split_files_are_rejected_naming_the_file(tmp_path, make, message):
    path = tmp_path / "cifar-split.txt"
    make(path)
    with pytest.raises(BenchmarkFileError) as caught:
        nb201_split(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_missing_split_file_is_named(tmp_path):
    with pytest.raises(BenchmarkFileError, match="cifar-split.txt"):
        nb201_split(tmp_path / "cifar-split.txt")


def test_subset_takes_distinct_members_reproducibly():
    indices = np.arange(1000, 2000)
    first = subset(indices, 100, np.random.default_rng(7))
    again = subset(indices, 100, np.random.default_rng(7))
    other = subset(indices, 100, np.random.default_rng(8))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(np.sort(first), np.sort(other))
    assert len(np.unique(first)) == 100 and np.isin(first, indices).all()
    # A seeded permutation, not the first n: the subset spans the split.
    assert first.max() - first.min() > 500


@pytest.mark.parametrize("n", [0, 1001])
def test_subset_of_impossible_size_is_a_config_error(n):
    with pytest.raises(ConfigError, match="subset"):
        subset(np.arange(1000), n, np.random.default_rng(0))
