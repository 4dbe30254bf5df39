"""Published NB201 numbers, quoted from the seed papers' tables, with their sources.

They are reference rows printed beside the measured ones and marked as
published; they never enter a statistic computed from run records. All are
accuracy in percent, search on CIFAR-10 (the transfer setting), 200-epoch
NB201 training. A std the paper does not print here is None, not 0.
"""

from __future__ import annotations

from dataclasses import dataclass

LAMBDA_DARTS = ("Movahedi et al., Lambda-DARTS: Mitigating Performance Collapse by Harmonizing Operation "
                "Selection among Cells, ICLR 2023")
GAEA = ("Li, Khodak, Balcan & Talwalkar, Geometry-Aware Gradient Algorithms for Neural Architecture Search, "
        "ICLR 2021")


@dataclass(frozen=True)
class PublishedRow:
    method: str
    source: str  # short: paper and table, shown in the table's source column
    citation: str
    accuracy: dict[tuple[str, str], tuple[float, float | None]]  # (dataset, "valid"|"test") -> (mean, std)
    seeds: int | None = None  # how many runs the paper averages, when it says

    def stat(self, dataset: str, split: str) -> tuple[float, float | None] | None:
        return self.accuracy.get((dataset, split))


def _valid_test(c10, c100, in16, std=None):
    """Lambda-DARTS Table 1 order: (valid, test) per dataset."""
    return {("cifar10", "valid"): (c10[0], std), ("cifar10", "test"): (c10[1], std),
            ("cifar100", "valid"): (c100[0], std), ("cifar100", "test"): (c100[1], std),
            ("ImageNet16-120", "valid"): (in16[0], std), ("ImageNet16-120", "test"): (in16[1], std)}


def _test(c10, c100, in16):
    """GAEA Table 2 order: test (mean, std) per dataset."""
    return {("cifar10", "test"): c10, ("cifar100", "test"): c100, ("ImageNet16-120", "test"): in16}


_LAMBDA_TABLE_1 = "Lambda-DARTS Table 1"
# Lambda-DARTS Table 1 (NB201, search on CIFAR-10): valid / test accuracy.
LAMBDA_DARTS_TABLE_1: tuple[PublishedRow, ...] = (
    PublishedRow("DARTS (1st)", _LAMBDA_TABLE_1, LAMBDA_DARTS, _valid_test((39.77, 54.30), (15.03, 15.61), (16.43, 16.32))),
    PublishedRow("GDAS", _LAMBDA_TABLE_1, LAMBDA_DARTS, _valid_test((89.89, 93.61), (71.34, 70.70), (41.59, 41.71))),
    PublishedRow("DARTS-", _LAMBDA_TABLE_1, LAMBDA_DARTS, _valid_test((91.03, 93.80), (71.36, 71.53), (44.87, 45.12))),
    PublishedRow("beta-DARTS", _LAMBDA_TABLE_1, LAMBDA_DARTS,
                 _valid_test((91.55, 94.36), (73.49, 73.51), (46.37, 46.34), std=0.00), seeds=4),
    PublishedRow("Lambda-DARTS", _LAMBDA_TABLE_1, LAMBDA_DARTS,
                 _valid_test((91.55, 94.36), (73.49, 73.51), (46.37, 46.34), std=0.00), seeds=4),
)

_GAEA_TABLE_2 = "GAEA Table 2"
# GAEA Table 2 (NB201, transfer setting: search on CIFAR-10): test accuracy, mean ± std.
GAEA_TABLE_2_TRANSFER: tuple[PublishedRow, ...] = (
    PublishedRow("GAEA DARTS (ERM)", _GAEA_TABLE_2, GAEA, _test((94.10, 0.29), (72.60, 0.89), (45.81, 0.51))),
    PublishedRow("GAEA DARTS (bilevel)", _GAEA_TABLE_2, GAEA, _test((91.63, 2.57), (68.39, 4.47), (41.59, 4.20))),
    PublishedRow("DARTS (ERM)", _GAEA_TABLE_2, GAEA, _test((84.39, 3.82), (54.81, 7.08), (31.82, 4.78))),
    PublishedRow("GDAS", _GAEA_TABLE_2, GAEA, _test((93.61, 0.09), (70.70, 0.30), (41.71, 0.98))),
)
