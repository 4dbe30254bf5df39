"""GAEA's architecture parameters: one point on the probability simplex per edge.

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
from methods.components.parameterizations import Parameterization, repeat_over_cells
from methods.progress import Progress
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


@component("parameterization")
class Simplex(Parameterization):
    """theta [edges, ops] on a product of simplices; the supernet consumes theta itself."""

    NAME = "simplex"
    SECTION = "simplex"
    DEFAULTS = {
        # harness choice: every op allowed; GAEA's NB201 methods set ["none"] (GAEA paper C.3)
        "exclude_ops": [],
    }

    def __init__(self, graph, config, generator, device):
        super().__init__(graph, config, generator, device)
        require_exponentiated_gradient(config, self.NAME)
        self.allowed = allowed_op_mask(graph, config["simplex"]["exclude_ops"])
        self.theta = uniform_over(self.allowed).to(device).requires_grad_()

    def parameters(self) -> list[torch.Tensor]:
        return [self.theta]

    def activate(self) -> torch.Tensor:
        return self.theta

    def supernet_weights(self, num_cells: int, progress: Progress, differentiable: bool):
        # The allowed ops are exactly the nonzero ones (EG keeps allowed weights positive), so the
        # mask is known on the host and the supernet need not read it off the weights (a device sync).
        theta = self.theta if differentiable else self.theta.detach()
        return repeat_over_cells(theta, num_cells), repeat_over_cells(self.allowed, num_cells)

    def allowed_ops(self) -> torch.Tensor:
        return self.allowed
