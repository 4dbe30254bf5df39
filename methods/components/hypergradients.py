"""Gradients of the outer (validation) objective with respect to the architecture parameters.

Each function returns (gradients for `method.arch_parameters`, validation loss).
`method` provides: net, arch_parameters, arch_weights() (differentiable in the
arch parameters), w_optimizer, and outer_penalty(weights) for outer regularisers.
"""

from __future__ import annotations

import torch

from methods.components.losses import supernet_loss


def first_order(method, train_batch, val_batch):
    """DARTS first order: grad_alpha L_val(w, alpha), w held fixed."""
    weights = method.arch_weights()
    loss, _ = supernet_loss(method.net, val_batch, weights)
    objective = loss + method.outer_penalty(weights)
    grads = torch.autograd.grad(objective, method.arch_parameters)
    return list(grads), loss.detach()


def virtual_step(method, train_batch) -> dict[str, torch.Tensor]:
    """w' = w - xi * (momentum + grad_w L_train(w, alpha) + wd * w), xi the current weight lr.

    This is the DARTS code's unrolled step: it reuses the weight optimizer's
    momentum buffers (scaled by its momentum) and weight decay.
    """
    group = method.w_optimizer.param_groups[0]
    xi, momentum, decay = group["lr"], group["momentum"], group["weight_decay"]
    names, params = zip(*method.net.named_parameters())
    loss, _ = supernet_loss(method.net, train_batch, method.arch_weights().detach())
    grads = torch.autograd.grad(loss, params)
    stepped = {}
    for name, p, g in zip(names, params, grads):
        buffer = method.w_optimizer.state.get(p, {}).get("momentum_buffer")
        moment = buffer * momentum if buffer is not None else torch.zeros_like(p)
        stepped[name] = (p - xi * (moment + g + decay * p)).detach()
    return stepped


def second_order(method, train_batch, val_batch):
    """DARTS second order: gradient through one unrolled weight step.

    g = grad_alpha L_val(w', alpha) - xi * grad^2_{alpha,w} L_train(w, alpha) . grad_w' L_val(w', alpha),
    the Hessian-vector product by central differences at w +/- eps * v with
    eps = fd_scale / ||v||, fd_scale = arch.fd_scale (0.01 in the DARTS paper, Section 2.3, Eq. 8).
    """
    xi = method.w_optimizer.param_groups[0]["lr"]
    fd_scale = float(method.config["arch"]["fd_scale"])
    unrolled = {name: p.requires_grad_() for name, p in virtual_step(method, train_batch).items()}
    weights = method.arch_weights()
    val_loss, _ = supernet_loss(method.net, val_batch, weights, params=unrolled)
    objective = val_loss + method.outer_penalty(weights)
    n_arch = len(method.arch_parameters)
    grads = torch.autograd.grad(objective, list(method.arch_parameters) + list(unrolled.values()))
    direct, v = grads[:n_arch], grads[n_arch:]
    implicit = hessian_vector_product(method, train_batch, dict(zip(unrolled, v)), fd_scale)
    return [d - xi * h for d, h in zip(direct, implicit)], val_loss.detach()


def hessian_vector_product(method, batch, direction: dict[str, torch.Tensor], fd_scale: float):
    """grad^2_{alpha,w} L(w, alpha) . v  ~  (grad_alpha L(w + e v) - grad_alpha L(w - e v)) / 2e."""
    norm = torch.sqrt(sum((d * d).sum() for d in direction.values()))
    eps = fd_scale / norm
    params = dict(method.net.named_parameters())
    sides = []
    for sign in (1.0, -1.0):
        shifted = {name: (p + sign * eps * direction[name]).detach() for name, p in params.items()}
        loss, _ = supernet_loss(method.net, batch, method.arch_weights(), params=shifted)
        sides.append(torch.autograd.grad(loss, method.arch_parameters))
    return [(plus - minus) / (2 * eps) for plus, minus in zip(*sides)]


HYPERGRADIENTS = {"first-order": first_order, "second-order": second_order}
