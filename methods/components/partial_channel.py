"""PC-DARTS's architecture: op weights per edge plus edge normalisation (Xu et al., ICLR 2020).

Partial channel connections themselves are a supernet option (supernet.partial_channels
= K: 1/K of an edge's input channels go through the mixed op, the rest bypass it, then a
channel shuffle). What the method owns is the edge normalisation: every node j weighs
its incoming edges with beta_j = softmax over those edges, and each edge's whole output
(mixed channels AND bypassed channels) is multiplied by its beta.

That is why the betas travel to the supernet separately, as ArchWeights.inputs [cells, edges]
(Parameterization.input_weights), instead of being folded into the op weights: with K > 1,
beta * sum_o w_o op_o(x[:C/K]) would scale only the mixed channels and leave the bypassed
x[C/K:] unscaled, which is a different network (tests/test_gdas_pcdarts.py shows it).

On NB201 node j has j incoming edges (node 1 has one, so its beta is always 1), and
derivation is argmax per edge of the op weights: the betas only matter where a cell
keeps the top-2 incoming edges per node (the DARTS space: the PC-DARTS code's genotype()
ranks an edge by its strongest op weight times its beta), which NB201 does not.
"""

from __future__ import annotations

from typing import Any

import torch

from methods.components.catalog import component
from methods.components.op_masks import allowed_op_mask
from methods.components.parameterizations import InputLogits, Parameterization
from methods.components.simplex import InputSimplex, require_exponentiated_gradient, uniform_over
from spaces.base import weights_record


class EdgeNormalised(Parameterization):
    """Op weights per choice (subclass: activate()) and edge weights per node (subclass: input_weights())."""

    def diagnostics(self) -> dict[str, Any]:
        return {"edge_weights": weights_record(self.decisions, self.input_weights(False))}


@component("parameterization")
class PartialChannel(EdgeNormalised):
    """PC-DARTS: op logits alpha [types, choices, ops] (weights softmax(alpha)) and edge logits beta
    [types, edges] (weights: their softmax over each node's incoming edges).

    Both start at arch.init_scale * N(0, 1) (PC-DARTS code, model_search.py: 1e-3 * randn).
    """

    NAME = "partial-channel"

    def __init__(self, decisions, config, generator, device):
        super().__init__(decisions, config, generator, device)
        scale = float(config["arch"]["init_scale"])
        self.op_exists = allowed_op_mask(decisions, [])
        self.op_exists_on_device = self.op_exists.to(device)
        self.alpha = (scale * torch.randn(self.shape, generator=generator)).to(device).requires_grad_()
        self.betas = InputLogits(decisions, scale, generator, device)

    def parameters(self) -> list[torch.Tensor]:
        return [self.alpha, self.betas.logits]

    def activate(self) -> torch.Tensor:
        return torch.softmax(self.alpha.masked_fill(~self.op_exists_on_device, float("-inf")), dim=-1)

    def input_weights(self, differentiable: bool = True) -> torch.Tensor:
        return self.betas.weights(differentiable)

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

    def __init__(self, decisions, config, generator, device):
        super().__init__(decisions, config, generator, device)
        require_exponentiated_gradient(config, self.NAME)
        self.allowed = allowed_op_mask(decisions, config["simplex"]["exclude_ops"])
        self.theta = uniform_over(self.allowed).to(device).requires_grad_()
        self.edges = InputSimplex(decisions, device)

    def parameters(self) -> list[torch.Tensor]:
        return [self.theta, self.edges.table]

    def param_groups(self) -> list[dict[str, Any]]:
        # GAEA code (cnn/architect/architect_edarts.py, step()): op weights go through normalize(), which
        # floors them at 1e-5; edge weights are divided by their node's sum with no floor.
        return [{"params": [self.theta]}, self.edges.param_group()]

    def activate(self) -> torch.Tensor:
        return self.theta

    def input_weights(self, differentiable: bool = True) -> torch.Tensor:
        return self.edges.weights(differentiable)

    def computed_ops(self) -> torch.Tensor:
        return self.allowed

    def allowed_ops(self) -> torch.Tensor:
        return self.allowed
