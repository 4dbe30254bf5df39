"""PR-DARTS (Zhou, Xiong, Socher & Hoi, "Theory-Inspired Path-Regularized Differential Network
Architecture Search", NeurIPS 2020; Section 4 for the method, Section 5 for its settings).

One search step, as SearchMethod runs it with these components:
  1. draw two ops per edge and sample their hard-concrete gates g(beta, u, tau); all other
     ops get weight 0 and are not computed (hard_concrete.py);
     weight step:  w <- SGD step on L_train(w, g)
  2. draw again; arch step:
     beta <- Adam step on grad_beta [L_val(w, g(beta, u, tau)) + lam1 L_skip + lam2 L_nonskip - lam3 L_path]
     (pr_sparsity.py), the gradient through the reparameterised gates (first order)
  tau falls linearly from 10 to 0.1 over the epochs.
Derivation: on NB201, the op with the largest P(g != 0) on each edge; in the DARTS cell, per node the top
two (edge, op) pairs by P(g != 0) over all incoming edges (the space's top-ops rule, Section 5).
"""

from __future__ import annotations

from typing import Any

from methods.darts import darts_space_search_defaults, nb1shot1_search_defaults, nb201_search_defaults
from methods.registry import MethodSpec, SpaceContext, register
from methods.search_method import SearchMethod

PAPER = ("Zhou, Xiong, Socher & Hoi, Theory-Inspired Path-Regularized Differential Network Architecture Search, "
         "NeurIPS 2020")


def pr_darts_nb201_defaults(context: SpaceContext) -> dict[str, Any]:
    """NB201: the NB201 reference search setup (methods/darts.py) with PR-DARTS's gates and regulariser.

    The paper's 200 epochs and batch 128 are for the DARTS space; on NB201 the harness keeps the
    reference's 50 epochs and batch 64 (harness choice: the paper gives none for this space),
    so tau's linear decay from 10 to 0.1 spans those 50 epochs. a, b, tau and the two sampled
    ops per edge are the paper's (the hard_concrete section's defaults), as are lam1, lam2, lam3
    (the pr_sparsity section's defaults, given for the DARTS space and kept on NB201: harness
    choice, the paper gives none for this space).
    """
    config = nb201_search_defaults()
    config["epochs"] = 50  # harness choice: the paper gives none for this space (NB201 reference search: 50)
    config["data"]["batch_size"] = 64  # harness choice: the paper gives none for this space (NB201 reference: 64)
    return with_gates_and_regulariser(config)


def pr_darts_darts_space_defaults(context: SpaceContext) -> dict[str, Any]:
    """PR-DARTS Section 5 on the DARTS space: "we stack 8 cells with channel number 16", a 50/50 split,
    "200 epochs with mini-batch size 128", tau from 10 to 0.1. Its SGD and ADAM settings are in an appendix
    the text lacks: they come from the authors' code (salesforce/PR-DARTS PRDARTS_search/configs, which
    otherwise differs from the paper: batch 250, tau_max 1; the paper's values are kept)."""
    config = darts_space_search_defaults(context)
    config["epochs"] = 200  # PR-DARTS Section 5
    config["data"]["batch_size"] = 128  # PR-DARTS Section 5
    # salesforce/PR-DARTS configs: cos, LR 0.025, eta_min 0.001, momentum 0.9, nesterov 1, decay 0.0005;
    # Adam 3e-4, betas (0.5, 0.999), weight decay 1e-3 (DARTS's, as set above)
    config["weights_optimizer"].update(lr=0.025, lr_min=0.001, momentum=0.9, nesterov=True, weight_decay=5e-4)
    return with_gates_and_regulariser(config)


def pr_darts_nb1shot1_defaults(context: SpaceContext) -> dict[str, Any]:
    """NAS-Bench-1Shot1 (harness choice: the paper has no runs there): DARTS's 1Shot1 search setup
    (methods/darts.py: 50 epochs, batch 96) with PR-DARTS's gates and regulariser; tau falls from 10 to 0.1
    over those 50 epochs. The ops sit on the choice blocks (nodes), so the gates are per block and the path
    term runs over the blocks in order (spaces/nb1shot1/space.py chain_start)."""
    return with_gates_and_regulariser(nb1shot1_search_defaults(context))


def with_gates_and_regulariser(config: dict[str, Any]) -> dict[str, Any]:
    config["arch"]["parameterization"] = "hard-concrete"  # PR-DARTS Section 4.1: a stochastic gate per op per edge
    # PR-DARTS Section 4.2: "Similar to DARTS, we alternatively update parameters W and beta via gradient
    # descent" (its Algorithm is in an appendix the text lacks); harness choice: first order, one
    # reparameterised gate sample per architecture step
    config["arch"]["hypergradient"] = "first-order"
    config["outer_reg"] = "pr-sparsity"  # PR-DARTS Section 4: group sparsity + path-depth regulariser
    return config


register(MethodSpec("pr-darts", "PR-DARTS: hard-concrete op gates, skip/non-skip sparsity and path-depth reward",
                    PAPER, {"nb201": pr_darts_nb201_defaults, "darts": pr_darts_darts_space_defaults,
                     "nb1shot1": pr_darts_nb1shot1_defaults},
                    SearchMethod))
