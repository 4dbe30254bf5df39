"""PC-DARTS's architecture: op weights per edge plus edge normalisation (Xu et al., ICLR 2020).

Partial channel connections themselves are a supernet option (supernet.partial_channels
= K: 1/K of an edge's input channels go through the mixed op, the rest bypass it, then a
channel shuffle). What the method owns is the edge normalisation: every node j weighs
its incoming edges with beta_j = softmax over those edges, and each edge's whole output
(mixed channels AND bypassed channels) is multiplied by its beta.

That is why the betas travel to the supernet separately, as `edge_scale` [cells, edges]
(Parameterization.edge_scale), instead of being folded into the op weights: with K > 1,
beta * sum_o w_o op_o(x[:C/K]) would scale only the mixed channels and leave the bypassed
x[C/K:] unscaled, which is a different network (tests/test_gdas_pcdarts.py shows it).

On NB201 node j has j incoming edges (node 1 has one, so its beta is always 1), and
derivation is argmax per edge of the op weights: the betas only matter where a cell
keeps the top-2 incoming edges per node (the DARTS space), which NB201 does not.
"""

from __future__ import annotations

from typing import Any

import torch

from methods.components.catalog import component
from methods.components.parameterizations import Parameterization, repeat_over_cells
from methods.components.op_masks import allowed_op_mask
from methods.components.simplex import require_exponentiated_gradient, uniform_over
from methods.progress import Progress
from spaces.base import CellGraph


class EdgesByNode:
    """Where each edge sits in a [target nodes, max incoming edges] table (unused slots: padding)."""

    def __init__(self, graph: CellGraph, device: torch.device):
        targets = sorted({target for _, target in graph.edges})
        incoming = {t: [e for e, (_, target) in enumerate(graph.edges) if target == t] for t in targets}
        self.shape = (len(targets), max(len(edges) for edges in incoming.values()))
        self.rows = torch.tensor([targets.index(target) for _, target in graph.edges], device=device)
        self.slots = torch.tensor([incoming[target].index(e) for e, (_, target) in enumerate(graph.edges)],
                                  device=device)
        self.exists = torch.zeros(self.shape, dtype=torch.bool, device=device)
        self.exists[self.rows, self.slots] = True

    def table(self, per_edge: torch.Tensor, padding: float) -> torch.Tensor:
        return per_edge.new_full(self.shape, padding).index_put((self.rows, self.slots), per_edge)

    def per_edge(self, table: torch.Tensor) -> torch.Tensor:
        return table[self.rows, self.slots]


def node_softmax(betas: torch.Tensor, layout: EdgesByNode) -> torch.Tensor:
    """[edges]: softmax of the betas over each node's incoming edges (PC-DARTS edge normalisation)."""
    return layout.per_edge(torch.softmax(layout.table(betas, float("-inf")), dim=-1))


class EdgeNormalised(Parameterization):
    """Op weights per edge (subclass: activate()) and edge weights per node (subclass: edge_weights())."""

    def __init__(self, graph, config, generator, device):
        super().__init__(graph, config, generator, device)
        self.layout = EdgesByNode(graph, device)

    def edge_weights(self) -> torch.Tensor:
        raise NotImplementedError

    def computed_ops(self) -> torch.Tensor:
        """Bool [edges, ops] on the host: the ops whose weights are nonzero."""
        raise NotImplementedError

    def supernet_weights(self, num_cells: int, progress: Progress, differentiable: bool):
        # softmax and EG weights are nonzero on every computed op: the mask is known on the
        # host, and passing it spares the supernet a device-to-host read of the weights.
        weights = self.activate() if differentiable else self.activate().detach()
        return repeat_over_cells(weights, num_cells), repeat_over_cells(self.computed_ops(), num_cells)

    def edge_scale(self, num_cells: int, differentiable: bool) -> torch.Tensor:
        scale = self.edge_weights() if differentiable else self.edge_weights().detach()
        return repeat_over_cells(scale, num_cells)

    def diagnostics(self) -> dict[str, Any]:
        return {"edge_weights": self.edge_weights().detach().double().cpu().tolist()}


@component("parameterization")
class PartialChannel(EdgeNormalised):
    """PC-DARTS: op logits alpha [edges, ops] (weights softmax(alpha)) and edge logits beta [edges].

    Both start at arch.init_scale * N(0, 1) (PC-DARTS code, model_search.py: 1e-3 * randn).
    """

    NAME = "partial-channel"

    def __init__(self, graph, config, generator, device):
        super().__init__(graph, config, generator, device)
        scale = float(config["arch"]["init_scale"])
        self.op_exists = allowed_op_mask(graph, [])
        self.op_exists_on_device = self.op_exists.to(device)
        self.alpha = (scale * torch.randn((graph.num_edges, graph.max_ops), generator=generator)).to(device)
        self.alpha.requires_grad_()
        self.betas = (scale * torch.randn(graph.num_edges, generator=generator)).to(device).requires_grad_()

    def parameters(self) -> list[torch.Tensor]:
        return [self.alpha, self.betas]

    def activate(self) -> torch.Tensor:
        return torch.softmax(self.alpha.masked_fill(~self.op_exists_on_device, float("-inf")), dim=-1)

    def edge_weights(self) -> torch.Tensor:
        return node_softmax(self.betas, self.layout)

    def computed_ops(self) -> torch.Tensor:
        return self.op_exists


@component("parameterization")
class PartialChannelSimplex(EdgeNormalised):
    """GAEA-PC-DARTS: op weights theta on each edge's simplex and edge weights on each node's
    simplex (a [nodes, max incoming] table, padding exactly 0, so EG's per-row normalisation
    is the per-node one), both moved by exponentiated gradient. The edge weights start
    uniform per node (GAEA code, architect_edarts.py: 1 / number of the node's inputs).
    Excluded ops come from the `simplex` section.
    """

    NAME = "partial-channel-simplex"

    def __init__(self, graph, config, generator, device):
        super().__init__(graph, config, generator, device)
        require_exponentiated_gradient(config, self.NAME)
        self.allowed = allowed_op_mask(graph, config["simplex"]["exclude_ops"])
        self.theta = uniform_over(self.allowed).to(device).requires_grad_()
        self.edge_table = uniform_over(self.layout.exists.cpu()).to(device).requires_grad_()

    def parameters(self) -> list[torch.Tensor]:
        return [self.theta, self.edge_table]

    def param_groups(self) -> list[dict[str, Any]]:
        # GAEA code (cnn/architect/architect_edarts.py, step()): op weights go through normalize(), which
        # floors them at 1e-5; edge weights are divided by their node's sum with no floor.
        return [{"params": [self.theta]}, {"params": [self.edge_table], "floor": 0.0}]

    def activate(self) -> torch.Tensor:
        return self.theta

    def edge_weights(self) -> torch.Tensor:
        return self.layout.per_edge(self.edge_table)

    def computed_ops(self) -> torch.Tensor:
        return self.allowed

    def allowed_ops(self) -> torch.Tensor:
        return self.allowed
