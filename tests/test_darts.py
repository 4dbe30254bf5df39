"""DARTS first and second order: hypergradients checked against exact autograd."""

from __future__ import annotations

import pytest
import torch

from methods.progress import Progress
from methods.components.losses import supernet_loss
from methods.components.hypergradients import FirstOrder
from spaces.errors import ConfigError
from spaces.nb201.encoding import OPS
from tests.method_helpers import tiny_batch, tiny_method

START = Progress(epoch=0, epochs=8)


def exact_unrolled_hypergradient(method, train_batch, val_batch):
    """d/dalpha L_val(w'(alpha), alpha), w' = w - xi (m + grad_w L_train(w, alpha) + wd w), by double backward."""
    group = method.w_optimizer.param_groups[0]
    xi, momentum, decay = group["lr"], group["momentum"], group["weight_decay"]
    names, params = zip(*method.net.named_parameters())
    weights = method.arch_weights(START)
    train_loss, _ = supernet_loss(method.net, train_batch, weights)
    grads = torch.autograd.grad(train_loss, params, create_graph=True)
    unrolled = {}
    for name, p, g in zip(names, params, grads):
        moment = method.w_optimizer.state[p]["momentum_buffer"] * momentum
        unrolled[name] = p - xi * (moment + g + decay * p)
    val_loss, _ = supernet_loss(method.net, val_batch, weights, params=unrolled)
    return torch.autograd.grad(val_loss, method.arch_parameters)


def test_second_order_matches_exact_double_backward():
    # A ReLU supernet's alpha-gradient jumps where units switch on or off, and a
    # finite difference across such a kink is off by jump / eps. On a network this
    # small, the paper's eps = 0.01 / ||v|| crosses kinks; a step of 1e-7 / ||v||
    # in float64 does not, so the check sees the formula (signs, xi, momentum,
    # weight decay, the point where the Hessian is taken) and not the kinks.
    method = tiny_method("darts-2nd", assignments=["second_order.fd_scale=1e-7"], channels=4)
    train, val = tiny_batch(1, n=16), tiny_batch(2, n=16)
    method.weight_step(tiny_batch(3, n=16), START)  # a momentum buffer, as mid-search
    ours, _ = method.hypergradient(method, train, val, START)
    exact = exact_unrolled_hypergradient(method, train, val)
    first, _ = FirstOrder(method.config)(method, train, val, START)
    for a, b, f in zip(ours, exact, first):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-8)
        # the check has teeth: the second-order term is far larger than the tolerance
        assert (b - f).abs().max() > 1e-3 * b.abs().max()


def test_first_order_is_the_plain_validation_gradient():
    method = tiny_method("darts")
    val = tiny_batch(4)
    ours, _ = method.hypergradient(method, tiny_batch(5), val, START)
    alpha = method.arch_parameters[0]
    eps = 1e-6
    numeric = torch.zeros_like(alpha)
    for idx in [(0, 0, 0), (0, 2, 3), (0, 5, 4)]:
        for sign in (1, -1):
            with torch.no_grad():
                alpha[idx] += sign * eps
            loss, _ = supernet_loss(method.net, val, method.arch_weights(START))
            numeric[idx] += sign * loss.item() / (2 * eps)
            with torch.no_grad():
                alpha[idx] -= sign * eps
        torch.testing.assert_close(ours[0][idx], numeric[idx], rtol=1e-5, atol=1e-9)


def test_search_step_moves_weights_and_architecture():
    method = tiny_method("darts")
    alpha_before = method.arch_parameters[0].detach().clone()
    w_before = [p.detach().clone() for p in method.net.parameters()]
    stats = method.step(tiny_batch(6), tiny_batch(7), progress=START)
    assert torch.isfinite(stats["train_loss"]) and torch.isfinite(stats["val_loss"])
    assert not torch.equal(alpha_before, method.arch_parameters[0])
    assert any(not torch.equal(a, b) for a, b in zip(w_before, method.net.parameters()))
    # the weight step never leaves gradients on alpha, the arch step none on w
    assert all(p.grad is None or torch.isfinite(p.grad).all() for p in method.net.parameters())


def test_softmax_can_exclude_none_as_gaea_c3s_darts_control():
    """GAEA C.3: first-order DARTS with the zero op excluded, the control of GAEA DARTS."""
    method = tiny_method("darts", assignments=['softmax.exclude_ops=["none"]'])
    none = OPS.index("none")
    with torch.no_grad():
        method.arch_parameters[0][..., none] = 10.0  # a score no update of a masked logit produces
    weights = method.parameterization.activate()[0]
    assert torch.equal(weights[:, none], torch.zeros(6, dtype=weights.dtype))
    torch.testing.assert_close(weights.sum(-1), torch.ones(6, dtype=weights.dtype), rtol=0, atol=1e-12)
    expected = torch.softmax(method.arch_parameters[0][0][:, [o for o in range(len(OPS)) if o != none]], -1)
    torch.testing.assert_close(weights[:, [o for o in range(len(OPS)) if o != none]], expected)
    assert "none" not in method.derive().op_names
    assert not method.arch_weights(START).active[..., none].any()  # never computed
    (grad,) = torch.autograd.grad(supernet_loss(method.net, tiny_batch(0), method.arch_weights(START))[0],
                                  method.arch_parameters[0])
    assert torch.equal(grad[..., none], torch.zeros(1, 6, dtype=grad.dtype))  # and never moved


def test_softmax_exclude_ops_is_checked():
    for bad, message in (('["conv"]', "unknown ops"), ('"none"', "expected a JSON list"),
                         ('["none","skip_connect","nor_conv_1x1","nor_conv_3x3","avg_pool_3x3"]', "without any op")):
        with pytest.raises(ConfigError, match=message):
            tiny_method("darts", assignments=[f"softmax.exclude_ops={bad}"])
