"""Amended-DARTS (Bi et al., "Stabilizing DARTS with Amended Gradient Estimation on
Architectural Parameters", 2019).

`amended`: DARTS with the amended hypergradient g1 + g2' (components/amended_hypergradient.py);
amended.eta = 0 is first-order DARTS exactly.

The paper's search setup is for the DARTS space (Section 4.1.1: eta 0.1, equal initial
weights, C=16, batch 96, arch Adam 3e-4 with betas (0.5, 0.999) and weight decay 1e-3, 100
search epochs, 500 in its convergence study). It gives nothing for NAS-Bench-201, so there we
use the NB201 reference search setup every seed paper reuses, plus the paper's eta.
"""

from __future__ import annotations

from typing import Any

from methods.darts import darts_space_search_defaults, nb1shot1_search_defaults, nb201_search_defaults
from methods.registry import MethodSpec, SpaceContext, register
from methods.search_method import SearchMethod

PAPER = "Bi et al., Stabilizing DARTS with Amended Gradient Estimation on Architectural Parameters, 2019"


def amended_nb201_defaults(context: SpaceContext) -> dict[str, Any]:
    # harness choice: the paper gives no NB201 setup, so the NB201 reference search setup
    # (epochs, optimizers, batch 64, supernet) is carried over unchanged
    config = nb201_search_defaults()
    config["arch"]["hypergradient"] = "amended"
    config["amended"] = {
        # Amended-DARTS Section 4.1.1: "we simply use eta = 0.1 for all later experiments" (DARTS space);
        # harness choice to carry it to NB201
        "eta": 0.1,
        # Amended-DARTS Appendix A.2: finite differences "just like DARTS" (DARTS Eq. 8: 0.01 / ||v||)
        "fd_scale": 0.01,
    }
    return config


def amended_darts_space_defaults(context: SpaceContext) -> dict[str, Any]:
    """Amended-DARTS Section 4.1.1 on the DARTS space (and its fixed-edge spaces S_1, S_2 of 4.1.2-4.1.3,
    which "search and re-train similarly as DARTS"): DARTS's search setup with the paper's own values."""
    config = darts_space_search_defaults(context)
    config["epochs"] = 100  # 4.1.1: "we fix the total length to be 100 epochs in all remaining experiments"
    config["data"]["batch_size"] = 96  # 4.1.1: "a batch size of 96"
    config["arch"].update(
        hypergradient="amended",
        # 4.1.1: "all operators are assigned equal weights on each edge": logits all 0 (softmax uniform)
        init_scale=0.0,
        optimizer="adam", lr=3e-4, betas=[0.5, 0.999], weight_decay=1e-3,  # 4.1.1
    )
    # harness choice: 4.1.2's search-time cutout, dropout, auxiliary tower and width 36 (its "A_new"
    # protocol) are not defaults; the spaces of 4.1.3 are searched at DARTS's search width
    config["amended"] = {"eta": 0.1, "fd_scale": 0.01}  # 4.1.1; A.2 (DARTS Eq. 8)
    return config


def amended_nb1shot1_defaults(context: SpaceContext) -> dict[str, Any]:
    # harness choice: the paper gives no NAS-Bench-1Shot1 setup, so DARTS's 1Shot1 search setup
    # (methods/darts.py nb1shot1_search_defaults) with the paper's eta and finite differences, as on NB201
    config = nb1shot1_search_defaults(context)
    config["arch"]["hypergradient"] = "amended"
    config["amended"] = {"eta": 0.1, "fd_scale": 0.01}  # Amended-DARTS 4.1.1; A.2 (DARTS Eq. 8)
    return config


register(MethodSpec("amended", "DARTS with the amended hypergradient g1 - eta * H_aw H grad_w L_val", PAPER,
                    {"nb201": amended_nb201_defaults, "darts": amended_darts_space_defaults,
                     "nb1shot1": amended_nb1shot1_defaults}, SearchMethod))
