"""Presets: named overrides applied on top of a method's published defaults.

Presets are per space family (a space's `family`), since their supernet settings are.

paper  - the method's own defaults for the space, unchanged (a GPU job at NB201 scale).
quick  - CPU scale (harness choice), a pipeline check that still exercises every part:
         nb201: a 3-cell supernet with 8 channels on 1,024 training and 1,024 validation
         images, 8 epochs; 4 seeds finish in a few minutes on 2 cores.
         darts: 5 cells (reductions at cells 1 and 3) of 4 channels on 256 + 256 images,
         batch 32, 4 epochs; an epoch of any method takes well under a minute on 2 cores.
         nb1shot1: 3 cells (one per stage) of 4 channels on 256 + 256 images, batch 32, 4 epochs.
         A method's warm-up (epochs without architecture steps, e.g. PC-DARTS) keeps the same
         fraction of the search as in its paper setup, so shortened searches still take arch steps.
cpu-study - a collapse study that fits a 2-core CPU (harness choice), nb201 only: the NB201
         supernet with C=8, N=2 on 4,096 training and 4,096 validation CIFAR-10 images,
         the methods' own optimizer settings, 50 epochs (warm-ups rescaled as for quick).
"""

from __future__ import annotations

from typing import Any

from spaces.errors import ConfigError

# preset -> space family -> overrides; a family missing from a preset has no such preset
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "paper": {"nb201": {}, "darts": {}, "nb1shot1": {}},
    "quick": {
        "nb201": {
            "epochs": 8,
            "supernet": {"channels": 8, "cells_per_stage": 1},
            "data": {"subset": 1024, "batch_size": 64},
        },
        "darts": {
            "epochs": 4,
            "supernet": {"channels": 4, "layers": 5},
            "data": {"subset": 256, "batch_size": 32},
        },
        "nb1shot1": {
            "epochs": 4,
            "supernet": {"channels": 4, "cells_per_stage": 1},
            "data": {"subset": 256, "batch_size": 32},
        },
    },
    "cpu-study": {
        "nb201": {
            "epochs": 50,
            "supernet": {"channels": 8, "cells_per_stage": 2},
            "data": {"subset": 4096},
        },
    },
}


# Presets whose epoch count is a rescaling of the method's own: spans counted in epochs (the
# warm-up, the learning-rate annealing) scale with it.
RESCALED_PRESETS = ("quick", "cpu-study")


def rescale_epochs(span: int, method_epochs: int, preset_epochs: int) -> int:
    """A span of `span` epochs as the same fraction of a search of `preset_epochs` as of `method_epochs`."""
    return int(span * preset_epochs // method_epochs)


def preset(name: str, family: str) -> dict[str, Any]:
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; available: {', '.join(PRESETS)}")
    if family not in PRESETS[name]:
        raise ConfigError(f"preset {name!r} has no settings for the {family} space family; it has: "
                          f"{', '.join(PRESETS[name])}")
    return PRESETS[name][family]
