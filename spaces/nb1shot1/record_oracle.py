"""What a search run records about a 1Shot1 architecture: its NAS-Bench-101 accuracy and regret, in percent.

    {"accuracy": {"cifar10": {"test": 94.01}}, "regret": {"cifar10": {"test": 0.31}}}

- NAS-Bench-101's accuracy after its full 108 epochs, the mean over the benchmark's 3 repeats (the
  column NAS-Bench-1Shot1 reports: experiments/analysis/experiment_database.py reads test errors at
  108 epochs), in percent as the NB201 records are;
- regret: the best mean accuracy over the space's own configurations minus the architecture's
  (OneShotOracle.regret: 0 for the best architecture; the repository's variant against a per-repeat
  minimum needs per-repeat data, OneShotOracle.repo_regret);
- "valid" only when the store holds the mean validation accuracy at 108 epochs for every cell (an
  official TFRecord import). The shared CSV dump does not (it has one repeat's validation accuracy for
  30,001 cells, so no space optimum and no regret): `validation_absent` says why, and the run records
  simply have no "valid" key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spaces.nb101.oracle import NB101Oracle
from spaces.nb101.table import ColumnKey
from spaces.nb1shot1.architecture import OneShotArch
from spaces.nb1shot1.oracle import OneShotOracle
from spaces.nb1shot1.spaces import OneShotSpace

DATASET = "cifar10"  # NAS-Bench-101 trains on CIFAR-10 only
EPOCHS = 108  # NAS-Bench-101's full budget, the one 1Shot1 evaluates at
SPLITS = ("valid", "test")


class RecordOracle:
    def __init__(self, oneshot: OneShotOracle):
        self.oneshot = oneshot
        self.nb101: NB101Oracle = oneshot.nb101
        self.path: Path = self.nb101.path
        self.splits = tuple(split for split in SPLITS if _absent_reason(self.nb101, split) is None)
        self.validation_absent: str | None = _absent_reason(self.nb101, "valid")
        self._optima: dict[str, tuple[float, OneShotArch]] = {}

    @classmethod
    def load(cls, space: OneShotSpace, store_path: Path) -> "RecordOracle":
        return cls(OneShotOracle.from_nb101(space, NB101Oracle.load(store_path)))

    def accuracy(self, arch: OneShotArch | str, split: str) -> float:
        """Percent, mean over repeats, 108 epochs."""
        return 100.0 * float(self.oneshot.accuracy(arch, split, EPOCHS))

    def optimum(self, split: str) -> tuple[float, OneShotArch]:
        """(the space's best mean accuracy in percent, its first configuration); computed once per split."""
        if split not in self._optima:
            best, arch, _ = self.oneshot.optimum(split, EPOCHS)
            self._optima[split] = (100.0 * best, arch)
        return self._optima[split]

    def regret(self, arch: OneShotArch | str, split: str) -> float:
        best, _ = self.optimum(split)
        return best - self.accuracy(arch, split)

    def facts(self) -> list[str]:
        """What `harness list spaces` shows of the space beside its decisions: sizes and optimum."""
        sizes = self.oneshot.sizes()
        best, arch = self.optimum("test")
        return [f"{sizes.configurations:,} configurations ({sizes.paper_count:,} by the 1Shot1 paper's count), "
                f"{sizes.nb101_cells:,} distinct NAS-Bench-101 cells",
                f"optimum: {best:.4f} % mean CIFAR-10 test accuracy at {EPOCHS} epochs, {arch}"]

    def describe(self) -> dict[str, Any]:
        """What a run record scored by this store says about it."""
        meta = self.nb101.metadata
        return {"benchmark": "NAS-Bench-101", "store": str(self.path), "source_kind": meta["source_kind"],
                "source_sha256": meta["source_sha256"], "splits": list(self.splits),
                "quantity": f"CIFAR-10 accuracy in percent after {EPOCHS} epochs, mean over the 3 repeats",
                **({"validation_absent": self.validation_absent} if self.validation_absent else {})}

    def record_columns(self, arch: OneShotArch | str) -> dict[str, Any]:
        accuracy = {split: self.accuracy(arch, split) for split in self.splits}
        regret = {split: self.optimum(split)[0] - value for split, value in accuracy.items()}
        return {"accuracy": {DATASET: accuracy}, "regret": {DATASET: regret}}


def _absent_reason(nb101: NB101Oracle, split: str) -> str | None:
    """Why the store cannot give every cell's mean accuracy on `split` at 108 epochs; None when it can."""
    key = ColumnKey("accuracy", split, EPOCHS, "mean")
    availability = nb101.available()
    for info in availability.present:
        if info.key == key:
            if info.complete:
                return None
            return (f"the store's {key} covers only {info.covered:,} of {info.total:,} cells, so the space's "
                    f"optimum (and regret) cannot be computed")
    reasons = dict(availability.absent)
    return f"the store {nb101.path} has no {key}: {reasons.get(key, 'its source does not record it')}"
