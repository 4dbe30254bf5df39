"""Optimizers for the supernet weights and for the architecture parameters."""

from __future__ import annotations

from typing import Any

import torch

from methods.components.catalog import component


def make_weight_optimizer(params, config: dict[str, Any], epochs: int):
    """SGD with (Nesterov) momentum, cosine-annealed once per epoch down to lr_min (DARTS / NB201 setup)."""
    optimizer = torch.optim.SGD(
        params,
        lr=float(config["lr"]),
        momentum=float(config["momentum"]),
        nesterov=bool(config["nesterov"]),
        weight_decay=float(config["weight_decay"]),
    )
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs, eta_min=float(config["lr_min"]))
    return optimizer, scheduler


@component("arch_optimizer")
class AdamArchOptimizer:
    """Adam on the architecture parameters (DARTS), L2 weight decay as torch.optim.Adam applies it."""

    NAME = "adam"

    @staticmethod
    def build(params, arch: dict[str, Any]) -> torch.optim.Optimizer:
        return torch.optim.Adam(params, lr=float(arch["lr"]), betas=tuple(arch["betas"]),
                                weight_decay=float(arch["weight_decay"]))


@component("arch_optimizer")
class SGDArchOptimizer:
    NAME = "sgd"

    @staticmethod
    def build(params, arch: dict[str, Any]) -> torch.optim.Optimizer:
        return torch.optim.SGD(params, lr=float(arch["lr"]), weight_decay=float(arch["weight_decay"]))
