"""Evaluation records on disk, laid out like search runs (harness/records.py):

evaluations/<space>/<dataset>/<arch-hash>/<config-hash>/seed-<k>/
    config.json     {"kind": "evaluation", "config": resolved config (the architecture's canonical text in
                    config["arch"]), "arch_hash", "config_hash", "seed", "seed_streams", "provenance"}
    epochs.jsonl    one row per trained epoch: epoch, lr, drop_path_prob, train_loss, train_acc, test_loss,
                    test_acc, time {epoch_seconds, train_seconds}
    checkpoint.pt, checkpoint.prev.pt   latest state and the one before (harness/checkpoints.py)
    summary.json    when training ends: {"complete": true, "test_acc", "test_loss", "params_mb",
                    "multiply_adds_m", "train_seconds", "arch", "protocol", "preset", "final": last row}, or
                    {"complete": false, "failed": {"epoch", "reason"}} after a non-finite loss
    run.lock        held while a process trains it (harness/run_lock.py)

The config hash leaves the architecture out, so every architecture trained with one protocol shares
it (reports group by it); the architecture has its own level, the hash of its canonical text.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from harness.config import config_hash
from harness.records import RunDir

KIND = "evaluation"


def arch_hash(canonical_text: str) -> str:
    return hashlib.sha256(canonical_text.encode()).hexdigest()[:12]


def evaluation_config_hash(config: dict[str, Any]) -> str:
    return config_hash({key: value for key, value in config.items() if key != "arch"})


def evaluation_dir(out_root: Path, config: dict[str, Any], seed: int) -> RunDir:
    return RunDir(Path(out_root) / config["space"] / config["dataset"] / arch_hash(config["arch"])
                  / evaluation_config_hash(config) / f"seed-{seed}")


def is_evaluation_record(recorded: Any) -> bool:
    """Whether a config.json's content is an evaluation's (else a search run's)."""
    return isinstance(recorded, dict) and recorded.get("kind") == KIND
