"""Where a planned run stands on disk: complete, failed, partial (resumes) or new."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.records import RunDir, read_epochs_tolerating_torn_tail

COMPLETE, FAILED, PARTIAL, NEW = "complete", "failed", "partial", "new"


@dataclass(frozen=True)
class RunStatus:
    state: str  # COMPLETE | FAILED | PARTIAL | NEW
    epochs_done: int | None  # rows in epochs.jsonl; None for a complete run (not read: it has them all)
    failure: dict[str, Any] | None = None  # {"epoch", "reason"} when FAILED

    def describe(self, epochs: int) -> str:
        if self.state == FAILED:
            return f"failed at epoch {self.failure['epoch']}: {self.failure['reason']}"
        if self.state == PARTIAL:
            return f"partial at epoch {self.epochs_done}/{epochs}"
        return self.state


def run_status(run_dir: RunDir) -> RunStatus:
    """Read from the run's own files (BenchmarkFileError when they are damaged).

    Partial means a checkpoint exists: the run resumes from it. epochs.jsonl is written
    before the checkpoint, so a run killed between the two shows one epoch more than it
    resumes from (the runner drops that row and redoes the epoch).
    """
    if run_dir.is_complete():
        return RunStatus(COMPLETE, None)
    failure = run_dir.failure()
    if failure is not None:
        return RunStatus(FAILED, _recorded_epochs(run_dir), failure)
    if run_dir.has_checkpoint():
        return RunStatus(PARTIAL, _recorded_epochs(run_dir))
    return RunStatus(NEW, 0)


def _recorded_epochs(run_dir: RunDir) -> int:
    # a torn last line is a crash mid-write that the resumed run repairs (harness/checkpoints.py)
    return len(read_epochs_tolerating_torn_tail(run_dir.epochs)[0])


def forget_failure(run_dir: RunDir) -> None:
    """Make a failed run new again (--retry-failed).

    It starts over rather than resuming: on the same device and versions, resuming from the
    last checkpoint replays the same divergence, so a retry is only worth it after a change of
    code or versions, which the earlier epochs were not computed with either. The summary goes
    last, so an interruption here leaves the run either still failed or new, never half of each.
    """
    for path in (run_dir.checkpoint, run_dir.previous_checkpoint, run_dir.epochs, run_dir.summary):
        path.unlink(missing_ok=True)
