"""Evaluations a sweep schedules after its searches (`harness sweep --evaluate PRESET`, sweep-file key
`evaluate`): each complete search run's final architecture is trained from scratch with the preset's
protocol on the dataset it was searched on, seed k for the search of seed k (harness choice: one
training seed per search seed, so seeds of the same architecture do not collapse into one).

They run after every search of the sweep has ended, in the same worker pool and with the same skip /
resume rules (an evaluation is a run directory like a search's); a search still incomplete (failed,
interrupted) has no evaluation. Two searches that returned the same architecture share it.
"""

from __future__ import annotations

from pathlib import Path

from harness.evaluation.architectures import evaluation_space
from harness.evaluation.plan import evaluation_config
from harness.evaluation.protocols import EVALUATION_DATASETS, PRESETS
from harness.evaluation.records import evaluation_config_hash, evaluation_dir
from harness.evaluation.sources import source_of_run
from harness.sweep.plan import PlannedRun
from spaces.errors import ConfigError


def check_evaluations(search_plan: list[PlannedRun], preset: str) -> None:
    """Before any search starts: the preset exists, and every space and dataset of the sweep can be evaluated."""
    if preset not in PRESETS:
        raise ConfigError(f"--evaluate {preset}: unknown evaluation preset; presets: {', '.join(PRESETS)}")
    for space in sorted({run.config["space"] for run in search_plan}):
        evaluation_space(space)
    for dataset in sorted({run.config["dataset"] for run in search_plan}):
        if dataset not in EVALUATION_DATASETS:
            raise ConfigError(f"--evaluate: searches on {dataset} cannot be evaluated here (evaluations train on "
                              f"{', '.join(EVALUATION_DATASETS)})")


def evaluation_plan(search_plan: list[PlannedRun], preset: str, out_root: Path) -> list[PlannedRun]:
    """One planned evaluation per complete search run of the plan (each directory once)."""
    planned: dict[Path, PlannedRun] = {}
    for search in search_plan:
        if not search.run_dir.is_complete():
            continue
        config = evaluation_config(source_of_run(search.run_dir), None, preset)
        run_dir = evaluation_dir(out_root, config, search.seed)
        planned.setdefault(run_dir.path, PlannedRun(config, search.seed, evaluation_config_hash(config), out_root,
                                                    run_dir, search.grid_values))
    return list(planned.values())
