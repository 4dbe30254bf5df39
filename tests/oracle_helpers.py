"""NB201 oracle test data: the CSV dump's documented columns, and synthetic tables in a valid layout.

The fixtures built from them (`nb201_store`, `nb201_oracle`, `synthetic_store`, ...) are in conftest.py.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from spaces.nb201.conventions import BENCHMARK_SPLITS, OFFICIAL_ARCH_0
from spaces.nb201.encoding import NUM_ARCHS, all_archs
from spaces.nb201.importers.table import ImportedTable, SourceInfo, parse_arch_list

# The CSV's columns in benchmark terms, written out from data/README.md (the
# spec), not taken from the importer, so the tests check the importer's mapping.
CSV_ACCURACY_COLUMNS = {
    "cifar10-valid.valid.200": ("cifar10-valid", "x-valid", 200),
    "cifar10-valid.test.200": ("cifar10-valid", "ori-test", 200),
    "cifar10.test.200": ("cifar10", "ori-test", 200),
    "cifar100.valid.200": ("cifar100", "x-valid", 200),
    "cifar100.test.200": ("cifar100", "x-test", 200),
    "cifar100.ori-test.200": ("cifar100", "ori-test", 200),
    "ImageNet16-120.valid.200": ("ImageNet16-120", "x-valid", 200),
    "ImageNet16-120.test.200": ("ImageNet16-120", "x-test", 200),
    "ImageNet16-120.ori-test.200": ("ImageNet16-120", "ori-test", 200),
    "cifar10-valid.valid.12": ("cifar10-valid", "x-valid", 12),
    "cifar10.test.12": ("cifar10", "ori-test", 12),
    "cifar100.valid.12": ("cifar100", "x-valid", 12),
    "cifar100.test.12": ("cifar100", "x-test", 12),
    "ImageNet16-120.valid.12": ("ImageNet16-120", "x-valid", 12),
    "ImageNet16-120.test.12": ("ImageNet16-120", "x-test", 12),
}
CSV_PARAMS_COLUMNS = {"cifar10.params_mb": "cifar10", "cifar100.params_mb": "cifar100",
                      "ImageNet16-120.params_mb": "ImageNet16-120"}
CSV_TRAIN_SECONDS_COLUMNS = {"cifar10-valid.train_seconds.200": ("cifar10-valid", 200),
                             "cifar100.train_seconds.200": ("cifar100", 200),
                             "ImageNet16-120.train_seconds.200": ("ImageNet16-120", 200)}



def synthetic_arch_strings() -> list[str]:
    """All 15625 architectures, official architecture 0 first (what an official-order source must start with)."""
    return list(_synthetic_arch_strings())


@lru_cache(maxsize=1)
def _synthetic_arch_strings() -> tuple[str, ...]:
    strings = [str(arch) for arch in all_archs()]
    first = strings.index(OFFICIAL_ARCH_0)
    strings[0], strings[first] = strings[first], strings[0]
    return tuple(strings)


@lru_cache(maxsize=1)
def _synthetic_arch_ops() -> np.ndarray:
    return parse_arch_list(_synthetic_arch_strings(), "synthetic")


def synthetic_table(seed: int = 0) -> ImportedTable:
    """Made-up numbers in a valid layout: every 200-epoch column, cifar10-valid x-valid at 12."""
    rng = np.random.default_rng(seed)
    accuracy = {
        (dataset, split, 200): rng.uniform(10.0, 95.0, NUM_ARCHS)
        for dataset, splits in BENCHMARK_SPLITS.items()
        for split in splits
    }
    accuracy[("cifar10-valid", "x-valid", 12)] = rng.uniform(10.0, 80.0, NUM_ARCHS)
    return ImportedTable(
        arch_ops=_synthetic_arch_ops().copy(),
        accuracy=accuracy,
        params_mb={dataset: rng.uniform(0.1, 1.5, NUM_ARCHS) for dataset in ("cifar10", "cifar100", "ImageNet16-120")},
        train_seconds={("cifar10-valid", 200): rng.uniform(1000.0, 3000.0, NUM_ARCHS)},
        seeds={("cifar10-valid", 200): rng.integers(1, 4, NUM_ARCHS).astype(np.uint8)},
        source=SourceInfo(kind="csv", path="/synthetic/nb201.csv", sha256="0" * 64),
    )
