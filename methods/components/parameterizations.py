"""How architecture parameters become the op weights the supernet consumes.

A parameterization owns the architecture parameters and answers:
  activate()          [edges, ops], differentiable: the weights regularisers, derivation
                      and diagnostics look at (softmax probabilities, simplex points, ...)
  supernet_weights()  [cells, edges, ops] for one forward (may sample), plus an optional
                      host-side mask of the ops to compute
  eval_weights()      [cells, edges, ops] for evaluating the supernet (deterministic)
"""

from __future__ import annotations

from typing import Any

import torch

from methods.components.catalog import component
from methods.components.op_masks import allowed_op_mask
from methods.progress import Progress
from spaces.base import CellGraph


class Parameterization:
    NAME = ""
    SECTION: str | None = None
    DEFAULTS: dict[str, Any] = {}

    def __init__(self, graph: CellGraph, config: dict[str, Any], generator: torch.Generator, device: torch.device):
        self.graph = graph
        self.config = config
        self.generator = generator  # CPU generator: initialisation, then any sampling
        self.device = device

    def parameters(self) -> list[torch.Tensor]:
        raise NotImplementedError

    def activate(self) -> torch.Tensor:
        raise NotImplementedError

    def param_groups(self) -> list[dict[str, Any]]:
        """The parameters as optimizer param groups; a group may carry settings of its optimizer
        (exponentiated gradient's `floor`)."""
        return [{"params": self.parameters()}]

    def supernet_weights(self, num_cells: int, progress: Progress, differentiable: bool):
        """(weights [cells, edges, ops], active mask or None) for one forward pass."""
        weights = repeat_over_cells(self.activate(), num_cells)
        return (weights if differentiable else weights.detach()), None

    def eval_weights(self, num_cells: int) -> torch.Tensor:
        return repeat_over_cells(self.activate().detach(), num_cells)

    def edge_scale(self, num_cells: int, differentiable: bool) -> torch.Tensor | None:
        """[cells, edges] multiplier of each edge's whole output (PC-DARTS edge normalisation),
        or None for none; the supernet's `edge_scale` argument."""
        return None

    def derive_scores(self) -> torch.Tensor:
        """[edges, ops] scores the space's derivation ranks (argmax per edge on NB201)."""
        return self.activate().detach()

    def allowed_ops(self) -> torch.Tensor | None:
        """Bool [edges, ops] of ops this method may pick (None: all)."""
        return None

    def after_arch_step(self) -> None:
        """Called right after each architecture optimizer step (e.g. to prune ops whose weight hit 0)."""

    def diagnostics(self) -> dict[str, Any]:
        return {}

    def state_dict(self) -> dict[str, Any]:
        return {"params": [p.detach().clone() for p in self.parameters()], "generator": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        with torch.no_grad():
            for p, saved in zip(self.parameters(), state["params"]):
                p.copy_(saved)
        self.generator.set_state(state["generator"])


def repeat_over_cells(edge_weights: torch.Tensor, num_cells: int) -> torch.Tensor:
    return edge_weights.unsqueeze(0).expand(num_cells, *edge_weights.shape)


@component("parameterization")
class SoftmaxLogits(Parameterization):
    """DARTS: per-edge logits alpha, weights = softmax(alpha) over the edge's ops.

    Initialised at arch.init_scale * N(0, 1) (DARTS code: 1e-3 * randn). Ops named in
    softmax.exclude_ops are masked out of the softmax (weight exactly 0: never computed) and
    out of the derivation, as are the padding slots of edges with fewer ops than the longest.
    """

    NAME = "softmax"
    SECTION = "softmax"
    DEFAULTS = {
        # harness choice: every op; GAEA C.3 runs first-order DARTS "with this modification" (the zero
        # op excluded) as the control of GAEA DARTS on NB201: --set softmax.exclude_ops='["none"]'
        "exclude_ops": [],
    }

    def __init__(self, graph, config, generator, device):
        super().__init__(graph, config, generator, device)
        shape = (graph.num_edges, graph.max_ops)
        init = float(config["arch"]["init_scale"]) * torch.randn(shape, generator=generator)
        self.alpha = init.to(device).requires_grad_()
        self.allowed = allowed_op_mask(graph, config["softmax"]["exclude_ops"], "softmax.exclude_ops")
        self.allowed_on_device = self.allowed.to(device)

    def parameters(self) -> list[torch.Tensor]:
        return [self.alpha]

    def activate(self) -> torch.Tensor:
        return torch.softmax(self.alpha.masked_fill(~self.allowed_on_device, float("-inf")), dim=-1)

    def supernet_weights(self, num_cells: int, progress: Progress, differentiable: bool):
        # softmax weights are nonzero on every allowed op: the mask is known on the host, which spares
        # the supernet a device-to-host read of the weights
        weights = self.activate() if differentiable else self.activate().detach()
        return repeat_over_cells(weights, num_cells), repeat_over_cells(self.allowed, num_cells)

    def allowed_ops(self) -> torch.Tensor:
        return self.allowed
