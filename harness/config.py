"""Resolving a run's configuration: base <- method defaults <- preset <- flags <- --set.

The resolved config is a nested dict of plain JSON values; it is saved as
config.json and its hash (without the seed) names the run directory.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from typing import Any

from harness.config_checks import check_ranges
from harness.presets import RESCALED_PRESETS, preset, rescale_epochs
from methods.components.catalog import default_sections
from methods.components.precision import DEFAULT_PRECISION
from methods.registry import method_defaults
from spaces.errors import ConfigError
from spaces.registry import get_space

# Settings owned by the harness rather than by a method (harness choices).
BASE: dict[str, Any] = {
    "dataset": "cifar10",
    "data": {
        # darts: DARTS convention, the first half of the training set trains w, the second half is
        # alpha's validation set; nb201: the official cifar-split.txt; full: all training images
        # train w (single-level search), the test set is only used to log supernet accuracy.
        "split": "darts",
        "train_portion": 0.5,
        "split_file": None,  # the official NB201 cifar-split.txt when split = "nb201"
        "subset": None,  # N images from each side, for CPU-scale runs
        "cutout": 0,  # DARTS search uses no cutout
        "augment": True,  # random crop (pad 4) + horizontal flip, on both sides, as DARTS search
    },
    "eval": {"batch_size": 256},
    # Per-epoch collapse diagnostics (methods/diagnostics.py), on the first `batch_size`
    # validation images without augmentation: layer alignment Lambda (Lambda-DARTS Fig. 1)
    # and, every `hessian_every` epochs (0 = never: it costs a double backward per
    # iteration), the dominant Hessian eigenvalue of L_val in the arch parameters (RobustDARTS).
    "diagnostics": {"batch_size": 64, "alignment": True, "hessian_every": 0, "hessian_iterations": 20},
    # Components every method can switch (methods/components/catalog.py); methods override.
    "inner_reg": "none",
    "outer_reg": "none",
    "schedule": "alternate",
    # fp32 | bf16: the search step's autocast (methods/components/precision.py says what stays fp32)
    "precision": DEFAULT_PRECISION,
    # the supernet's forward and backward under torch.compile (methods/components/compilation.py);
    # harness choice: off, as the papers' codes ran (and a first epoch that compiles costs minutes)
    "compile": False,
}
SEARCH_DATASETS = ("cifar10", "cifar100", "svhn", "ImageNet16-120")


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def parse_assignment(text: str) -> tuple[list[str], Any]:
    """`a.b=value` -> (["a", "b"], value); the value is JSON when it parses as JSON, else a string."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set takes key=value (for example arch.lr=0.001), got {text!r}")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key.strip().split("."), value


# What the run is: chosen by their own flags, before the method's defaults are looked up.
IDENTITY_KEYS = {"method": "--method", "space": "--space", "preset": "--preset"}


def apply_assignment(config: dict[str, Any], path: list[str], value: Any) -> None:
    """Set one value; it must have the type of the value it replaces (numbers finite)."""
    name = ".".join(path)
    if name in IDENTITY_KEYS:
        raise ConfigError(f"--set {name}: choose it with {IDENTITY_KEYS[name]}, not --set")
    node = config
    for depth, key in enumerate(path[:-1]):
        if not isinstance(node.get(key), dict):
            raise ConfigError(f"--set {name}: {'.'.join(path[:depth + 1])} is not a section of the config")
        node = node[key]
    if path[-1] not in node:
        known = ", ".join(sorted(node))
        raise ConfigError(f"--set {name}: no such setting; this section has: {known}")
    check_same_kind(name, node[path[-1]], value)
    node[path[-1]] = value


def check_same_kind(name: str, old: Any, new: Any) -> None:
    """ConfigError unless `new` can stand where `old` stood: a bool for a bool, an integer for an
    integer, a finite number for a number, text for text, a list for a list. A setting whose default
    is null has no type to compare with; the code that reads it checks it (validate())."""
    if isinstance(old, dict):
        raise ConfigError(f"--set {name}: {name} is a section of the config; set one of its keys "
                          f"({', '.join(sorted(old))})")
    if isinstance(new, float) and not math.isfinite(new):
        raise ConfigError(f"--set {name}={new}: numbers must be finite")
    if old is None:
        return
    if isinstance(old, bool):
        fits, expected = isinstance(new, bool), "true or false"
    elif isinstance(old, int):
        fits, expected = isinstance(new, int) and not isinstance(new, bool), "an integer"
    elif isinstance(old, float):
        fits, expected = isinstance(new, (int, float)) and not isinstance(new, bool), "a number"
    elif isinstance(old, str):
        fits, expected = isinstance(new, str), "text"
    elif isinstance(old, list):
        fits, expected = isinstance(new, list), "a JSON list"
    else:
        fits, expected = type(new) is type(old), type(old).__name__
    if not fits:
        raise ConfigError(f"--set {name}={json.dumps(new)}: expected {expected} (the default is {json.dumps(old)})")


def resolve_config(
    method: str,
    space: str,
    preset_name: str = "paper",
    dataset: str | None = None,
    epochs: int | None = None,
    assignments: list[str] = (),
) -> dict[str, Any]:
    search_space = get_space(space)  # fails early with the list of spaces
    config = deep_merge(BASE, {"supernet": search_space.supernet_defaults(), **default_sections()})
    config = deep_merge(config, method_defaults(method, space, dataset or BASE["dataset"]))
    method_epochs = config["epochs"]
    config = deep_merge(config, preset(preset_name, search_space.family))
    if preset_name in RESCALED_PRESETS:
        config["arch"]["warmup_epochs"] = rescale_epochs(config["arch"]["warmup_epochs"], method_epochs,
                                                         config["epochs"])
        anneal = config["weights_optimizer"]["anneal_epochs"]
        if anneal is not None:  # the cosine keeps its length relative to the search (at least one epoch)
            config["weights_optimizer"]["anneal_epochs"] = max(1, rescale_epochs(anneal, method_epochs,
                                                                                 config["epochs"]))
    config.update(method=method, space=space, preset=preset_name)
    if dataset is not None:
        config["dataset"] = dataset
    if epochs is not None:
        config["epochs"] = epochs
    for text in assignments:
        apply_assignment(config, *parse_assignment(text))
    validate(config)
    return config


def validate(config: dict[str, Any]) -> None:
    check_ranges(flatten(config))
    if config["dataset"] not in SEARCH_DATASETS:
        raise ConfigError(f"unknown dataset {config['dataset']!r}; search datasets: {', '.join(SEARCH_DATASETS)}")
    if config["data"]["split"] not in ("darts", "nb201", "full"):
        raise ConfigError(f"data.split must be 'darts', 'nb201' or 'full', got {config['data']['split']!r}")
    if config["data"]["split"] == "nb201" and not config["data"]["split_file"]:
        raise ConfigError("data.split=nb201 needs data.split_file=PATH (the official cifar-split.txt)")
    if config["data"]["split"] == "nb201" and config["dataset"] != "cifar10":
        raise ConfigError("the NB201 split file applies to cifar10 only; use data.split=darts for other datasets")
    portion = config["data"]["train_portion"]
    if not isinstance(portion, (int, float)) or isinstance(portion, bool) or not 0 < portion < 1:
        raise ConfigError(f"data.train_portion must be between 0 and 1 (exclusive), got {portion!r}")


def flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}} -> {"a.b": 1}: the dotted names `--set` and `--grid` use."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def config_hash(config: dict[str, Any]) -> str:
    """Short hash of everything that changes results (the seed is a separate directory level)."""
    canonical = json.dumps({k: v for k, v in config.items() if k != "seed"}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]
