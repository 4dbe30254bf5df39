"""The trained results of search runs: `harness evaluate` records of the architecture a search seed returned.

Tables of the DARTS family quote test error after training from scratch, never a benchmark lookup, so
their measured cells come from here. A search seed's result on a dataset, per protocol, is the mean over
the training seeds of its architecture (as reports/trained_tables.py). Which seed represents a setting in
a best-of-k table is picked by the supernet's validation accuracy, never by the trained test accuracy.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from harness.selection import has_validation_split
from reports.evaluations import LoadedEvaluation, canonical_arch
from reports.loading import LoadedRun
from reports.settings import Setting


@dataclass(frozen=True)
class TrainedResult:
    protocol: str  # LoadedEvaluation.protocol: protocol, preset and config hash
    test_acc: float  # % correct on the test set, mean over training seeds
    params_mb: float  # evaluation network parameters (M), mean over training seeds (one architecture: equal)
    training_seeds: int

    @property
    def test_error(self) -> float:
        return 100.0 - self.test_acc


class EvaluationIndex:
    """Complete evaluations by (space, trained-on dataset, canonical architecture) and protocol."""

    def __init__(self, evaluations: list[LoadedEvaluation]):
        self._groups: dict[tuple[str, str, str], dict[str, list[LoadedEvaluation]]] = defaultdict(
            lambda: defaultdict(list))
        for evaluation in evaluations:
            self._groups[evaluation.key][evaluation.protocol].append(evaluation)

    def results(self, space: str, run: LoadedRun, dataset: str) -> dict[str, TrainedResult]:
        """protocol -> the trained result on `dataset` of the architecture `run` returns; empty when untrained."""
        arch = canonical_arch(space, run.final["arch"])
        found = self._groups.get((space, dataset, arch), {})
        return {protocol: _mean_result(protocol, members) for protocol, members in sorted(found.items())}


def _mean_result(protocol: str, members: list[LoadedEvaluation]) -> TrainedResult:
    count = len(members)
    return TrainedResult(protocol, sum(m.summary["test_acc"] for m in members) / count,
                         sum(m.summary["params_mb"] for m in members) / count, count)


def best_by_validation(setting: Setting) -> LoadedRun | None:
    """The seed whose returned epoch row has the highest supernet validation accuracy (val_acc; ties: the lowest
    seed, as runs are sorted by seed and max keeps the first). None for single-level searches: their
    validation stream is the test set (harness/selection.py), and picking by it would pick by test."""
    if not has_validation_split(setting.config):
        return None
    return max(setting.runs, key=lambda run: run.final["val_acc"])


def evaluate_hint(run_dir, dataset: str, selection: str) -> str:
    """The command that trains the architecture(s) of a search run directory (or a directory of runs)."""
    select = "" if selection == "final" else f" --select {selection}"
    return f"`harness evaluate {run_dir} --dataset {dataset}{select}`"
