"""Runs grouped into settings: one (space, dataset, method, config hash), its seeds the runs.

A setting's label is its method plus the config values that tell it apart from
the other settings of the same method, e.g. `amended (amended.eta=0.01)` or
`lambda (epochs=100)`. The search dataset is not part of the label: every table
and figure panel shows one search dataset, or names it in its columns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from harness.config import flatten
from reports.dataset_names import dataset_rank
from reports.loading import LoadedRun

# Keys that never tell settings apart in a label: shown by the table or panel instead.
UNLABELLED_KEYS = ("dataset",)


@dataclass
class Setting:
    space: str
    dataset: str  # the search dataset
    method: str
    config_hash: str
    config: dict[str, Any]
    runs: list[LoadedRun]  # sorted by seed
    label: str = ""
    distinguishing: tuple[tuple[str, Any], ...] = ()  # (key, value) pairs of the label, value None when absent

    @property
    def final_rows(self) -> list[dict[str, Any]]:
        return [run.final for run in self.runs]

    @property
    def seeds(self) -> int:
        return len(self.runs)

    @property
    def search_seconds(self) -> list[float]:
        return [run.search_seconds for run in self.runs if run.search_seconds is not None]

    @property
    def transfer(self) -> bool:
        """Searched on CIFAR-10 and looked up on every dataset of the benchmark (NAS-Bench-201's transfer
        setting, Dong & Yang 2020; GAEA Table 2)."""
        return self.dataset == "cifar10"

    def value(self, key: str) -> Any:
        """The config value at a dotted key (`amended.eta`), or None when this config has no such key."""
        return flatten(self.config).get(key)


def group_settings(runs: list[LoadedRun]) -> list[Setting]:
    groups: dict[tuple[str, str, str, str], list[LoadedRun]] = {}
    for run in runs:
        key = (run.config["space"], run.config["dataset"], run.config["method"], run.config_hash)
        groups.setdefault(key, []).append(run)
    settings = [Setting(*key, config=members[0].config, runs=sorted(members, key=lambda r: r.seed))
                for key, members in groups.items()]
    _label(settings)
    return sorted(settings, key=_order)




def format_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _label(settings: list[Setting]) -> None:
    by_method: dict[tuple[str, str], list[Setting]] = {}
    for setting in settings:
        by_method.setdefault((setting.space, setting.method), []).append(setting)
    for members in by_method.values():
        flats = [{k: v for k, v in flatten(s.config).items() if k not in UNLABELLED_KEYS} for s in members]
        keys = sorted({k for flat in flats for k in flat})
        differing = [k for k in keys if len({json.dumps(flat.get(k), sort_keys=True) for flat in flats}) > 1]
        for setting, flat in zip(members, flats):
            parts = [f"{k}={format_value(flat[k])}" if k in flat else f"{k} absent" for k in differing]
            setting.label = f"{setting.method} ({', '.join(parts)})" if parts else setting.method
            setting.distinguishing = tuple((k, flat.get(k)) for k in differing)


def sortable(value: Any) -> tuple:
    """Numbers in numeric order (epochs 50 before 100), then everything else by its text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, json.dumps(value, sort_keys=True))


def _order(setting: Setting) -> tuple:
    values = tuple(sortable(value) for _, value in setting.distinguishing)
    return setting.space, dataset_rank(setting.dataset), setting.dataset, setting.method, values, setting.config_hash
