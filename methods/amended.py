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

from methods.darts import nb201_search_defaults
from methods.registry import MethodSpec, register, require_space
from methods.search_method import SearchMethod

PAPER = "Bi et al., Stabilizing DARTS with Amended Gradient Estimation on Architectural Parameters, 2019"


def amended_defaults(space: str) -> dict[str, Any]:
    require_space("Amended-DARTS", space)
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


register(MethodSpec("amended", "DARTS with the amended hypergradient g1 - eta * H_aw H grad_w L_val", PAPER,
                    amended_defaults, SearchMethod))
