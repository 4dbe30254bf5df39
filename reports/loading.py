"""Run directories -> a tidy list of runs (config, seed, epoch rows), oracle columns filled in.

Reports read only run records (DESIGN.md). A run is reported when it is
complete (summary.json says so); failed ones (stopped by a non-finite loss, as
summary.json records) and incomplete ones (interrupted or still running) are
skipped and listed. A
record that is present but unreadable is a damaged run directory: one clear
error, not a silent skip.

A run searched without the oracle store has no `accuracy` / `regret` in its
rows; they are filled here, for every epoch row, from the store, exactly as the
runner would have written them (the oracle's record_columns).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from tqdm import tqdm

from harness.evaluation.records import is_evaluation_record
from harness.records import RunDir, find_run_dirs, read_epochs, read_json
from harness.selection import check_selection, has_validation_split, selected_row
from reports.evaluations import LoadedEvaluation, load_evaluation
from reports.oracle_source import OracleSources
from spaces.registry import get_space
from spaces.errors import BenchmarkFileError, ConfigError



@dataclass
class LoadedRun:
    run_dir: RunDir
    config: dict[str, Any]  # the resolved config the run was started with
    config_hash: str
    seed: int
    rows: list[dict[str, Any]]  # every epoch, oracle columns present
    complete: bool
    failure: dict[str, Any] | None  # {"epoch", "reason"} when a non-finite loss stopped the run
    search_seconds: float | None  # summary.json's, else the last row's; None without rows
    selection: str = "final"  # which epoch's architecture the run returns (harness/selection.py)
    provenance: dict[str, Any] = field(default_factory=dict)  # config.json's: device, versions (harness/provenance.py)

    @property
    def final(self) -> dict[str, Any]:
        """The row of the architecture the run returns under the report's selection (default: the last)."""
        return selected_row(self.rows, self.config, self.selection)

    @property
    def path(self) -> Path:
        return self.run_dir.path


@dataclass(frozen=True)
class SkippedRun:
    path: Path
    kind: str  # "failed", "incomplete", "incomplete evaluation" or "other space"
    reason: str


@dataclass
class LoadedRuns:
    runs: list[LoadedRun]
    skipped: list[SkippedRun] = field(default_factory=list)
    filled_runs: int = 0  # runs whose oracle columns came from the store at report time
    filled_rows: int = 0
    selection: str = "final"
    final_for_lack_of_validation: int = 0  # best-val runs without a validation split: their final epoch
    evaluations: list[LoadedEvaluation] = field(default_factory=list)  # complete `harness evaluate` records


def load_run(run_dir: RunDir) -> LoadedRun:
    """One run directory as recorded (oracle columns not filled); BenchmarkFileError if damaged."""
    recorded = read_json(run_dir.config)
    fields = ("config", "seed", "config_hash")
    missing = [key for key in fields if key not in recorded] if isinstance(recorded, dict) else list(fields)
    if missing or not isinstance(recorded["config"], dict):
        raise BenchmarkFileError(f"{run_dir.config} lacks {', '.join(missing) or 'a config object'}; "
                                 f"the run record is damaged")
    rows = read_epochs(run_dir.epochs)
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or row.get("epoch") != number or "arch" not in row:
            raise BenchmarkFileError(f"{run_dir.epochs}, line {number}: not the row of epoch {number} "
                                     f"(epoch and arch expected); the run record is damaged")
    complete = run_dir.is_complete()
    failure = None if complete else run_dir.failure()
    search_seconds = rows[-1]["time"]["search_seconds"] if rows and "time" in rows[-1] else None
    if complete:
        summary = read_json(run_dir.summary)
        if not isinstance(summary, dict) or summary.get("epochs") != len(rows):
            raise BenchmarkFileError(
                f"{run_dir.summary} says {summary.get('epochs') if isinstance(summary, dict) else '?'} epochs but "
                f"{run_dir.epochs} holds {len(rows)} rows; the run record is damaged")
        search_seconds = summary.get("search_seconds", search_seconds)
    return LoadedRun(run_dir, recorded["config"], recorded["config_hash"], recorded["seed"], rows, complete, failure,
                     search_seconds, provenance=recorded.get("provenance", {}))


def load_runs(paths: list[Path], oracles: OracleSources, show_progress: bool = True,
              selection: str = "final", oracle_optional: Callable[[str], bool] = lambda space: False) -> LoadedRuns:
    """Every complete run at or below `paths`, with oracle columns, each returning the architecture of the
    epoch `selection` picks (harness/selection.py); ConfigError when there is none.

    `oracle_optional(space)`: whether the space's runs may stay without oracle columns when its store is
    not installed (reports/space_reports.py: tables built from evaluations); otherwise that is an error."""
    check_selection(selection)
    run_dirs = _unique(find_run_dirs(paths))
    if not run_dirs:
        raise ConfigError(f"no run directories (holding config.json) under {', '.join(map(str, paths))}; "
                          f"pass the --out directory of `harness run` or a run directory inside it")
    loaded = LoadedRuns(runs=[], selection=selection)
    for run_dir in tqdm(run_dirs, desc="reading runs", unit="run", disable=not show_progress, leave=False):
        recorded = read_json(run_dir.config)
        if is_evaluation_record(recorded):
            evaluation = load_evaluation(run_dir, recorded)
            if isinstance(evaluation, str):
                loaded.skipped.append(SkippedRun(run_dir.path, "incomplete evaluation", evaluation))
            else:
                loaded.evaluations.append(evaluation)
            continue
        run = load_run(run_dir)
        skip = _skip(run)
        if skip:
            loaded.skipped.append(skip)
            continue
        run.selection = selection
        loaded.final_for_lack_of_validation += selection == "best-val" and not has_validation_split(run.config)
        filled = fill_oracle_columns(run, oracles, oracle_optional)
        loaded.filled_runs += bool(filled)
        loaded.filled_rows += filled
        loaded.runs.append(run)
    if not loaded.runs and not loaded.evaluations:
        listing = "; ".join(f"{s.path}: {s.reason}" for s in loaded.skipped[:5])
        more = f" (and {len(loaded.skipped) - 5} more)" if len(loaded.skipped) > 5 else ""
        raise ConfigError(f"none of the {len(run_dirs)} runs under {', '.join(map(str, paths))} can be reported: "
                          f"{listing}{more}")
    return loaded


def fill_oracle_columns(run: LoadedRun, oracles: OracleSources,
                        oracle_optional: Callable[[str], bool] = lambda space: False) -> int:
    """Add the oracle columns to every row that lacks them (runs of a space with a benchmark only);
    returns how many rows were filled."""
    space = run.config["space"]
    subject = get_space(space)
    if subject.oracle_benchmark is None:
        return 0
    missing = [row for row in run.rows if "accuracy" not in row]  # the runner writes all oracle columns or none
    if not missing:
        return 0
    if oracle_optional(space) and not oracles.for_space(space).present():
        return 0  # its tables say which columns stay empty and how to import the store
    table = oracles.for_space(space).require(f"{run.path} was searched without the oracle store, so the report "
                                             f"fills its accuracy columns from it")
    columns_of: dict[str, dict[str, Any]] = {}  # an architecture is often derived for many epochs in a row
    for row in missing:
        if row["arch"] not in columns_of:
            columns_of[row["arch"]] = table.record_columns(subject.parse(row["arch"]))
        row.update(columns_of[row["arch"]])
    return len(missing)


def _skip(run: LoadedRun) -> SkippedRun | None:
    if run.failure is not None:
        return SkippedRun(run.path, "failed", f"failed at epoch {run.failure.get('epoch')}: "
                                              f"{run.failure.get('reason')}")
    if not run.complete:
        return SkippedRun(run.path, "incomplete",
                          f"incomplete ({len(run.rows)} of {run.config.get('epochs')} epochs, no summary.json): "
                          f"interrupted or still running")
    return None


def _unique(run_dirs: list[RunDir]) -> list[RunDir]:
    """Overlapping arguments (a root and a run inside it) name each run once."""
    seen, unique = set(), []
    for run_dir in run_dirs:
        key = run_dir.path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(run_dir)
    return unique
