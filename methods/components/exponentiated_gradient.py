"""Exponentiated gradient (EG): GAEA's architecture optimizer.

Mirror descent with the entropic regulariser on each simplex (GAEA, Li et al., ICLR 2021,
Section 3, Eq. 5):

    theta <- theta * exp(-eta * grad)
    theta <- max(theta, floor)           on the row's support only
    theta <- theta / sum(theta)          per row (the last dim: one simplex per edge)

The floor is the GAEA code's (cnn/architect/architect_edarts.py, normalize(): clamp at 1e-5, then
divide by the sum): without it an op whose weight underflows to 0 is dead for ever, and a
Gumbel-max sampler on log theta (GAEA GDAS) never draws it again. It applies only on the support:
ops a method excluded (theta exactly 0 from the start, simplex.exclude_ops) stay exactly 0, as
the GAEA code has no such op at all (search.exclude_zero drops `none` from the op list). The
code's edge weights (GAEA PC-DARTS) are normalised per node without the clamp; a
parameterization says so with a param group of floor 0 (partial_channel.py).

eta is arch.lr. There is no weight decay on theta (the paper applies none), so a
nonzero arch.weight_decay is refused rather than ignored.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from methods.components.catalog import component
from methods.components.settings import checked_number
from spaces.errors import ConfigError


def exponentiated_step(theta: torch.Tensor, grad: torch.Tensor, lr: float, floor: float = 0.0) -> torch.Tensor:
    """normalise(max(theta * exp(-lr * grad), floor)) per row, on the row's support (theta > 0).

    Computed in log space, log theta - lr * grad, then a softmax over the support: the same
    numbers without overflow whatever the gradient's size. Entries with theta = 0 stay exactly 0,
    whatever their gradient (even NaN).
    """
    on_support = theta > 0
    minus_inf = torch.full((), float("-inf"), dtype=theta.dtype, device=theta.device)
    log_weights = torch.where(on_support, theta.log() - lr * grad, minus_inf)
    if floor > 0:
        log_weights = torch.where(on_support, log_weights.clamp_min(math.log(floor)), minus_inf)
    return torch.softmax(log_weights, dim=-1)


class ExponentiatedGradient(torch.optim.Optimizer):
    """A torch optimizer, so its state_dict (learning rate, floors) checkpoints like any other.

    A param group may set its own `floor` (default: the optimizer's)."""

    def __init__(self, params, lr: float, floor: float = 0.0):
        super().__init__(params, {"lr": lr, "floor": floor})

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for theta in group["params"]:
                if theta.grad is not None:
                    theta.copy_(exponentiated_step(theta, theta.grad, group["lr"], group["floor"]))
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
    SECTION = "eg"
    DEFAULTS = {
        "floor": 1e-5,  # GAEA code, cnn/architect/architect_edarts.py normalize(min_v=1e-5)
    }

    @staticmethod
    def build(param_groups: list[dict[str, Any]], config: dict[str, Any]) -> torch.optim.Optimizer:
        arch = config["arch"]
        lr, weight_decay = float(arch["lr"]), float(arch["weight_decay"])
        if weight_decay != 0:
            raise ConfigError(f"arch.optimizer=eg takes no weight decay on theta (GAEA applies none); "
                              f"set arch.weight_decay=0, got {weight_decay}")
        if not lr > 0:
            raise ConfigError(f"arch.lr (the EG step size eta) must be > 0, got {lr}")
        floor = checked_number(config["eg"]["floor"], "eg.floor", allow_zero=True)
        groups = [dict(group) for group in param_groups]
        for group in groups:
            floor_of_group = group.get("floor", floor)
            if not floor_of_group * group_width(group) < 1:
                raise ConfigError(f"eg.floor={floor_of_group} is too large for simplices of {group_width(group)} "
                                  f"entries: the floors alone would sum to 1 or more")
            check_on_simplex(group["params"])
        return ExponentiatedGradient(groups, lr, floor)


def group_width(group: dict[str, Any]) -> int:
    return max(int(p.shape[-1]) for p in group["params"])
