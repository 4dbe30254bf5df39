"""Amended-DARTS hypergradient (Bi et al., "Stabilizing DARTS with Amended Gradient Estimation
on Architectural Parameters", 2019).

The exact hypergradient at w = w*(alpha) is g1 + g2 with
    g1 = grad_alpha L_val(w, alpha)
    g2 = -grad^2_{alpha,w} L_train . H^-1 . grad_w L_val,   H = grad^2_w L_train.
DARTS drops g2 (first order) or approximates it with one unrolled step; Amended-DARTS
replaces H^-1 by eta * H, which needs no inverse:
    g2' = -eta * grad^2_{alpha,w} L_train . H . grad_w L_val.
Both products are central finite differences (paper appendix A.2):
    v   = H u  ~ (grad_w L_train(w + e u) - grad_w L_train(w - e u)) / 2e,       u = grad_w L_val
    g2' = -eta * (grad_alpha L_train(w + e' v) - grad_alpha L_train(w - e' v)) / 2e'
(A.2 writes grad_w L_val in the second line, a typo: the term is the alpha-derivative of
L_train), each e = fd_scale / ||direction|| as DARTS scales its own difference (Eq. 8).

The arithmetic works on any (params dict, arch params, loss callable), so the same code
runs the paper's scalar toy problem in the tests and the supernet here.
"""

from __future__ import annotations

from typing import Callable

import torch

from methods.components.catalog import component
from methods.components.hypergradients import FirstOrder, Hypergradient, zeros_for_unused
from methods.components.losses import supernet_loss
from methods.components.settings import checked_number

Params = dict[str, torch.Tensor]
LossAt = Callable[[Params], torch.Tensor]  # network weights -> scalar loss, differentiable in alpha


def central_difference(gradient_at: Callable[[Params], list[torch.Tensor]], params: Params,
                       direction: Params, fd_scale: float) -> list[torch.Tensor]:
    """(g(w + e v) - g(w - e v)) / 2e with e = fd_scale / ||v||: the derivative of the gradient g
    along v. The same arithmetic as hypergradients.mixed_hessian_vector_product, for any g.

    The shifted weights are new tensors (never w perturbed in place and restored),
    so w stays bit-exact, which exact resume needs.
    """
    norm = torch.sqrt(sum((d * d).sum() for d in direction.values()))
    eps = fd_scale / norm
    sides = []
    for sign in (1.0, -1.0):
        shifted = {name: (p + sign * eps * direction[name]).detach() for name, p in params.items()}
        sides.append(gradient_at(shifted))
    return [(plus - minus) / (2 * eps) for plus, minus in zip(*sides)]


def hessian_vector_product(loss_at: LossAt, params: Params, direction: Params, fd_scale: float) -> Params:
    """grad^2_w L . u by a central difference of grad_w L."""

    def weight_gradient(shifted: Params) -> list[torch.Tensor]:
        inputs = [p.requires_grad_() for p in shifted.values()]
        return zeros_for_unused(torch.autograd.grad(loss_at(shifted), inputs, allow_unused=True), inputs)

    return dict(zip(params, central_difference(weight_gradient, params, direction, fd_scale)))


def mixed_product(loss_at: LossAt, arch_params: list[torch.Tensor], params: Params, direction: Params,
                  fd_scale: float) -> list[torch.Tensor]:
    """grad^2_{alpha,w} L . v by a central difference of grad_alpha L."""

    def arch_gradient(shifted: Params) -> list[torch.Tensor]:
        return zeros_for_unused(torch.autograd.grad(loss_at(shifted), arch_params, allow_unused=True), arch_params)

    return central_difference(arch_gradient, params, direction, fd_scale)


def amending_term(train_loss_at: LossAt, arch_params: list[torch.Tensor], params: Params, val_weight_grad: Params,
                  eta: float, fd_scale: float) -> list[torch.Tensor]:
    """g2' = -eta * grad^2_{alpha,w} L_train . H . u, H = grad^2_w L_train, u = grad_w L_val (at `params`)."""
    hessian_u = hessian_vector_product(train_loss_at, params, val_weight_grad, fd_scale)
    return [-eta * m for m in mixed_product(train_loss_at, arch_params, params, hessian_u, fd_scale)]


@component("hypergradient")
class Amended(Hypergradient):
    """g = grad_alpha [L_val(w, alpha) + outer penalty] + g2' (four extra passes on the train batch)."""

    NAME = "amended"
    SECTION = "amended"
    DEFAULTS = {
        "eta": 0.1,  # Amended-DARTS Section 4.1.1: the amending coefficient of Eq. 6
        "fd_scale": 0.01,  # Amended-DARTS A.2 "just like DARTS" (DARTS Eq. 8): e = 0.01 / ||direction||, both differences
    }

    def __init__(self, config):
        super().__init__(config)
        self.eta = checked_number(self.settings["eta"], "amended.eta", allow_zero=True)
        self.fd_scale = checked_number(self.settings["fd_scale"], "amended.fd_scale", allow_zero=False)
        self.first_order = FirstOrder(config)

    def __call__(self, method, train_batch, val_batch, progress):
        if self.eta == 0.0:
            # g2' vanishes: this is first-order DARTS exactly, without the four extra passes
            return self.first_order(method, train_batch, val_batch, progress)
        params = dict(method.net.named_parameters())
        arch_params = list(method.arch_parameters)
        val_loss, _ = supernet_loss(method.net, val_batch, method.arch_weights(progress))
        # one backward pass gives both g1 and u = grad_w L_val
        grads = method.precision.grad(val_loss + method.outer_penalty(progress),
                                      arch_params + list(params.values()), allow_unused=True)
        g1 = zeros_for_unused(grads[:len(arch_params)], arch_params)
        u = dict(zip(params, zeros_for_unused(grads[len(arch_params):], list(params.values()))))

        def train_loss_at(shifted: Params) -> torch.Tensor:
            # arch weights are rebuilt per pass, as mixed_hessian_vector_product does (each
            # autograd.grad frees their graph); a sampling parameterization draws per pass. Finite
            # differences run in fp32 (precision.py)
            with method.precision.full():
                return supernet_loss(method.net, train_batch, method.arch_weights(progress), params=shifted)[0]

        g2 = amending_term(train_loss_at, arch_params, params, u, self.eta, self.fd_scale)
        return [a + b for a, b in zip(g1, g2)], val_loss.detach()


