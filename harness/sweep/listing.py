"""What `harness sweep` prints: the plan with each run's status (--dry-run), the counts before
starting, and the summary at the end."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from harness.sweep.executor import SweepOutcome
from harness.sweep.plan import PlannedRun
from harness.sweep.status import COMPLETE, FAILED, NEW, PARTIAL, RunStatus
from harness.sweep.worker import RUN_LOG
from reports.markdown import markdown_table


def plan_table(plan: list[PlannedRun], statuses: list[RunStatus]) -> str:
    header = ["method", "space", "dataset", "epochs", "grid", "seed", "status", "run dir"]
    rows = []
    for run, status in zip(plan, statuses):
        grid = " ".join(f"{key}={json.dumps(value)}" for key, value in run.grid_values.items())
        rows.append([run.config["method"], run.config["space"], run.config["dataset"], str(run.config["epochs"]),
                     grid, str(run.seed), status.describe(run.config["epochs"]), str(run.run_dir.path)])
    return markdown_table(header, rows)


def status_counts(statuses: list[RunStatus], retry_failed: bool) -> str:
    counts = Counter(status.state for status in statuses)
    failed = f"{counts[FAILED]} failed" + (" (retried: --retry-failed)" if retry_failed else
                                           " (not retried without --retry-failed)")
    return (f"{len(statuses)} runs: {counts[COMPLETE]} complete, {failed}, {counts[PARTIAL]} partial (resume), "
            f"{counts[NEW]} new")


def outcome_summary(outcome: SweepOutcome, total: int, out_root: Path) -> str:
    complete = len(outcome.already_complete) + len(outcome.complete)
    failed = len(outcome.skipped_failed) + len(outcome.failed)
    headline = (f"sweep: {complete} complete, {failed} failed, {len(outcome.errors)} errors, of {total} runs "
                f"({len(outcome.complete)} completed now, {len(outcome.already_complete)} complete before)")
    lines = [headline]
    listed = (("failed now", outcome.failed),
              ("failed before, not retried (--retry-failed reruns them)", outcome.skipped_failed),
              ("errors", outcome.errors))
    for title, pairs in listed:
        if pairs:
            lines.append(f"{title}:")
            lines.extend(f"  {run.label}: {message} (log: {run.run_dir.path / RUN_LOG})" for run, message in pairs)
    if outcome.interrupted:
        lines.append(f"{len(outcome.interrupted)} runs interrupted; they resume when the sweep is started again")
    lines.append(f"records: {out_root}")
    return "\n".join(lines)
