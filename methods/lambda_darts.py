"""Lambda-DARTS (Movahedi et al., "Lambda-DARTS: Mitigating Performance Collapse by Harmonizing
Operation Selection among Cells", ICLR 2023).

`lambda` / `lambda-pm`: first-order DARTS whose weight step also maximises the layer
alignment Lambda / Lambda+- of the cells' gradients (components/lambda_regularizer.py).

NB201 defaults from the paper's A.9.1. For the DARTS space (A.9.2, not available here yet)
the paper uses 50 epochs, weight decay 3e-4, arch lr 3e-4, lambda 0.25 (Lambda) / 0.125
(Lambda+-), e0 1e-4, and regularises the normal cells only.
"""

from __future__ import annotations

from typing import Any

from methods.darts import nb201_search_defaults
from methods.registry import MethodSpec, register, require_space
from methods.search_method import SearchMethod

PAPER = ("Movahedi et al., Lambda-DARTS: Mitigating Performance Collapse by Harmonizing Operation Selection "
         "among Cells, ICLR 2023")


def lambda_defaults(regularizer: str):
    def defaults(space: str) -> dict[str, Any]:
        require_space("Lambda-DARTS", space)
        # harness choice: what A.9.1 does not state (batch 64, momentum 0.9, gradient clip 5,
        # the 16-channel, 5-cells-per-stage supernet) is the NB201 reference setup
        config = nb201_search_defaults()
        config["epochs"] = 100  # Lambda-DARTS paper, A.9.1
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
        }
        return config

    return defaults


register(MethodSpec("lambda", "first-order DARTS + layer alignment Lambda regulariser on the weights", PAPER,
                    lambda_defaults("lambda"), SearchMethod))
register(MethodSpec("lambda-pm", "first-order DARTS + layer alignment Lambda+- regulariser on the weights", PAPER,
                    lambda_defaults("lambda-pm"), SearchMethod))
