"""NAS-Bench-201 dataset, split and epoch names, and how the papers name them.

The benchmark names (those of the official NAS-Bench-201 / NATS-Bench APIs):
- `cifar10-valid`: trained on 25k CIFAR-10 training images; evaluated on `x-valid`
  (the other 25k) and `ori-test` (the CIFAR-10 test set);
- `cifar10`: trained on all 50k; evaluated on `ori-test`;
- `cifar100`, `ImageNet16-120`: evaluated on `x-valid` and `x-test`, the two halves of
  `ori-test`, which is also recorded.

The seed papers (Lambda-DARTS Table 1, GAEA Table 2; DESIGN.md "Benchmark
conventions") report "valid" and "test" per dataset. Their CIFAR-10 columns come
from two different trainings: "valid" is cifar10-valid/x-valid, "test" is
cifar10/ori-test. Mixing these up silently shifts every CIFAR-10 number, which is
why the mapping lives here, once, and nowhere else.
"""

from __future__ import annotations

from spaces.errors import ConfigError

BENCHMARK_SPLITS: dict[str, tuple[str, ...]] = {
    "cifar10-valid": ("x-valid", "ori-test"),
    "cifar10": ("ori-test",),
    "cifar100": ("x-valid", "x-test", "ori-test"),
    "ImageNet16-120": ("x-valid", "x-test", "ori-test"),
}
BENCHMARK_DATASETS: tuple[str, ...] = tuple(BENCHMARK_SPLITS)

# 200 is the benchmark's real training; 12 (`hp=12`) is a separate, shorter
# schedule with its own learning-rate decay, not the 12th epoch of the 200 run.
EPOCH_BUDGETS: tuple[int, ...] = (200, 12)
PAPER_EPOCHS = 200

PAPER_DATASETS: tuple[str, ...] = ("cifar10", "cifar100", "ImageNet16-120")
PAPER_SPLIT_NAMES: tuple[str, ...] = ("valid", "test")
PAPER_SPLITS: dict[tuple[str, str], tuple[str, str]] = {
    ("cifar10", "valid"): ("cifar10-valid", "x-valid"),
    ("cifar10", "test"): ("cifar10", "ori-test"),
    ("cifar100", "valid"): ("cifar100", "x-valid"),
    ("cifar100", "test"): ("cifar100", "x-test"),
    ("ImageNet16-120", "valid"): ("ImageNet16-120", "x-valid"),
    ("ImageNet16-120", "test"): ("ImageNet16-120", "x-test"),
}

# Row 0 of the official index order (NAS-Bench-201 meta file, NATS-Bench tss).
# Any source whose first architecture differs is not in the official order.
OFFICIAL_ARCH_0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"


def check_benchmark_column(dataset: str, split: str) -> None:
    """Raise ConfigError unless (dataset, split) is a column NAS-Bench-201 defines."""
    if dataset not in BENCHMARK_SPLITS:
        raise ConfigError(
            f"unknown NAS-Bench-201 dataset {dataset!r}; benchmark datasets are {', '.join(BENCHMARK_DATASETS)}"
            f" (for the papers' names use {', '.join(PAPER_DATASETS)} with split valid/test)"
        )
    if split not in BENCHMARK_SPLITS[dataset]:
        raise ConfigError(
            f"NAS-Bench-201 dataset {dataset!r} has no split {split!r}; its splits are "
            f"{', '.join(BENCHMARK_SPLITS[dataset])}"
        )


def check_epochs(epochs: object) -> int:
    """The epoch budget as an int; ConfigError for anything but 200 or 12."""
    if isinstance(epochs, bool) or not hasattr(epochs, "__index__"):
        raise ConfigError(f"epochs must be the integer 200 or 12 (the benchmark's two budgets), got {epochs!r}")
    value = epochs.__index__()
    if value not in EPOCH_BUDGETS:
        raise ConfigError(
            f"NAS-Bench-201 records results after 200 epochs and (a separate, shorter run) 12 epochs; got {value}"
        )
    return value


def benchmark_column(paper_dataset: str, paper_split: str) -> tuple[str, str]:
    """(benchmark dataset, benchmark split) behind the papers' (dataset, "valid"/"test")."""
    try:
        return PAPER_SPLITS[(paper_dataset, paper_split)]
    except KeyError:
        raise ConfigError(
            f"unknown paper column ({paper_dataset!r}, {paper_split!r}); paper datasets are "
            f"{', '.join(PAPER_DATASETS)} and splits are {', '.join(PAPER_SPLIT_NAMES)}"
        ) from None
