"""Evaluation records (`harness evaluate`, harness/evaluation/records.py) found among the report's paths.

A complete evaluation contributes its summary (final test accuracy, size); incomplete and failed ones
are skipped and listed like incomplete search runs. An evaluation is matched to a search setting by its
space and the canonical text of the architecture a search seed returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.evaluation.architectures import evaluation_space, parse_canonical
from harness.records import RunDir, read_json
from spaces.errors import BenchmarkFileError, UserError

REQUIRED = ("config", "arch_hash", "config_hash", "seed")


@dataclass
class LoadedEvaluation:
    path: Path
    config: dict[str, Any]
    config_hash: str
    arch_hash: str
    seed: int
    summary: dict[str, Any]

    @property
    def protocol(self) -> str:
        """Which protocol trained it: the protocol's name, the preset, and the config hash when settings were
        changed with --set (two differently changed protocols must not share a label)."""
        return f"{self.config['protocol']}, {self.config['preset']} preset ({self.config_hash})"

    @property
    def key(self) -> tuple[str, str, str]:
        return self.config["space"], self.config["dataset"], self.config["arch"]


def load_evaluation(run_dir: RunDir, recorded: dict[str, Any]) -> LoadedEvaluation | str:
    """The evaluation, or why it is skipped (incomplete or failed)."""
    missing = [key for key in REQUIRED if key not in recorded]
    if missing or not isinstance(recorded["config"], dict):
        raise BenchmarkFileError(f"{run_dir.config} lacks {', '.join(missing) or 'a config object'}; the "
                                 f"evaluation record is damaged")
    if not run_dir.is_complete():
        failure = run_dir.failure()
        if failure is not None:
            return f"evaluation failed at epoch {failure.get('epoch')}: {failure.get('reason')}"
        return "evaluation incomplete (no summary.json): interrupted or still running"
    summary = read_json(run_dir.summary)
    if not isinstance(summary.get("test_acc"), (int, float)):
        raise BenchmarkFileError(f"{run_dir.summary} lacks test_acc; the evaluation record is damaged")
    return LoadedEvaluation(run_dir.path, recorded["config"], recorded["config_hash"], recorded["arch_hash"],
                            recorded["seed"], summary)


def canonical_arch(space: str, text: str) -> str | None:
    """The canonical text a search row's architecture is evaluated under; None for spaces without evaluations."""
    try:
        return parse_canonical(evaluation_space(space), text)[1]
    except UserError:  # a space without an evaluation network (or text it cannot read): nothing matches it
        return None
