"""Exponentiated gradient (EG): GAEA's architecture optimizer.

Mirror descent with the entropic regulariser on each simplex (GAEA, Li et al., ICLR 2021):

    theta <- theta * exp(-eta * grad)
    theta <- theta / sum(theta)          per row (the last dim: one simplex per edge)

The GAEA code (architect_edarts.py) also floors theta at 1e-5 before normalising; we do
not: excluded ops must stay exactly 0, and the issue specifies the plain update.

eta is arch.lr. There is no weight decay on theta (the paper applies none), so a
nonzero arch.weight_decay is refused rather than ignored.
"""

from __future__ import annotations

from typing import Any

import torch

from methods.components.catalog import component
from spaces.errors import ConfigError


def exponentiated_step(theta: torch.Tensor, grad: torch.Tensor, lr: float) -> torch.Tensor:
    """theta * exp(-lr * grad), renormalised per row.

    Each row's exponents are shifted by their largest value on the row's support
    (theta > 0) first: the shift cancels in the normalisation and keeps exp from
    overflowing whatever the gradient's size. Entries with theta = 0 stay exactly 0,
    whatever their gradient.
    """
    exponent = -lr * grad
    on_support = theta > 0
    shift = exponent.masked_fill(~on_support, float("-inf")).amax(-1, keepdim=True)
    scaled = torch.where(on_support, theta * torch.exp(exponent - shift), 0.0)
    return scaled / scaled.sum(-1, keepdim=True)


class ExponentiatedGradient(torch.optim.Optimizer):
    """A torch optimizer, so its state_dict (the learning rate) checkpoints like any other."""

    def __init__(self, params, lr: float):
        super().__init__(params, {"lr": lr})

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for theta in group["params"]:
                if theta.grad is not None:
                    theta.copy_(exponentiated_step(theta, theta.grad, group["lr"]))
        return loss


def check_on_simplex(params) -> None:
    """One host check at build time: EG on logits (or any non-simplex point) is meaningless."""
    for theta in params:
        detached = theta.detach()
        if detached.dim() == 0 or (detached < 0).any() or not torch.allclose(
                detached.sum(-1), torch.ones((), dtype=detached.dtype, device=detached.device), atol=1e-5):
            raise ConfigError(
                "arch.optimizer=eg needs architecture weights on the simplex (nonnegative rows summing to 1); "
                "use a simplex parameterization (simplex, gumbel-simplex, partial-channel-simplex)")


@component("arch_optimizer")
class ExponentiatedGradientArchOptimizer:
    NAME = "eg"

    @staticmethod
    def build(params, arch: dict[str, Any]) -> torch.optim.Optimizer:
        lr, weight_decay = float(arch["lr"]), float(arch["weight_decay"])
        if weight_decay != 0:
            raise ConfigError(f"arch.optimizer=eg takes no weight decay on theta (GAEA applies none); "
                              f"set arch.weight_decay=0, got {weight_decay}")
        if not lr > 0:
            raise ConfigError(f"arch.lr (the EG step size eta) must be > 0, got {lr}")
        params = list(params)
        check_on_simplex(params)
        return ExponentiatedGradient(params, lr)
