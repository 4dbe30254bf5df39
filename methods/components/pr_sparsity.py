"""PR-DARTS outer regulariser: group sparsity on skip / non-skip gates plus a path-depth reward.

Added to the validation loss of the architecture step (PR-DARTS Section 4.2, the objective that
follows Eq. 8; L_skip and L_non-skip from Section 4.1, L_path is Eq. 8):

    L_val + lam1 L_skip + lam2 L_nonskip - lam3 L_path,      zeta = 2 / (h (h - 1)), h nodes in the cell
    L_skip    = zeta * sum_edges P(g_skip != 0)
    L_nonskip = zeta / (r - 1) * sum_edges sum_{op != skip} P(g_op != 0)       r ops per edge
    L_path    = prod_{l} sum_{parametric op on edge l -> l+1} P(g_op != 0)      the deepest chain of the cell
                (from the space's chain start: NB201's input node, the DARTS cell's c_{k-1}, "the input
                node which is the output of the previous cell", PR-DARTS Section 5)

The skip and non-skip groups are penalised separately so skip connections, which win
DARTS's competition by converging fastest, do not crowd out the other ops; the path term
rewards keeping convolutions on the chain through every node, the deep architecture that
converges slowest and is otherwise explored least. The probabilities P(g != 0) come from
the parameterization (hard-concrete gates); op names and edges come from the space.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import torch

from methods.components.catalog import component, lookup
from methods.components.regularizers import OuterRegularizer
from spaces.base import Decisions
from spaces.errors import ConfigError


@dataclass(frozen=True)
class PenaltyLayout:
    """Where each term of the penalty looks in the [types, choices, ops] table of P(g != 0)."""

    skip_coefficients: torch.Tensor  # zeta on each choice's skip op, 0 elsewhere
    nonskip_coefficients: torch.Tensor  # zeta / (the choice's other ops) on those, 0 elsewhere
    chain_parametric: torch.Tensor  # [types, chain length, ops]: 1 on the parametric ops of chain choice l
    chain_choices: tuple[int, ...]


@functools.cache
def penalty_layout(decisions: Decisions) -> PenaltyLayout:
    """zeta averages over a cell's op choices. PR-DARTS Section 4.1 writes zeta = 2 / (h (h - 1)) for a
    cell whose h nodes are all joined pairwise: one over its number of edges. NAS-Bench-201's cell is
    such a cell (h = 4, 6 edges); the DARTS cell is not (its two inputs are not joined and its output
    is a concatenation), so zeta is 1 / (op choices) in every space (harness choice: the same
    average), and L_non-skip divides each choice's share among its own non-skip ops (r - 1 where one
    of the r ops is the skip, as in the paper; all r where a choice has none, e.g. RobustDARTS S1)."""
    roles = decisions.roles
    zeta = 1.0 / decisions.num_choices
    exists = decisions.op_exists()
    skip_at = decisions.op_named([] if roles.skip is None else [roles.skip])
    nonskip_at = exists & ~skip_at
    counts = nonskip_at.sum(-1, keepdim=True)
    if (counts == 0).any():
        raise ConfigError("pr-sparsity needs at least one op other than the skip op on every choice "
                          "(L_nonskip averages over them)")
    zero = torch.zeros((), dtype=torch.float64)
    skip = torch.where(skip_at, torch.tensor(zeta, dtype=torch.float64), zero)
    nonskip = torch.where(nonskip_at, zeta / counts.double(), zero)
    chain = decisions.chain_choices()
    if chain is None:
        raise ConfigError("pr-sparsity's path term needs the cell's deepest chain (PR-DARTS Eq. 8), which this "
                          "space does not define")
    chain_parametric = decisions.op_named(roles.parametric)[:, list(chain)].double()
    return PenaltyLayout(skip, nonskip, chain_parametric, chain)


def penalty_terms(probability: torch.Tensor, layout: PenaltyLayout) -> dict[str, torch.Tensor]:
    """L_skip, L_nonskip and L_path of a P(g != 0) table [types, choices, ops], differentiable in it;
    each summed over the cell types (every cell type is a cell PR-DARTS regularises)."""

    def like_probability(table):
        return table.to(device=probability.device, dtype=probability.dtype)

    chain_probability = probability[:, list(layout.chain_choices)]
    return {
        "skip": (like_probability(layout.skip_coefficients) * probability).sum(),
        "nonskip": (like_probability(layout.nonskip_coefficients) * probability).sum(),
        "path": (like_probability(layout.chain_parametric) * chain_probability).sum(dim=-1).prod(dim=-1).sum(),
    }


@component("outer_reg")
class PathRegularizedSparsity(OuterRegularizer):
    """lam1 L_skip + lam2 L_nonskip - lam3 L_path on the gates' P(g != 0) (PR-DARTS)."""

    NAME = "pr-sparsity"
    SECTION = "pr_sparsity"
    DEFAULTS = {
        "lam1": 0.01,  # PR-DARTS Section 5 (DARTS space, CIFAR-10): weight of L_skip
        "lam2": 0.005,  # PR-DARTS Section 5: weight of L_nonskip
        "lam3": 0.005,  # PR-DARTS Section 5: weight of the path reward L_path
    }

    def __init__(self, config: dict[str, Any]):
        super().__init__(config)
        gates = config["arch"]["parameterization"]
        if not hasattr(lookup("parameterization", gates), "nonzero_probability"):
            raise ConfigError(f"outer_reg=pr-sparsity needs gates with P(g != 0), e.g. "
                              f"arch.parameterization=hard-concrete; got {gates!r}")
        self.lam1, self.lam2, self.lam3 = (float(self.settings[key]) for key in ("lam1", "lam2", "lam3"))
        self.last_terms: dict[str, torch.Tensor] = {}  # of the latest penalty, for diagnostics

    def penalty(self, method, progress) -> torch.Tensor:
        layout = penalty_layout(method.decisions)
        terms = penalty_terms(method.parameterization.nonzero_probability(progress), layout)
        self.last_terms = {name: value.detach() for name, value in terms.items()}
        return self.lam1 * terms["skip"] + self.lam2 * terms["nonskip"] - self.lam3 * terms["path"]

    def diagnostics(self) -> dict[str, Any]:
        return {f"pr_{name}": float(value) for name, value in self.last_terms.items()}

    def state_dict(self) -> dict[str, Any]:
        return {"last_terms": {name: value.clone() for name, value in self.last_terms.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.last_terms = {name: value.cpu().clone() for name, value in state["last_terms"].items()}
