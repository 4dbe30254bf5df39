"""The architectures to evaluate: the one a search run returns, or one given as text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from harness.evaluation.records import is_evaluation_record
from harness.records import RunDir, find_run_dirs, read_epochs, read_json
from harness.selection import check_selection, selected_row
from spaces.errors import BenchmarkFileError, ConfigError


@dataclass(frozen=True)
class ArchSource:
    space: str
    arch: str  # as written (the search run's text or --arch)
    dataset: str | None  # the search dataset, the default to train on; None for --arch
    origin: str  # where it came from, for messages


def from_search_runs(paths: list[Path], selection: str, log: Callable[[str], None]) -> list[ArchSource]:
    """The architecture each complete search run under `paths` returns under `selection`
    (harness/selection.py). A run named directly must be complete; under a directory, incomplete
    runs are skipped with a message."""
    check_selection(selection)
    sources = []
    for path in paths:
        named_directly = (path / "config.json").is_file()
        for run_dir in find_run_dirs([path]):
            source = _from_run(run_dir, selection, named_directly, log)
            if source is not None:
                sources.append(source)
    if not sources:
        raise ConfigError(f"no complete search run under {', '.join(map(str, paths))}; give the --out directory of "
                          f"`harness run` (or run directories inside it), or --space and --arch")
    return sources


def source_of_run(run_dir: RunDir, selection: str = "final") -> ArchSource:
    """The architecture a complete search run returns (ConfigError when it is incomplete or failed)."""
    source = _from_run(run_dir, selection, True, lambda message: None)
    assert source is not None  # a directly named run either yields a source or raises
    return source


def _from_run(run_dir: RunDir, selection: str, named_directly: bool, log) -> ArchSource | None:
    recorded = read_json(run_dir.config)
    if is_evaluation_record(recorded):
        if named_directly:
            raise ConfigError(f"{run_dir.path} is an evaluation, not a search run")
        return None
    if not isinstance(recorded, dict) or not isinstance(recorded.get("config"), dict) \
            or "space" not in recorded["config"]:
        raise BenchmarkFileError(f"{run_dir.config} lacks the run's config; the run record is damaged")
    config = recorded["config"]
    if not run_dir.is_complete():
        state = "failed" if run_dir.is_failed() else "incomplete"
        if named_directly:
            raise ConfigError(f"search run {run_dir.path} is {state}: it has no final architecture to evaluate")
        log(f"skipping {run_dir.path}: {state}")
        return None
    rows = read_epochs(run_dir.epochs)
    if not rows or "arch" not in rows[-1]:
        raise BenchmarkFileError(f"{run_dir.epochs} has no architecture rows; the run record is damaged")
    row = selected_row(rows, config, selection)
    return ArchSource(config["space"], row["arch"], config.get("dataset"),
                      f"{run_dir.path} ({selection}: epoch {row['epoch']})")
