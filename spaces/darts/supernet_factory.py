"""The DARTS family's search network from a run's supernet config (DartsFamilySpace.supernet)."""

from __future__ import annotations

from typing import Any

import torch

from spaces.darts.supernet import DartsSupernet
from spaces.errors import ConfigError

OPTIONS = ("channels", "layers", "partial_channels", "node_bn")
SEED_BOUND = 2**62  # any seed a torch.Generator takes


def build_supernet(space, config: dict[str, Any], num_classes: int, generator: torch.Generator) -> DartsSupernet:
    unknown = sorted(set(config) - set(OPTIONS))
    if unknown:
        raise ConfigError(f"the {space.name} supernet has no option {', '.join(unknown)}; its options are "
                          f"{', '.join(OPTIONS)}")
    for key in ("channels", "partial_channels"):
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"supernet.{key} must be a positive integer, got {value!r}")
    if not isinstance(config["node_bn"], bool):
        raise ConfigError(f"supernet.node_bn must be true or false, got {config['node_bn']!r}")
    decisions = space.decisions(config)  # checks supernet.layers
    noise_seed = int(torch.randint(SEED_BOUND, (1,), generator=generator))
    net = DartsSupernet(decisions.cell_types, decisions.cell_type_of, config["channels"], num_classes, noise_seed,
                        partial_channels=config["partial_channels"], node_bn=config["node_bn"])
    net.reset_parameters(generator)
    return net
