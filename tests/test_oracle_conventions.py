"""The benchmark/paper naming conventions (DESIGN.md "Benchmark conventions") are self-consistent."""

from __future__ import annotations

import pytest

from spaces.errors import ConfigError
from spaces.nb201.conventions import (
    BENCHMARK_SPLITS,
    PAPER_DATASETS,
    PAPER_SPLIT_NAMES,
    PAPER_SPLITS,
    benchmark_column,
    check_benchmark_column,
    check_epochs,
)


def test_every_paper_column_is_a_benchmark_column():
    assert set(PAPER_SPLITS) == {(d, s) for d in PAPER_DATASETS for s in PAPER_SPLIT_NAMES}
    for dataset, split in PAPER_SPLITS.values():
        check_benchmark_column(dataset, split)


def test_cifar10_valid_and_test_come_from_different_trainings():
    # The papers' CIFAR-10 "valid" is the 25k-trained cifar10-valid; "test" the 50k-trained cifar10.
    assert benchmark_column("cifar10", "valid") == ("cifar10-valid", "x-valid")
    assert benchmark_column("cifar10", "test") == ("cifar10", "ori-test")


def test_cifar100_and_imagenet_use_the_halves_of_the_test_set():
    for dataset in ("cifar100", "ImageNet16-120"):
        assert benchmark_column(dataset, "valid") == (dataset, "x-valid")
        assert benchmark_column(dataset, "test") == (dataset, "x-test")
        assert set(BENCHMARK_SPLITS[dataset]) == {"x-valid", "x-test", "ori-test"}


def test_unknown_names_say_what_exists():
    with pytest.raises(ConfigError, match="cifar10-valid, cifar10, cifar100, ImageNet16-120"):
        check_benchmark_column("imagenet", "x-valid")
    with pytest.raises(ConfigError, match="x-valid, ori-test"):
        check_benchmark_column("cifar10-valid", "x-test")
    with pytest.raises(ConfigError, match="cifar10, cifar100, ImageNet16-120"):
        benchmark_column("svhn", "test")


def test_epochs_are_explicit_integers():
    assert check_epochs(200) == 200 and check_epochs(12) == 12
    for bad in (None, "200", 200.0, False, 199):
        with pytest.raises(ConfigError):
            check_epochs(bad)
