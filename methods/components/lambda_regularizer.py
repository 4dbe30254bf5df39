"""Lambda-DARTS inner regulariser: the weight step minimises L_train - lambda_t * Lambda_train.

lambda_t = lambda * epoch / (T - 1). grad_w Lambda is estimated from two extra passes at
per-cell perturbed op weights P +/- e * Delta (Delta from layer_alignment.alignment_direction):
    grad_w Lambda ~ (1 / C(L,2)) * (grad_w L(w, P + e Delta) - grad_w L(w, P - e Delta)) / 2e,
    e = e0 / ||Delta||_F.
Why this is grad_w Lambda: Lambda depends on w only through the layer gradients l_g(w),
so grad_w Lambda = sum_l (d l_g / dw)^T dLambda/dl_g = grad_w [ dL/dP . D ] with
D_l = dLambda/dl_g held fixed, and dL/dP . D is the derivative of L along D in P; the
difference quotient estimates its w-gradient. D = Delta / C(L,2): each pair's cosine
appears once in the mean, and delta^{l,l'} is its derivative with respect to l_g.
The "alternating" difference is the paper's cheaper variant: one extra pass per step,
forward (P + e Delta against P) on even global steps and backward on odd ones, reusing
the weight step's own gradient grad_w L(w, P).
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch

from methods.components.catalog import component
from methods.components.hypergradients import zeros_for_unused
from methods.components.layer_alignment import (
    CELL_SETS,
    check_variant,
    grouped_alignment,
    grouped_direction,
    type_groups,
)
from methods.components.losses import supernet_loss
from methods.components.precision import Precision
from methods.components.settings import checked_number
from methods.components.regularizers import InnerRegularizer
from spaces.base import ArchWeights
from spaces.errors import ConfigError

DIFFERENCES = ("central", "alternating")


class LayerAlignmentRegularizer(InnerRegularizer):
    """Shared by `lambda` and `lambda-pm`; they differ only in VARIANT (the alignment measure)."""

    VARIANT = ""
    SECTION = "lambda_reg"
    DEFAULTS = {
        "strength": 0.125,  # Lambda-DARTS A.9.1 (NB201): lambda = 0.125 for both Lambda and Lambda+-
        "e0": 1e-4,  # Lambda-DARTS A.9.1 (NB201) and A.9.2 (DARTS space): e0 = 1e-4
        "difference": "central",  # Lambda-DARTS Eq. 13 (central); "alternating" is the forward/backward variant of A.8
        # which cells are aligned: "all", or "normal" (the non-reduction cells: Lambda-DARTS A.9.2 regularises
        # the DARTS space's normal cells only, "since the performance collapse is not usually associated
        # with the reduction cell")
        "cells": "all",
    }
    needs_layer_grads = True

    def __init__(self, config: dict[str, Any]):
        super().__init__(config)
        check_variant(self.VARIANT)
        self.strength = checked_number(self.settings["strength"], "lambda_reg.strength", allow_zero=True)
        self.e0 = checked_number(self.settings["e0"], "lambda_reg.e0", allow_zero=False)
        self.difference = self.settings["difference"]
        if self.difference not in DIFFERENCES:
            raise ConfigError(f"lambda_reg.difference must be one of {', '.join(DIFFERENCES)}, "
                              f"got {self.difference!r}")
        # per-epoch diagnostics: the alignment being optimised, summed over this epoch's steps
        self.epoch = 0
        self.steps_this_epoch = 0
        self.alignment_sum = torch.zeros((), dtype=torch.float64)
        self.current_strength = 0.0

    def groups(self, decisions) -> list[list[int]]:
        """The cells aligned with each other: those of each regularised cell type (two or more cells)."""
        cells = self.settings["cells"]
        if cells not in CELL_SETS:
            raise ConfigError(f"lambda_reg.cells must be one of {', '.join(CELL_SETS)}, got {cells!r}")
        groups = list(type_groups(decisions, cells).values())
        if not groups:
            raise ConfigError(f"{self.NAME} aligns cells with each other, but this supernet has fewer than two "
                              f"{'' if cells == 'all' else 'normal '}cells")
        return groups

    def check(self, method) -> None:
        self.groups(method.decisions)

    def adjust(self, method, batch, weights: ArchWeights, progress) -> None:
        """grad_w <- grad_w L_train - lambda_t * (estimate of grad_w Lambda_train)."""
        layer_grads = weights.ops.grad
        groups = self.groups(method.decisions)
        self._record(grouped_alignment(layer_grads, groups, self.VARIANT).detach(), progress)
        # lambda_t = lambda * epoch / (T - 1); Progress.linear gives 0 when T = 1
        self.current_strength = progress.linear(0.0, self.strength)
        if self.current_strength == 0.0:
            return  # the first epoch (or lambda = 0): no extra passes
        params = list(method.net.parameters())
        estimate = alignment_weight_gradient(method.net, batch, weights.detached(), layer_grads, groups, params,
                                             self.VARIANT, self.e0, self.difference_side(progress), method.precision)
        for p, e in zip(params, estimate):
            p.grad = -self.current_strength * e if p.grad is None else p.grad.add_(e, alpha=-self.current_strength)

    def difference_side(self, progress) -> str:
        if self.difference == "central":
            return "central"
        global_step = progress.epoch * progress.steps + progress.step
        return "forward" if global_step % 2 == 0 else "backward"

    def _record(self, alignment: torch.Tensor, progress) -> None:
        if progress.epoch != self.epoch or self.steps_this_epoch == 0:
            self.epoch, self.steps_this_epoch = progress.epoch, 0
            self.alignment_sum = torch.zeros((), dtype=torch.float64, device=alignment.device)
        self.alignment_sum = self.alignment_sum + alignment.double()
        self.steps_this_epoch += 1

    def diagnostics(self) -> dict[str, Any]:
        result = {"inner_reg_strength": self.current_strength}
        if self.steps_this_epoch:
            # mean over this epoch's weight steps, on training batches, before each step
            result["inner_reg_alignment"] = float(self.alignment_sum) / self.steps_this_epoch
        return result

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "steps_this_epoch": self.steps_this_epoch,
                "alignment_sum": self.alignment_sum.clone(), "current_strength": self.current_strength}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epoch, self.steps_this_epoch = int(state["epoch"]), int(state["steps_this_epoch"])
        self.alignment_sum = state["alignment_sum"].clone()
        self.current_strength = float(state["current_strength"])


@component("inner_reg")
class LambdaRegularizer(LayerAlignmentRegularizer):
    """Lambda: the mean cosine similarity of the cells' gradients."""

    NAME = "lambda"
    VARIANT = "lambda"


@component("inner_reg")
class LambdaPlusMinusRegularizer(LayerAlignmentRegularizer):
    """Lambda+-: the gradients' dot product over the dot product of their magnitudes."""

    NAME = "lambda-pm"
    VARIANT = "lambda-pm"


def alignment_weight_gradient(net, batch, weights: ArchWeights, layer_grads: torch.Tensor, groups: list[list[int]],
                              params: list[torch.Tensor], variant: str, e0: float, side: str,
                              precision: Precision | None = None) -> list[torch.Tensor]:
    """Finite-difference estimate of grad_w Lambda for each of `params`, w untouched.

    side "central": (g(P + e Delta) - g(P - e Delta)) / 2e; "forward": (g(P + e Delta) - g(P)) / e;
    "backward": (g(P) - g(P - e Delta)) / e; g(P) = grad_w L(w, P) is read from the params'
    .grad (the weight step's backward has just filled it); all divided by C(L,2) (grouped_direction
    for several cell types). The shifted passes run in fp32 (`precision.full()`); under a reduced
    precision a one-sided difference recomputes g(P) in fp32 too instead of reading the weight step's
    bf16 gradient, whose rounding the division by e would blow up.
    """
    delta, pairs = grouped_direction(layer_grads, groups, variant)
    # a zero Delta (perfectly aligned cells) gives e = e0 / tiny: P is not moved and the estimate is 0
    eps = e0 / delta.norm().clamp_min(torch.finfo(delta.dtype).tiny)
    # one host copy of the mask for both passes (the network would read it off each weight tensor);
    # an op not computed in the weight step stays off in the perturbed passes
    fixed = weights.with_host_mask()

    full = contextlib.nullcontext if precision is None else precision.full

    def gradient_at(shift: torch.Tensor) -> list[torch.Tensor]:
        with full():
            loss, _ = supernet_loss(net, batch, fixed.with_ops(fixed.ops + shift))
        return zeros_for_unused(torch.autograd.grad(loss, params, allow_unused=True), params)

    def unshifted() -> list[torch.Tensor]:
        reduced = precision is not None and precision.dtype is not None
        return gradient_at(torch.zeros_like(delta)) if reduced else _current_grads(params)

    if side == "central":
        plus, minus, span = gradient_at(eps * delta), gradient_at(-eps * delta), 2 * eps
    elif side == "forward":
        plus, minus, span = gradient_at(eps * delta), unshifted(), eps
    elif side == "backward":
        plus, minus, span = unshifted(), gradient_at(-eps * delta), eps
    else:
        raise ValueError(f"unknown difference side {side!r}")
    return [(a - b) / (span * pairs) for a, b in zip(plus, minus)]


def _current_grads(params: list[torch.Tensor]) -> list[torch.Tensor]:
    return [torch.zeros_like(p) if p.grad is None else p.grad.clone() for p in params]


