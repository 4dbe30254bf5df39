"""Weights over the incoming edges of each node: PC-DARTS' edge normalisation, NAS-Bench-1Shot1's input weights.

Both are one weight per cell-graph edge, normalised over the edges that enter the same node
(softmax of logits, or a point on the node's simplex for exponentiated gradient). The edges are
laid out as a [types, target nodes, most incoming edges] table so that the normalisation is one
call over the last dimension; the padding slots hold -inf logits (softmax) or exactly 0 (simplex).
"""

from __future__ import annotations

import torch

from spaces.base import Decisions


class EdgesByNode:
    """Where each edge sits in a [target nodes, most incoming edges] table."""

    def __init__(self, decisions: Decisions, device: torch.device):
        edges = decisions.edges
        targets = sorted({target for _, target in edges})
        incoming = {t: [e for e, (_, target) in enumerate(edges) if target == t] for t in targets}
        self.types = decisions.num_types
        self.shape = (decisions.num_types, len(targets), max(len(group) for group in incoming.values()))
        self.rows = torch.tensor([targets.index(target) for _, target in edges], device=device)
        self.slots = torch.tensor([incoming[target].index(e) for e, (_, target) in enumerate(edges)], device=device)
        self.exists = torch.zeros(self.shape, dtype=torch.bool, device=device)
        self.exists[:, self.rows, self.slots] = True

    def table(self, per_edge: torch.Tensor, padding: float) -> torch.Tensor:
        """[types, edges] -> [types, nodes, slots]."""
        table = per_edge.new_full(self.shape, padding)
        return table.index_put((torch.arange(self.types, device=per_edge.device)[:, None], self.rows, self.slots),
                               per_edge)

    def per_edge(self, table: torch.Tensor) -> torch.Tensor:
        """[types, nodes, slots] -> [types, edges]."""
        return table[:, self.rows, self.slots]


def node_softmax(logits: torch.Tensor, layout: EdgesByNode) -> torch.Tensor:
    """[types, edges]: softmax of the logits over each node's incoming edges."""
    return layout.per_edge(torch.softmax(layout.table(logits, float("-inf")), dim=-1))
