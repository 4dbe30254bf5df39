"""Optimizers for the supernet weights and for the architecture parameters."""

from __future__ import annotations

from typing import Any

import torch

from spaces.errors import ConfigError


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


def make_arch_optimizer(params, config: dict[str, Any]):
    name = config["optimizer"]
    if name == "adam":
        return torch.optim.Adam(
            params, lr=float(config["lr"]), betas=tuple(config["betas"]), weight_decay=float(config["weight_decay"])
        )
    if name == "sgd":
        return torch.optim.SGD(params, lr=float(config["lr"]), weight_decay=float(config["weight_decay"]))
    raise ConfigError(f"unknown arch.optimizer {name!r}; available: adam, sgd")
