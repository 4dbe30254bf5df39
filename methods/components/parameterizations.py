"""How architecture parameters become the per-edge op weights the supernet consumes."""

from __future__ import annotations

from typing import Any

import torch

from spaces.base import CellGraph
from spaces.errors import ConfigError


class SoftmaxLogits:
    """DARTS: per-edge logits alpha, weights = softmax(alpha) over the edge's ops.

    Initialised at init_scale * N(0, 1) (DARTS paper, Section 2.3 code: 1e-3 * randn).
    """

    name = "softmax"

    def __init__(self, graph: CellGraph, config: dict[str, Any], generator: torch.Generator, device: torch.device):
        shape = (graph.num_edges, graph.max_ops)
        init = float(config["init_scale"]) * torch.randn(shape, generator=generator, dtype=torch.float32)
        self.alpha = init.to(device).requires_grad_()

    def parameters(self) -> list[torch.Tensor]:
        return [self.alpha]

    def activate(self) -> torch.Tensor:
        return torch.softmax(self.alpha, dim=-1)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {"alpha": self.alpha.detach().clone()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        with torch.no_grad():
            self.alpha.copy_(state["alpha"])


PARAMETERIZATIONS = {SoftmaxLogits.name: SoftmaxLogits}


def make_parameterization(config: dict[str, Any], graph: CellGraph, generator: torch.Generator, device):
    name = config["parameterization"]
    if name not in PARAMETERIZATIONS:
        raise ConfigError(f"unknown arch.parameterization {name!r}; available: {', '.join(sorted(PARAMETERIZATIONS))}")
    return PARAMETERIZATIONS[name](graph, config, generator, device)
