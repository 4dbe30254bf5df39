"""Lambda-DARTS (Movahedi et al., "Lambda-DARTS: Mitigating Performance Collapse by Harmonizing
Operation Selection among Cells", ICLR 2023).

`lambda` / `lambda-pm`: first-order DARTS whose weight step also maximises the layer
alignment Lambda / Lambda+- of the cells' gradients (components/lambda_regularizer.py).

NB201 defaults from the paper's A.9.1; the DARTS space's from A.9.2 (50 epochs, weight decay 3e-4, arch
lr 3e-4, lambda 0.25 (Lambda) / 0.125 (Lambda+-), e0 1e-4, the normal cells only) and A.9.3 for the
reduced spaces on CIFAR-100 and SVHN (batch 96, e0 1e-3).
"""

from __future__ import annotations

from typing import Any

from methods.darts import darts_space_search_defaults, nb1shot1_search_defaults, nb201_search_defaults
from methods.registry import MethodSpec, SpaceContext, register
from methods.search_method import SearchMethod

PAPER = ("Movahedi et al., Lambda-DARTS: Mitigating Performance Collapse by Harmonizing Operation Selection "
         "among Cells, ICLR 2023")


def lambda_nb201_defaults(regularizer: str):
    def defaults(context: SpaceContext) -> dict[str, Any]:
        # harness choice: what A.9.1 does not state (batch 64, momentum 0.9, gradient clip 5,
        # the 16-channel, 5-cells-per-stage supernet) is the NB201 reference setup
        config = nb201_search_defaults()
        config["epochs"] = 100  # Lambda-DARTS A.9.1
        config["weights_optimizer"].update(
            lr=0.025, lr_min=0.001, nesterov=True,  # A.9.1: SGD with Nesterov momentum, cosine 0.025 -> 0.001
            weight_decay=5e-4,  # A.9.1
        )
        config["arch"].update(
            hypergradient="first-order",  # A.9.1: DARTS first order plus the regulariser
            optimizer="adam", lr=1e-4, betas=[0.5, 0.999], weight_decay=1e-3,  # A.9.1
        )
        config["inner_reg"] = regularizer
        config["lambda_reg"] = {
            "strength": 0.125,  # A.9.1: lambda = 0.125 on NB201 (Lambda and Lambda+- alike)
            "e0": 1e-4,  # A.9.1
            "difference": "central",  # Lambda-DARTS Eq. 13; "alternating" is the cheaper A.8 variant
            "cells": "all",  # NB201 has one cell type
        }
        return config

    return defaults


def lambda_darts_space_defaults(regularizer: str):
    def defaults(context: SpaceContext) -> dict[str, Any]:
        config = darts_space_search_defaults(context)
        config["epochs"] = 50  # A.9.2: "We perform the search on CIFAR-10 for 50 epochs"
        # A.9.2: SGD with momentum 0.9, cosine 0.025 -> 0.001, weight decay 3e-4 (DARTS's values)
        config["weights_optimizer"].update(lr=0.025, lr_min=0.001, momentum=0.9, weight_decay=3e-4)
        config["arch"].update(
            hypergradient="first-order",
            optimizer="adam", lr=3e-4, betas=[0.5, 0.999], weight_decay=1e-3,  # A.9.2
        )
        config["inner_reg"] = regularizer
        config["lambda_reg"] = {
            "strength": 0.25 if regularizer == "lambda" else 0.125,  # A.9.2: 0.25 for Lambda, 0.125 for Lambda+-
            "e0": 1e-4,  # A.9.2
            "difference": "central",
            "cells": "normal",  # A.9.2: "we only apply the regularization term to the normal cell"
        }
        if context.dataset in ("cifar100", "svhn"):
            # A.9.3 (reduced spaces): "For SVHN and CIFAR-100, we increase the batch size and the value of
            # e0 to 96 and 0.001"
            config["data"]["batch_size"] = 96
            config["lambda_reg"]["e0"] = 1e-3
        return config

    return defaults


def lambda_nb1shot1_defaults(regularizer: str):
    def defaults(context: SpaceContext) -> dict[str, Any]:
        # harness choice: the paper has no NAS-Bench-1Shot1 runs. DARTS's 1Shot1 search setup
        # (methods/darts.py), whose optimizers are A.9.2's DARTS-space ones, with A.9.2's regulariser
        # values; its one cell type is shared by all 9 cells, so every cell is aligned (as on NB201)
        config = nb1shot1_search_defaults(context)
        config["arch"]["hypergradient"] = "first-order"
        config["inner_reg"] = regularizer
        config["lambda_reg"] = {
            "strength": 0.25 if regularizer == "lambda" else 0.125,  # A.9.2
            "e0": 1e-4,  # A.9.2
            "difference": "central",
            "cells": "all",
        }
        return config

    return defaults


def lambda_defaults(regularizer: str):
    return {"nb201": lambda_nb201_defaults(regularizer), "darts": lambda_darts_space_defaults(regularizer),
            "nb1shot1": lambda_nb1shot1_defaults(regularizer)}


register(MethodSpec("lambda", "first-order DARTS + layer alignment Lambda regulariser on the weights", PAPER,
                    lambda_defaults("lambda"), SearchMethod))
register(MethodSpec("lambda-pm", "first-order DARTS + layer alignment Lambda+- regulariser on the weights", PAPER,
                    lambda_defaults("lambda-pm"), SearchMethod))
