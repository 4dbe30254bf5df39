"""Optimizers for the supernet weights and for the architecture parameters."""

from __future__ import annotations

from typing import Any

import torch

from methods.components.catalog import component
from spaces.errors import ConfigError


def make_weight_optimizer(params, config: dict[str, Any], epochs: int):
    """SGD with (Nesterov) momentum, cosine-annealed once per epoch down to lr_min (DARTS / NB201 setup).

    The cosine spans `anneal_epochs` epochs (None: the search's own); a longer span stops the
    search before the learning rate has reached lr_min, as GAEA's NB201 search does.
    """
    anneal = config["anneal_epochs"]
    if anneal is None:
        anneal = epochs
    elif isinstance(anneal, bool) or not isinstance(anneal, int) or anneal < 1:
        raise ConfigError(f"weights_optimizer.anneal_epochs must be a positive integer or null (the search's "
                          f"epochs), got {anneal!r}")
    optimizer = torch.optim.SGD(
        params,
        lr=float(config["lr"]),
        momentum=float(config["momentum"]),
        nesterov=bool(config["nesterov"]),
        weight_decay=float(config["weight_decay"]),
    )
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=anneal, eta_min=float(config["lr_min"]))
    return optimizer, scheduler


@component("arch_optimizer")
class AdamArchOptimizer:
    """Adam on the architecture parameters (DARTS), L2 weight decay as torch.optim.Adam applies it."""

    NAME = "adam"

    @staticmethod
    def build(param_groups: list[dict[str, Any]], config: dict[str, Any]) -> torch.optim.Optimizer:
        arch = config["arch"]
        return torch.optim.Adam(plain_groups(param_groups), lr=float(arch["lr"]), betas=tuple(arch["betas"]),
                                weight_decay=float(arch["weight_decay"]))


@component("arch_optimizer")
class SGDArchOptimizer:
    NAME = "sgd"

    @staticmethod
    def build(param_groups: list[dict[str, Any]], config: dict[str, Any]) -> torch.optim.Optimizer:
        arch = config["arch"]
        return torch.optim.SGD(plain_groups(param_groups), lr=float(arch["lr"]),
                               weight_decay=float(arch["weight_decay"]))


def plain_groups(param_groups: list[dict[str, Any]]) -> list[torch.Tensor]:
    """Every parameter of the groups: Adam and SGD treat the architecture parameters alike (the
    groups only carry settings of exponentiated gradient)."""
    return [p for group in param_groups for p in group["params"]]
