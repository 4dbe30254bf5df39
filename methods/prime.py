"""DARTS-PRIME (Maile, Lecarpentier, Luga & Wilson) and its ablations.

DARTS with a first-order hypergradient and two independent changes:
  * when to take an architecture step: FIMT, once the moving average of the weights'
    Fisher information trace ||grad_w||^2 falls below an adaptive threshold
    (methods/components/fisher_schedule.py), or CS10, a fixed one per 10 weight steps
    (methods/components/every_k_schedule.py);
  * what the architecture step minimises: L_val + (c rho / 2) ||A - Pi_S(A)||, a
    proximity pull towards the derived discrete architecture that grows over the
    search (methods/components/proximity.py).

  prime      FIMT + proximity
  fimt       FIMT only
  cs10       one architecture step per 10 weight steps, no regulariser
  pr         proximity only, architecture step after every weight step
  prime-crb  prime with the CRB activation: clipped-ReLU weights, pruning, node BN,
             no architecture weight decay (methods/components/crb.py)
The supplementary ADMM regulariser is a switch on any of them: --set outer_reg=admm.
"""

from __future__ import annotations

from typing import Any

from methods.darts import FAMILY_SEARCH_DEFAULTS
from methods.registry import MethodSpec, SpaceContext, register
from methods.search_method import SearchMethod

PAPER = ("Maile, Lecarpentier, Luga & Wilson, DARTS-PRIME: Regularization and Scheduling Improve "
         "Constrained Optimization in Differentiable NAS, 2021")

# DARTS-PRIME Section 4.3: with r weight steps per architecture step the search data is split
# r / (r + 1) (90.91 / 9.09 for r = 10) instead of 50 / 50, so both sides are used up alike.
# It is fixed for the default r = k = 10: a run that changes fimt.r or every_k.k should
# set data.train_portion to match.
SCHEDULED_TRAIN_PORTION = 10 / 11
ALTERNATING_TRAIN_PORTION = 0.5  # DARTS-PRIME Section 4.3: 50/50 "for trials with the original DARTS schedule"


def prime_defaults(schedule: str, outer_reg: str, train_portion: float, crb: bool = False):
    # DARTS-PRIME Section 4.2 runs on the DARTS space and NB201; on NAS-Bench-1Shot1 it is DARTS's 1Shot1
    # setup with the same changes (harness choice)
    return {family: prime_family_defaults(base, schedule, outer_reg, train_portion, crb)
            for family, base in FAMILY_SEARCH_DEFAULTS.items()}


def prime_family_defaults(base, schedule: str, outer_reg: str, train_portion: float, crb: bool):
    def defaults(context: SpaceContext) -> dict[str, Any]:
        config = base(context)  # DARTS-PRIME Section 4.2: DARTS's protocols and hyper-parameters otherwise
        config["arch"]["hypergradient"] = "first-order"  # DARTS-PRIME Section 4.2: "the first order approximation"
        config["schedule"] = schedule
        config["outer_reg"] = outer_reg
        config["data"]["train_portion"] = train_portion
        if crb:
            config["arch"]["parameterization"] = "crb"  # DARTS-PRIME supplementary S1.1: CRB activation
            config["arch"]["weight_decay"] = 0.0  # DARTS-PRIME S3: with CRB "the weight decay of alpha" is off
            config["supernet"]["node_bn"] = True  # DARTS-PRIME S1.1: non-affine BN after summing each state's edges
        return config

    return defaults


register(MethodSpec("prime", "DARTS-PRIME: Fisher-threshold schedule (FIMT) + proximity regulariser", PAPER,
                    prime_defaults("fimt", "proximity", SCHEDULED_TRAIN_PORTION), SearchMethod))
register(MethodSpec("fimt", "DARTS-PRIME ablation: FIMT schedule only", PAPER,
                    prime_defaults("fimt", "none", SCHEDULED_TRAIN_PORTION), SearchMethod))
register(MethodSpec("cs10", "DARTS-PRIME ablation: one architecture step per 10 weight steps", PAPER,
                    prime_defaults("every-k", "none", SCHEDULED_TRAIN_PORTION), SearchMethod))
register(MethodSpec("pr", "DARTS-PRIME ablation: proximity regulariser only (alternating steps)", PAPER,
                    prime_defaults("alternate", "proximity", ALTERNATING_TRAIN_PORTION), SearchMethod))
register(MethodSpec("prime-crb", "DARTS-PRIME with the CRB activation (clipped ReLU, pruning, node BN)", PAPER,
                    prime_defaults("fimt", "proximity", SCHEDULED_TRAIN_PORTION, crb=True), SearchMethod))
