"""A search method assembled from components (DESIGN.md, "Method").

One step on a (train batch, val batch) pair reads like the DARTS algorithm box:
  1. weight step:        w     <- w - lr * grad_w L_train(w, alpha)
  2. architecture step:  alpha <- optimizer(alpha, hypergradient of L_val)
Methods differ only in the components plugged into these two lines.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from methods.components.hypergradients import HYPERGRADIENTS
from methods.components.losses import supernet_loss
from methods.components.optimizers import make_arch_optimizer, make_weight_optimizer
from methods.components.parameterizations import make_parameterization
from spaces.errors import ConfigError


class SearchMethod:
    def __init__(self, name: str, space, net: nn.Module, config: dict[str, Any], generator: torch.Generator):
        self.name = name
        self.space = space
        self.net = net
        self.config = config
        arch = config["arch"]
        device = next(net.parameters()).device
        self.num_cells = space.num_cells(config["supernet"])
        self.parameterization = make_parameterization(arch, space.graph, generator, device)
        self.arch_parameters = self.parameterization.parameters()
        self.w_optimizer, self.w_scheduler = make_weight_optimizer(
            net.parameters(), config["weights_optimizer"], config["epochs"]
        )
        self.grad_clip = float(config["weights_optimizer"]["grad_clip"])
        self.a_optimizer = make_arch_optimizer(self.arch_parameters, arch)
        if arch["hypergradient"] not in HYPERGRADIENTS:
            raise ConfigError(
                f"unknown arch.hypergradient {arch['hypergradient']!r}; available: {', '.join(sorted(HYPERGRADIENTS))}"
            )
        self.hypergradient = HYPERGRADIENTS[arch["hypergradient"]]

    # --- what the supernet consumes -------------------------------------------------
    def edge_weights(self) -> torch.Tensor:
        """Activated weights [edges, ops] shared by every cell."""
        return self.parameterization.activate()

    def arch_weights(self) -> torch.Tensor:
        """[cells, edges, ops]: the edge weights repeated over cells, differentiable in alpha."""
        edge = self.edge_weights()
        return edge.unsqueeze(0).expand(self.num_cells, *edge.shape)

    def outer_penalty(self, weights: torch.Tensor) -> torch.Tensor | float:
        """Regulariser added to L_val in the architecture step (none for DARTS)."""
        return 0.0

    # --- one search step ------------------------------------------------------------
    def step(self, train_batch, val_batch, progress: float) -> dict[str, torch.Tensor]:
        stats = self.weight_step(train_batch)
        stats["val_loss"] = self.arch_step(train_batch, val_batch)
        return stats

    def weight_step(self, train_batch) -> dict[str, torch.Tensor]:
        self.w_optimizer.zero_grad(set_to_none=True)
        loss, logits = supernet_loss(self.net, train_batch, self.arch_weights().detach())
        loss.backward()
        nn.utils.clip_grad_norm_(self.net.parameters(), self.grad_clip)
        self.w_optimizer.step()
        correct = (logits.detach().argmax(1) == train_batch[1]).sum()
        return {"train_loss": loss.detach(), "train_correct": correct}

    def arch_step(self, train_batch, val_batch) -> torch.Tensor:
        grads, val_loss = self.hypergradient(self, train_batch, val_batch)
        self.a_optimizer.zero_grad(set_to_none=True)
        for p, g in zip(self.arch_parameters, grads):
            p.grad = g
        self.a_optimizer.step()
        return val_loss

    def end_epoch(self) -> None:
        self.w_scheduler.step()

    # --- results --------------------------------------------------------------------
    def derive(self):
        return self.space.derive(self.edge_weights())

    def diagnostics(self) -> dict[str, Any]:
        weights = self.edge_weights().detach().double().cpu()
        entropy = -(weights.clamp_min(1e-30).log() * weights).sum(-1).mean()
        return {"entropy": float(entropy), "arch_weights": weights.tolist()}

    def state_dict(self) -> dict[str, Any]:
        return {
            "parameterization": self.parameterization.state_dict(),
            "w_optimizer": self.w_optimizer.state_dict(),
            "w_scheduler": self.w_scheduler.state_dict(),
            "a_optimizer": self.a_optimizer.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.parameterization.load_state_dict(state["parameterization"])
        self.w_optimizer.load_state_dict(state["w_optimizer"])
        self.w_scheduler.load_state_dict(state["w_scheduler"])
        self.a_optimizer.load_state_dict(state["a_optimizer"])
