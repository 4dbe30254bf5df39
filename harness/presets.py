"""Presets: named overrides applied on top of a method's published defaults.

paper  - the method's own defaults for the space, unchanged (a GPU job at NB201 scale).
quick  - CPU scale (harness choice): a 3-cell supernet with 8 channels on 1,024 training
         and 1,024 validation images, 8 epochs; 4 seeds finish in a few minutes on
         2 cores and still exercise every part of the pipeline.
"""

from __future__ import annotations

from typing import Any

from spaces.errors import ConfigError

PRESETS: dict[str, dict[str, Any]] = {
    "paper": {},
    "quick": {
        "epochs": 8,
        "supernet": {"channels": 8, "cells_per_stage": 1},
        "data": {"subset": 1024, "batch_size": 64},
    },
}


def preset(name: str) -> dict[str, Any]:
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; available: {', '.join(PRESETS)}")
    return PRESETS[name]
