"""The oracle columns of a run record: the seed papers' NB201 table for one architecture.

Accuracy and regret at 200 epochs for CIFAR-10, CIFAR-100 and ImageNet16-120,
"valid" and "test" in the papers' sense (see conventions.PAPER_SPLITS): the
transfer setting of Lambda-DARTS Table 1 / GAEA Table 2.
"""

from __future__ import annotations

from typing import Any

from spaces.nb201.conventions import PAPER_DATASETS, PAPER_SPLITS

PAPER_EPOCHS = 200


def paper_columns(oracle, arch) -> dict[str, Any]:
    accuracy: dict[str, dict[str, float]] = {}
    regret: dict[str, dict[str, float]] = {}
    for dataset in PAPER_DATASETS:
        for split in ("valid", "test"):
            bench_dataset, bench_split = PAPER_SPLITS[(dataset, split)]
            value = float(oracle.accuracy(arch, bench_dataset, bench_split, PAPER_EPOCHS))
            best, _ = oracle.optimum(bench_dataset, bench_split, PAPER_EPOCHS)
            accuracy.setdefault(dataset, {})[split] = value
            regret.setdefault(dataset, {})[split] = float(best) - value
    return {"accuracy": accuracy, "regret": regret}
