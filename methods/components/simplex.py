"""GAEA's architecture parameters: one point on the probability simplex per op choice.

Li, Khodak, Balcan & Talwalkar, "Geometry-Aware Gradient Algorithms for Neural
Architecture Search" (ICLR 2021): theta[e] holds the edge's op weights themselves
(not logits), starts uniform over the edge's allowed ops and is moved by
exponentiated gradient (exponentiated_gradient.py), the mirror-descent step that
keeps it on the simplex.

Ops named in simplex.exclude_ops (GAEA on NB201 drops `none`, paper C.3) start at
exactly 0. A multiplicative update never moves a 0, so they stay 0 forever: the
supernet never computes them and derivation never picks them (allowed_ops()).
"""

from __future__ import annotations

from typing import Any

import torch

from methods.components.catalog import component
from methods.components.op_masks import allowed_op_mask
from methods.components.input_weights import EdgesByNode
from methods.components.parameterizations import Parameterization, learned_inputs
from spaces.errors import ConfigError


def uniform_over(mask: torch.Tensor) -> torch.Tensor:
    """The centre of each row's simplex: 1 / (allowed ops) on the allowed ops, exactly 0 elsewhere."""
    weights = mask.to(torch.get_default_dtype())
    return weights / weights.sum(-1, keepdim=True)


def require_exponentiated_gradient(config: dict[str, Any], parameterization: str) -> None:
    """Simplex points stay on the simplex only under EG; any other optimizer would leave it silently."""
    if config["arch"]["optimizer"] != "eg":
        raise ConfigError(
            f"arch.parameterization={parameterization} keeps its weights on the simplex only with the "
            f"exponentiated-gradient optimizer; set arch.optimizer=eg (got {config['arch']['optimizer']!r})")


class InputSimplex:
    """Weights over each node's incoming edges on the node's simplex: a [types, nodes, slots] table
    (padding exactly 0, so EG's per-row normalisation is the per-node one), starting uniform (GAEA
    code, cnn/architect/architect_edarts.py: 1 / the node's number of inputs)."""

    def __init__(self, decisions, device):
        self.layout = EdgesByNode(decisions, device)
        self.table = uniform_over(self.layout.exists.cpu()).to(device).requires_grad_()

    def weights(self, differentiable: bool) -> torch.Tensor:
        table = self.table if differentiable else self.table.detach()
        return self.layout.per_edge(table)

    def param_group(self) -> dict[str, Any]:
        # GAEA code (architect_edarts.py step()): edge weights are divided by their node's sum, no floor
        return {"params": [self.table], "floor": 0.0}


@component("parameterization")
class Simplex(Parameterization):
    """theta [types, choices, ops] on a product of simplices; the supernet consumes theta itself.
    A space whose input choices are learned (NAS-Bench-1Shot1) gets input weights on each node's
    simplex too (GAEA C.2)."""

    NAME = "simplex"
    SECTION = "simplex"
    DEFAULTS = {
        # harness choice: every op allowed; GAEA's NB201 methods set ["none"] (GAEA paper C.3)
        "exclude_ops": [],
    }

    def __init__(self, decisions, config, generator, device):
        super().__init__(decisions, config, generator, device)
        require_exponentiated_gradient(config, self.NAME)
        self.allowed = allowed_op_mask(decisions, config["simplex"]["exclude_ops"])
        self.theta = uniform_over(self.allowed).to(device).requires_grad_()
        self.inputs = InputSimplex(decisions, device) if learned_inputs(decisions) else None

    def parameters(self) -> list[torch.Tensor]:
        return [self.theta] + ([] if self.inputs is None else [self.inputs.table])

    def param_groups(self) -> list[dict[str, Any]]:
        return [{"params": [self.theta]}] + ([] if self.inputs is None else [self.inputs.param_group()])

    def activate(self) -> torch.Tensor:
        return self.theta

    def computed_ops(self) -> torch.Tensor:
        # The allowed ops are exactly the nonzero ones (EG keeps allowed weights positive), so the
        # mask is known on the host and the supernet need not read it off the weights (a device sync).
        return self.allowed

    def allowed_ops(self) -> torch.Tensor:
        return self.allowed
