"""DARTS (Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019).

`darts`: first-order hypergradient; `darts-2nd`: one unrolled virtual step
with a finite-difference Hessian-vector product (Eq. 7-8 of the paper).

The two search setups every method here starts from:
  nb201_search_defaults()       NAS-Bench-201's reference search (Dong & Yang, ICLR 2020)
  darts_space_search_defaults() DARTS's own search on its space (quark0/darts cnn/train_search.py)
  nb1shot1_search_defaults()    DARTS's search on the NAS-Bench-1Shot1 spaces (automl/nasbench-1shot1
                                optimizers/darts/train_search.py)
"""

from __future__ import annotations

from typing import Any

from methods.registry import MethodSpec, SpaceContext, register
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


def darts_space_search_defaults(context: SpaceContext) -> dict[str, Any]:
    """DARTS's search on its own space, every value from quark0/darts cnn/train_search.py's argparse
    defaults (DARTS Section 3.1.1 / A.1.1 describe the same): the 8-cell, 16-channel supernet on a 50/50
    split of the CIFAR-10 training set. The RobustDARTS spaces (automl/RobustDARTS src/search/args.py)
    and Amended-DARTS' fixed-edge spaces search with the same setup."""
    return {
        "epochs": 50,  # --epochs 50
        "supernet": {"channels": 16},  # --init_channels 16; --layers 8 is the space's own default
        "data": {"batch_size": 64, "train_portion": 0.5},  # --batch_size 64, --train_portion 0.5
        "weights_optimizer": {
            "lr": 0.025, "lr_min": 0.001,  # --learning_rate 0.025, --learning_rate_min 0.001 (cosine)
            "momentum": 0.9, "nesterov": False,  # --momentum 0.9; torch SGD without Nesterov
            "weight_decay": 3e-4, "grad_clip": 5.0,  # --weight_decay 3e-4, --grad_clip 5
            "anneal_epochs": None,  # CosineAnnealingLR(optimizer, epochs)
        },
        "arch": {
            "parameterization": "softmax",
            "init_scale": 1e-3,  # cnn/model_search.py _initialize_alphas: 1e-3 * torch.randn
            "optimizer": "adam", "lr": 3e-4, "betas": [0.5, 0.999],  # --arch_learning_rate 3e-4; architect.py
            "weight_decay": 1e-3,  # --arch_weight_decay 1e-3
            "warmup_epochs": 0,
        },
    }


def nb1shot1_search_defaults(context: SpaceContext) -> dict[str, Any]:
    """DARTS on the NAS-Bench-1Shot1 spaces, every value from automl/nasbench-1shot1
    optimizers/darts/train_search.py's argparse defaults (NAS-Bench-1Shot1 Section 4 runs every optimizer
    with its own code's settings): the 9-cell, 16-channel one-shot model with output weights on a 50/50
    split of the CIFAR-10 training set. Its other optimizers (gdas/, pc_darts/) start from these values."""
    return {
        "epochs": 50,  # --epochs 50
        "supernet": {"channels": 16},  # --init_channels 16; --layers 9 is the space's own default
        "data": {"batch_size": 96, "train_portion": 0.5},  # --batch_size 96, --train_portion 0.5
        "weights_optimizer": {
            "lr": 0.025, "lr_min": 0.001,  # --learning_rate 0.025, --learning_rate_min 0.001 (cosine)
            "momentum": 0.9, "nesterov": False,  # --momentum 0.9; torch SGD without Nesterov
            "weight_decay": 3e-4, "grad_clip": 5.0,  # --weight_decay 3e-4, --grad_clip 5
            "anneal_epochs": None,  # CosineAnnealingLR(optimizer, epochs)
        },
        "arch": {
            "parameterization": "softmax",
            "init_scale": 1e-3,  # optimizers/darts/model_search.py _initialize_alphas: 1e-3 * randn
            "optimizer": "adam", "lr": 3e-4, "betas": [0.5, 0.999],  # --arch_learning_rate 3e-4; architect.py
            "weight_decay": 1e-3,  # --arch_weight_decay 1e-3
            "warmup_epochs": 0,  # --warm_start_epochs 0
        },
    }


# space family -> the search setup every method of that family starts from
FAMILY_SEARCH_DEFAULTS = {
    "nb201": lambda context: nb201_search_defaults(),
    "darts": darts_space_search_defaults,
    "nb1shot1": nb1shot1_search_defaults,
}


def search_defaults(hypergradient: str, family: str):
    base = FAMILY_SEARCH_DEFAULTS[family]

    def defaults(context: SpaceContext) -> dict[str, Any]:
        config = base(context)
        config["arch"]["hypergradient"] = hypergradient
        return config

    return defaults


def darts_defaults(hypergradient: str) -> dict[str, Any]:
    return {family: search_defaults(hypergradient, family) for family in FAMILY_SEARCH_DEFAULTS}


register(MethodSpec("darts", "DARTS, first-order hypergradient", PAPER, darts_defaults("first-order"), SearchMethod))
register(MethodSpec("darts-2nd", "DARTS, second-order (unrolled) hypergradient", PAPER,
                    darts_defaults("second-order"), SearchMethod))
