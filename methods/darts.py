"""DARTS (Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019).

`darts`: first-order hypergradient; `darts-2nd`: one unrolled virtual step
with a finite-difference Hessian-vector product (Eq. 7-8 of the paper).
"""

from __future__ import annotations

from typing import Any

from methods.registry import MethodSpec, register, require_space
from methods.search_method import SearchMethod

PAPER = "Liu et al., DARTS: Differentiable Architecture Search, ICLR 2019"


def nb201_search_defaults() -> dict[str, Any]:
    """The NAS-Bench-201 reference search setup (Dong & Yang, ICLR 2020, Section 5 / its search
    configs), which the seed papers reuse for every method on NB201."""
    return {
        "epochs": 50,
        "supernet": {"channels": 16, "cells_per_stage": 5},
        "data": {"batch_size": 64},
        "weights_optimizer": {
            "lr": 0.025, "lr_min": 0.001, "momentum": 0.9, "nesterov": True,
            "weight_decay": 5e-4, "grad_clip": 5.0,
            "anneal_epochs": None,  # the cosine spans the search (DARTS code: CosineAnnealingLR(T_max=epochs))
        },
        "arch": {
            "parameterization": "softmax",
            "init_scale": 1e-3,  # DARTS code: alpha = 1e-3 * randn
            "optimizer": "adam", "lr": 3e-4, "betas": [0.5, 0.999], "weight_decay": 1e-3,
            "warmup_epochs": 0,
        },
    }


def darts_defaults(hypergradient: str):
    def defaults(space: str) -> dict[str, Any]:
        require_space("DARTS", space)
        config = nb201_search_defaults()
        config["arch"]["hypergradient"] = hypergradient
        return config

    return defaults


register(MethodSpec("darts", "DARTS, first-order hypergradient", PAPER, darts_defaults("first-order"), SearchMethod))
register(MethodSpec("darts-2nd", "DARTS, second-order (unrolled) hypergradient", PAPER,
                    darts_defaults("second-order"), SearchMethod))
