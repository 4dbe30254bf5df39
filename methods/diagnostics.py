"""Collapse diagnostics that apply to every method (DESIGN.md, "collapse diagnostics").

- l1 change of the activated architecture weights between epochs (Lambda-DARTS Figure 3);
- layer alignment Lambda on a validation batch (Lambda-DARTS Figure 1), see
  methods/components/layer_alignment.py;
- the dominant eigenvalue of the Hessian of the validation loss with respect to the
  architecture parameters (RobustDARTS, Zela et al. ICLR 2020, Section 4: it grows as
  DARTS collapses), by power iteration on exact Hessian-vector products.
"""

from __future__ import annotations

import torch

from methods.components.compilation import eager
from methods.components.losses import supernet_loss


def l1_change(previous: torch.Tensor, current: torch.Tensor) -> float:
    """sum |A_t - A_{t-1}| over every edge and op of the activated weights."""
    return float((current.double() - previous.double()).abs().sum())


def dominant_hessian_eigenvalue(method, batch, iterations: int, generator: torch.Generator) -> float:
    """Largest-magnitude eigenvalue of d^2 L_val / d theta^2 by power iteration.

    The loss is taken under the parameterization's deterministic activated weights
    A(theta) repeated over cells (not a sample), in training mode on copies of the
    network's buffers, so the search itself is left exactly as it was. Hessian-vector
    products are exact (double backward), so a compiled supernet runs eager here
    (compilation.py). The start vector comes from `generator`, so the value is reproducible.
    """
    net = method.net
    params = method.arch_parameters
    buffers = {name: b.clone() for name, b in net.named_buffers()}
    was_training = net.training
    net.train()
    try:
        with torch.enable_grad(), eager():
            parameterization = method.parameterization
            weights = parameterization.expand(parameterization.activate(), parameterization.input_weights())
            loss, _ = supernet_loss(net, batch, weights, params=buffers)
            grads = torch.autograd.grad(loss, params, create_graph=True, allow_unused=True)
            pairs = [(p, g) for p, g in zip(params, grads) if g is not None]
            vector = [torch.randn(p.shape, generator=generator, dtype=p.dtype).to(p.device) for p, _ in pairs]
            eigenvalue = torch.zeros((), dtype=torch.float64)
            for _ in range(iterations):
                norm = torch.sqrt(sum((v * v).sum() for v in vector))
                vector = [v / norm for v in vector]
                products = torch.autograd.grad([g for _, g in pairs], [p for p, _ in pairs], grad_outputs=vector,
                                               retain_graph=True)
                eigenvalue = sum((hv * v).sum() for hv, v in zip(products, vector))
                vector = [hv.detach() for hv in products]
    finally:
        net.train(was_training)
    return float(eigenvalue)
