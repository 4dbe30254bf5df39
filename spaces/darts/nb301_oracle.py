"""What a DARTS-family search run records from NAS-Bench-301 (spaces/darts/nb301/):

    {"accuracy": {"cifar10": {"nb301": 94.21}}}

the XGBoost ensemble's mean prediction of the genotype's CIFAR-10 validation accuracy in percent, under
NB301's own training protocol (nb301/oracle.py). No noise (an oracle answers the same twice) and no
regret: the surrogate has no known optimum over the space.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spaces.darts.genotype import DartsGenotype
from spaces.darts.nb301.oracle import NB301Oracle

DATASET = "cifar10"  # NB301 was trained on CIFAR-10 runs only
COLUMN = "nb301"


class DartsNB301Oracle:
    def __init__(self, nb301: NB301Oracle):
        self.nb301 = nb301

    @classmethod
    def load(cls, record_path: Path) -> "DartsNB301Oracle":
        return cls(NB301Oracle.load(record_path))

    def accuracy(self, arch: DartsGenotype) -> float:
        return self.nb301.predict(arch.as_plain())

    def record_columns(self, arch: DartsGenotype) -> dict[str, Any]:
        return {"accuracy": {DATASET: {COLUMN: self.accuracy(arch)}}}

    def facts(self) -> list[str]:
        """What `harness list spaces` shows of the oracle: which surrogate scores the genotypes."""
        return [f"scored by {self.nb301.surrogate}: predicted CIFAR-10 validation accuracy (no known optimum)"]

    def describe(self) -> dict[str, Any]:
        return {**self.nb301.describe(), "column": f"accuracy.{DATASET}.{COLUMN}", "noise": "off"}
