"""From an architecture to the resolved configs of its evaluations (the command and the sweep share it)."""

from __future__ import annotations

import json

from harness.evaluation.architectures import evaluation_space, parse_canonical
from harness.evaluation.protocols import EVALUATION_DATASETS, resolve_evaluation_config
from harness.evaluation.sources import ArchSource
from spaces.errors import ConfigError

DEFAULT_DATASET = "cifar10"  # harness choice for --arch without --dataset: the papers' main dataset


def evaluation_config(source: ArchSource, dataset: str | None, preset: str, assignments=()) -> dict:
    """The config that trains `source`'s architecture on `dataset` (default: the dataset it was searched on)."""
    if dataset is None:
        dataset = source.dataset or DEFAULT_DATASET
        if dataset not in EVALUATION_DATASETS:
            raise ConfigError(f"{source.origin} searched on {dataset}, which evaluations do not train on; choose "
                              f"--dataset {' or '.join(EVALUATION_DATASETS)}")
    space = evaluation_space(source.space)
    _, text = parse_canonical(space, source.arch)
    return resolve_evaluation_config(space, source.space, dataset, preset, text, assignments)


def unique_configs(configs: list[dict]) -> list[dict]:
    """Each config once (two search runs that returned one architecture share its evaluation)."""
    seen, unique = set(), []
    for config in configs:
        key = json.dumps(config, sort_keys=True)
        if key not in seen:
            seen.add(key)
            unique.append(config)
    return unique
