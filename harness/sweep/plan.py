"""Expanding a sweep into its runs: methods x spaces x datasets x epochs x grid values x seeds.

Each run is resolved exactly as `harness run` resolves it (preset, --set, then the grid
values as further --set assignments), so its run directory is the normal
runs/<space>/<dataset>/<method>/<config-hash>/seed-<k>: `harness run` and `harness sweep`
share records, and a run done by either is not done again.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.config import config_hash, parse_assignment, resolve_config
from harness.records import RunDir
from harness.sweep.grid import GridAxis
from methods.registry import get_method, list_methods
from spaces.errors import ConfigError


@dataclass(frozen=True)
class SweepSpec:
    methods: tuple[str, ...]  # registered names, or ("all",)
    spaces: tuple[str, ...]
    out: Path
    datasets: tuple[str | None, ...] = (None,)  # None: the config's default dataset
    seeds: int = 1  # seeds seed_offset .. seed_offset + seeds - 1, as `harness run`
    seed_offset: int = 0
    epochs: tuple[int | None, ...] = (None,)  # None: the method's (or preset's) epochs
    grid: tuple[GridAxis, ...] = ()
    preset: str = "paper"
    assignments: tuple[str, ...] = ()  # --set KEY=VALUE, applied to every run before the grid values


@dataclass(frozen=True)
class PlannedRun:
    config: dict[str, Any]  # resolved, as saved in config.json
    seed: int
    config_hash: str
    out_root: Path
    run_dir: RunDir
    grid_values: dict[str, Any] = field(default_factory=dict)  # axis label -> this run's value

    @property
    def label(self) -> str:
        if self.config.get("kind") == "evaluation":  # an evaluation scheduled after its search (sweep --evaluate)
            return (f"evaluate {self.config['space']} {self.run_dir.path.parent.parent.name} on "
                    f"{self.config['dataset']} ({self.config['preset']}, {self.config['epochs']} epochs) "
                    f"seed {self.seed}")
        values = " ".join(f"{key}={json.dumps(value)}" for key, value in self.grid_values.items())
        return " ".join(part for part in (self.config["method"], self.config["dataset"],
                                          f"{self.config['epochs']} epochs", values, f"seed {self.seed}") if part)


def expand_plan(spec: SweepSpec) -> list[PlannedRun]:
    methods = _method_names(spec.methods)
    _check_counts(spec)
    _check_grid(spec, methods)
    plan = []
    for method in methods:
        axes = [axis for axis in spec.grid if axis.applies_to(method)]
        for space, dataset, epochs in itertools.product(spec.spaces, spec.datasets, spec.epochs):
            base = resolve_config(method, space, spec.preset, dataset, epochs, list(spec.assignments))
            for axis in axes:
                _check_key_exists(base, axis, method)
            for values in itertools.product(*(axis.values for axis in axes)):
                grid = [f"{axis.key}={json.dumps(value)}" for axis, value in zip(axes, values)]
                config = resolve_config(method, space, spec.preset, dataset, epochs, [*spec.assignments, *grid])
                digest = config_hash(config)
                labels = {axis.label: value for axis, value in zip(axes, values)}
                for seed in range(spec.seed_offset, spec.seed_offset + spec.seeds):
                    run_dir = RunDir.for_config(spec.out, config, digest, seed)
                    plan.append(PlannedRun(config, seed, digest, spec.out, run_dir, labels))
    _check_distinct(plan)
    return plan


def _method_names(requested: tuple[str, ...]) -> list[str]:
    if "all" in requested:
        if len(requested) > 1:
            raise ConfigError("--methods all stands alone (it means every registered method)")
        return [spec.name for spec in list_methods()]
    if not requested:
        raise ConfigError("a sweep needs at least one method (--methods a,b or `methods:` in the sweep file)")
    for name in requested:
        get_method(name)  # ConfigError listing the available methods
    _no_repeats(requested, "--methods")
    return list(requested)


def _check_counts(spec: SweepSpec) -> None:
    if not spec.spaces:
        raise ConfigError("a sweep needs at least one space (--spaces nb201 or `spaces:` in the sweep file)")
    _no_repeats(spec.spaces, "--spaces")
    _no_repeats(spec.datasets, "--datasets")
    _no_repeats(spec.epochs, "--epochs")
    if not isinstance(spec.seeds, int) or isinstance(spec.seeds, bool) or spec.seeds < 1:
        raise ConfigError(f"seeds must be a positive integer, got {spec.seeds!r}")
    if not isinstance(spec.seed_offset, int) or isinstance(spec.seed_offset, bool) or spec.seed_offset < 0:
        raise ConfigError(f"seed_offset must be a non-negative integer, got {spec.seed_offset!r}")


def _check_grid(spec: SweepSpec, methods: list[str]) -> None:
    set_keys = {".".join(parse_assignment(text)[0]) for text in spec.assignments}
    for position, axis in enumerate(spec.grid):
        if axis.method is not None and axis.method not in methods:
            raise ConfigError(f"--grid {axis.label}: {axis.method} is not a method of this sweep "
                              f"({', '.join(methods)})")
        if axis.key in set_keys:
            raise ConfigError(f"--grid {axis.label} and --set {axis.key} both set {axis.key}; keep one")
        for earlier in spec.grid[:position]:
            if earlier.key == axis.key and (None in (earlier.method, axis.method) or earlier.method == axis.method):
                raise ConfigError(f"--grid {earlier.label} and --grid {axis.label} sweep {axis.key} twice for "
                                  f"the same method; merge their values into one axis")


def _check_key_exists(config: dict[str, Any], axis: GridAxis, method: str) -> None:
    node, path = config, axis.key.split(".")
    for depth, part in enumerate(path):
        if not isinstance(node, dict):
            raise ConfigError(f"--grid {axis.label}: method {method} has no setting {axis.key} "
                              f"({'.'.join(path[:depth])} is a value, not a section)")
        if part not in node:
            section = ".".join(path[:depth]) or "the top level"
            raise ConfigError(f"--grid {axis.label}: method {method} has no setting {axis.key} "
                              f"({section} has: {', '.join(sorted(node))})")
        node = node[part]


def _check_distinct(plan: list[PlannedRun]) -> None:
    seen: dict[Path, PlannedRun] = {}
    for run in plan:
        if run.run_dir.path in seen:
            raise ConfigError(f"the sweep lists one run twice ({run.label} and {seen[run.run_dir.path].label} "
                              f"resolve to the same config); remove the duplicate value")
        seen[run.run_dir.path] = run


def _no_repeats(values: tuple, flag: str) -> None:
    repeated = sorted({str(v) for v in values if values.count(v) > 1})
    if repeated:
        raise ConfigError(f"{flag} lists {', '.join(repeated)} more than once")
