"""A run's checkpoints: the latest and the one before it, so a damaged latest loses one epoch, not the run.

Saving renames the latest to checkpoint.prev.pt (an atomic rename) and writes the new latest to a
temp file renamed into place. A crash at any moment leaves at least one complete checkpoint, but a
filesystem that does not keep renames atomic, or a copy cut short, can still leave a truncated
latest. Restoring therefore tries the newest checkpoint that loads, belongs to this run, and whose
epoch the run's records reach (epochs.jsonl is written before the checkpoint, so it has at least as
many rows unless its own tail was torn).
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from harness.atomic import save_torch
from harness.records import RunDir
from spaces.errors import BenchmarkFileError

CHECKPOINT_FORMAT = 1


@dataclass(frozen=True)
class Restored:
    state: dict[str, Any]
    path: Path
    rejected: tuple[str, ...]  # why newer checkpoints were passed over, for the run's warning


def save_checkpoint(run: RunDir, state: dict[str, Any]) -> None:
    if run.checkpoint.exists():
        os.replace(run.checkpoint, run.previous_checkpoint)
    save_torch(run.checkpoint, {"format": CHECKPOINT_FORMAT, **state})


def newest_usable_checkpoint(run: RunDir, digest: str, seed: int, recorded_epochs: int) -> Restored:
    """The state of the newest checkpoint that loads, is this run's, and is not ahead of its records."""
    rejected = []
    for path in (run.checkpoint, run.previous_checkpoint):
        if not path.exists():
            continue
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except (RuntimeError, EOFError, OSError, ValueError, pickle.UnpicklingError) as error:
            rejected.append(f"{path.name} cannot be read ({_short(error)})")
            continue
        if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT \
                or state.get("config_hash") != digest or state.get("seed") != seed:
            raise BenchmarkFileError(f"checkpoint {path} belongs to another config or seed; delete it")
        if state["epoch"] > recorded_epochs:
            rejected.append(f"{path.name} is at epoch {state['epoch']} but epochs.jsonl holds {recorded_epochs} "
                            f"complete rows")
            continue
        return Restored(state, path, tuple(rejected))
    raise BenchmarkFileError(f"no checkpoint of {run.path} can be resumed from ({'; '.join(rejected)}); delete "
                             f"the run directory to start this seed over")


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0][:160] if text else type(error).__name__
