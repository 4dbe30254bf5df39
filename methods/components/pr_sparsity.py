"""PR-DARTS outer regulariser: group sparsity on skip / non-skip gates plus a path-depth reward.

Added to the validation loss of the architecture step (PR-DARTS Section 4.2, the objective that
follows Eq. 8; L_skip and L_non-skip from Section 4.1, L_path is Eq. 8):

    L_val + lam1 L_skip + lam2 L_nonskip - lam3 L_path,      zeta = 2 / (h (h - 1)), h nodes in the cell
    L_skip    = zeta * sum_edges P(g_skip != 0)
    L_nonskip = zeta / (r - 1) * sum_edges sum_{op != skip} P(g_op != 0)       r ops per edge
    L_path    = prod_{l} sum_{parametric op on edge l -> l+1} P(g_op != 0)      the deepest chain of the cell

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
from spaces.base import CellGraph
from spaces.errors import ConfigError


@dataclass(frozen=True)
class PenaltyLayout:
    """Where each term of the penalty looks in the [edges, ops] table of P(g != 0)."""

    skip_coefficients: torch.Tensor  # zeta on each edge's skip op, 0 elsewhere
    nonskip_coefficients: torch.Tensor  # zeta / (r_edge - 1) on each edge's other ops, 0 elsewhere
    chain_parametric: torch.Tensor  # [chain length, ops]: 1 on the parametric ops of chain edge l -> l+1
    chain_edges: tuple[int, ...]


@functools.cache
def penalty_layout(graph: CellGraph, skip_op: str, parametric_ops: tuple[str, ...]) -> PenaltyLayout:
    nodes = sorted({node for edge in graph.edges for node in edge})
    h = len(nodes)
    zeta = 2.0 / (h * (h - 1))
    shape = (graph.num_edges, graph.max_ops)
    skip, nonskip = torch.zeros(shape, dtype=torch.float64), torch.zeros(shape, dtype=torch.float64)
    for edge, ops in enumerate(graph.ops_per_edge):
        if len(ops) < 2:
            raise ConfigError(f"pr-sparsity needs at least two ops per edge (L_nonskip divides by r - 1); "
                              f"edge {graph.edges[edge]} has {len(ops)}")
        for op, name in enumerate(ops):
            if name == skip_op:
                skip[edge, op] = zeta
            else:
                nonskip[edge, op] = zeta / (len(ops) - 1)

    chain_edges = []
    for source, target in zip(nodes, nodes[1:]):
        if (source, target) not in graph.edges:
            raise ConfigError(f"pr-sparsity's path term needs the chain edge {source}->{target}, "
                              "which this space's cell does not have")
        chain_edges.append(graph.edges.index((source, target)))
    chain_parametric = torch.tensor([[1.0 if name in parametric_ops else 0.0 for name in graph.ops_per_edge[edge]]
                                     + [0.0] * (graph.max_ops - len(graph.ops_per_edge[edge]))
                                     for edge in chain_edges], dtype=torch.float64)
    return PenaltyLayout(skip, nonskip, chain_parametric, tuple(chain_edges))


def penalty_terms(probability: torch.Tensor, layout: PenaltyLayout) -> dict[str, torch.Tensor]:
    """L_skip, L_nonskip and L_path of a P(g != 0) table [edges, ops], differentiable in it."""

    def like_probability(table):
        return table.to(device=probability.device, dtype=probability.dtype)

    chain_probability = probability[list(layout.chain_edges)]
    return {
        "skip": (like_probability(layout.skip_coefficients) * probability).sum(),
        "nonskip": (like_probability(layout.nonskip_coefficients) * probability).sum(),
        "path": (like_probability(layout.chain_parametric) * chain_probability).sum(dim=-1).prod(),
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
        space = method.space
        layout = penalty_layout(space.graph, space.skip_op, tuple(space.parametric_ops))
        terms = penalty_terms(method.parameterization.nonzero_probability(progress), layout)
        self.last_terms = {name: value.detach() for name, value in terms.items()}
        return self.lam1 * terms["skip"] + self.lam2 * terms["nonskip"] - self.lam3 * terms["path"]

    def diagnostics(self) -> dict[str, Any]:
        return {f"pr_{name}": float(value) for name, value in self.last_terms.items()}

    def state_dict(self) -> dict[str, Any]:
        return {"last_terms": {name: value.clone() for name, value in self.last_terms.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.last_terms = {name: value.cpu().clone() for name, value in state["last_terms"].items()}
