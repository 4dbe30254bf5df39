"""Collapse diagnostics against independent computations."""

from __future__ import annotations

import torch

from methods.components.losses import supernet_loss
from methods.diagnostics import dominant_hessian_eigenvalue, l1_change
from tests.method_helpers import tiny_batch, tiny_method


def dense_hessian_eigenvalues(method, batch):
    alpha = method.arch_parameters[0]

    def loss_of(flat):
        weights = method.parameterization.expand(torch.softmax(flat.reshape(alpha.shape), -1))
        buffers = {name: b.clone() for name, b in method.net.named_buffers()}
        return supernet_loss(method.net, batch, weights, params=buffers)[0]

    hessian = torch.autograd.functional.hessian(loss_of, alpha.detach().flatten().clone())
    return torch.linalg.eigvalsh(hessian)


def test_power_iteration_finds_the_dominant_eigenvalue_of_the_dense_hessian():
    method = tiny_method("darts", channels=3)
    with torch.no_grad():  # a non-uniform point, so the Hessian is not degenerate
        method.arch_parameters[0].copy_(torch.randn(1, 6, 5, generator=torch.Generator().manual_seed(4),
                                                    dtype=torch.float64))
    batch = tiny_batch(3, n=16)
    eigenvalues = dense_hessian_eigenvalues(method, batch)
    dominant = eigenvalues[eigenvalues.abs().argmax()]
    ours = dominant_hessian_eigenvalue(method, batch, iterations=300, generator=torch.Generator().manual_seed(0))
    assert abs(ours - float(dominant)) < 1e-4 * abs(float(dominant)) + 1e-8


def test_diagnostic_leaves_the_network_untouched():
    method = tiny_method("darts", channels=3)
    before = {k: v.clone() for k, v in method.net.state_dict().items()}
    dominant_hessian_eigenvalue(method, tiny_batch(1), iterations=3, generator=torch.Generator().manual_seed(0))
    after = method.net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before), "BN running stats must not move"


def test_l1_change():
    a = torch.tensor([[0.5, 0.5], [1.0, 0.0]])
    b = torch.tensor([[0.25, 0.75], [1.0, 0.0]])
    assert l1_change(a, b) == 0.5 and l1_change(a, a) == 0.0
