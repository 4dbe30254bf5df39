"""Gradients of the outer (validation) objective with respect to the architecture parameters.

A hypergradient is called as hypergradient(method, train_batch, val_batch, progress)
and returns (gradients for method.arch_parameters, validation loss). It uses
method.net, method.arch_parameters, method.arch_weights(progress) (the ArchWeights the
supernet consumes, differentiable in the arch parameters), method.w_optimizer and
method.outer_penalty(progress).
"""

from __future__ import annotations


import torch

from methods.components.base import Component
from methods.components.catalog import component
from methods.components.losses import supernet_loss


class Hypergradient(Component):
    """Called as hypergradient(method, train_batch, val_batch, progress)."""

    arch_step_first = False  # True: the architecture step comes before the weight step (search_method.py)


@component("hypergradient")
class FirstOrder(Hypergradient):
    """DARTS first order: grad_alpha [L_val(w, alpha) + outer penalty], w held fixed."""

    NAME = "first-order"

    def __call__(self, method, train_batch, val_batch, progress):
        loss, _ = supernet_loss(method.net, val_batch, method.arch_weights(progress))
        grads = method.precision.grad(loss + method.outer_penalty(progress), method.arch_parameters,
                                      allow_unused=True)
        return zeros_for_unused(grads, method.arch_parameters), loss.detach()


def zeros_for_unused(grads, params) -> list[torch.Tensor]:
    return [torch.zeros_like(p) if g is None else g for g, p in zip(grads, params)]


def virtual_step(method, train_batch, progress) -> dict[str, torch.Tensor]:
    """w' = w - xi * (momentum + grad_w L_train(w, alpha) + wd * w), xi the current weight lr.

    This is the DARTS code's unrolled step: it reuses the weight optimizer's
    momentum buffers (scaled by its momentum) and weight decay.
    """
    group = method.w_optimizer.param_groups[0]
    xi, momentum, decay = group["lr"], group["momentum"], group["weight_decay"]
    names, params = zip(*method.net.named_parameters())
    loss, _ = supernet_loss(method.net, train_batch, method.arch_weights(progress).detached())
    grads = method.precision.grad(loss, params)
    stepped = {}
    for name, p, g in zip(names, params, grads):
        buffer = method.w_optimizer.state.get(p, {}).get("momentum_buffer")
        moment = buffer * momentum if buffer is not None else torch.zeros_like(p)
        stepped[name] = (p - xi * (moment + g + decay * p)).detach()
    return stepped


def mixed_hessian_vector_product(method, batch, direction: dict[str, torch.Tensor], fd_scale: float, progress,
                                 at: dict[str, torch.Tensor] | None = None):
    """grad^2_{alpha,w} L(w, alpha) . v ~ (grad_alpha L(w + e v) - grad_alpha L(w - e v)) / 2e,
    e = fd_scale / ||v||, at w = `at` (default: the network's current weights)."""
    norm = torch.sqrt(sum((d * d).sum() for d in direction.values()))
    eps = fd_scale / norm
    params = at if at is not None else dict(method.net.named_parameters())
    sides = []
    for sign in (1.0, -1.0):
        shifted = {name: (p + sign * eps * direction[name]).detach() for name, p in params.items()}
        with method.precision.full():  # a finite difference: fp32 (precision.py)
            loss, _ = supernet_loss(method.net, batch, method.arch_weights(progress), params=shifted)
        sides.append(zeros_for_unused(torch.autograd.grad(loss, method.arch_parameters, allow_unused=True),
                                      method.arch_parameters))
    return [(plus - minus) / (2 * eps) for plus, minus in zip(*sides)]


@component("hypergradient")
class SecondOrder(Hypergradient):
    """DARTS second order: gradient through one unrolled weight step (DARTS paper, Eq. 7-8).

    g = grad_alpha L_val(w', alpha) - xi * grad^2_{alpha,w} L_train(w, alpha) . grad_w' L_val(w', alpha),
    the Hessian-vector product by central differences at w +/- eps * v, eps = fd_scale / ||v||.
    """

    NAME = "second-order"
    SECTION = "second_order"
    DEFAULTS = {"fd_scale": 0.01}  # DARTS paper, Eq. 8: eps = 0.01 / ||grad_w' L_val(w', alpha)||

    def __call__(self, method, train_batch, val_batch, progress):
        xi = method.w_optimizer.param_groups[0]["lr"]
        unrolled = {name: p.requires_grad_() for name, p in virtual_step(method, train_batch, progress).items()}
        val_loss, _ = supernet_loss(method.net, val_batch, method.arch_weights(progress), params=unrolled)
        n_arch = len(method.arch_parameters)
        grads = method.precision.grad(val_loss + method.outer_penalty(progress),
                                      list(method.arch_parameters) + list(unrolled.values()), allow_unused=True)
        direct = zeros_for_unused(grads[:n_arch], method.arch_parameters)
        v = zeros_for_unused(grads[n_arch:], list(unrolled.values()))
        implicit = mixed_hessian_vector_product(method, train_batch, dict(zip(unrolled, v)),
                                                float(self.settings["fd_scale"]), progress)
        return [d - xi * h for d, h in zip(direct, implicit)], val_loss.detach()
