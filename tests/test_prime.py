"""DARTS-PRIME: FIMT / CS10 schedules, proximity and ADMM regularisers, CRB, the registered methods."""

from __future__ import annotations

import copy
import io
import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from harness.config import resolve_config
from methods.components.catalog import lookup
from methods.components.proximity import discrete_projection
from methods.components.losses import supernet_loss
from methods.progress import Progress
from spaces.errors import ConfigError
from spaces.nb201.encoding import OPS
from spaces.registry import get_space
from tests.method_helpers import tiny_batch, tiny_method

NONE, SKIP, CONV1, CONV3, POOL = range(len(OPS))
MID_SEARCH = Progress(epoch=3, epochs=10)  # c = 0.3


@pytest.fixture(autouse=True, scope="module")
def one_intra_op_thread():
    """Tiny supernets gain nothing from intra-op threads, and on a loaded 2-core machine
    OpenMP's threads oversubscribe it: a tiny step took 1.6 s with 2 threads, 35 ms with 1."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def schedule(name: str, **settings):
    config = resolve_config("prime", "nb201", "quick")
    config[lookup("schedule", name).SECTION].update(settings)
    return lookup("schedule", name)(config)


def run_stream(fimt, values) -> list[bool]:
    return [fimt.arch_step_due(torch.tensor(v, dtype=torch.float64), MID_SEARCH) for v in values]


# --- FIMT -------------------------------------------------------------------------------

def test_fimt_follows_algorithm_1_by_hand():
    # h0 = 1, h_i = 1.05, h_d = 1.05^-10 = 0.61391, lam = 0.2; F_1 = ||G_1||^2 (not lam * ||G_1||^2)
    fimt = schedule("fimt")
    h_d = 1.05 ** -10
    expected = [  # (||G||^2, F after the step, arch step?, h after the step)
        (0.5, 0.5, True, h_d),
        (2.0, 0.8, False, h_d * 1.05),
        (0.1, 0.66, False, h_d * 1.05 ** 2),
        (0.1, 0.548, True, h_d * 1.05 ** 2 * h_d),
    ]
    for g, fisher, due, threshold in expected:
        assert run_stream(fimt, [g]) == [due]
        assert fimt.fisher == pytest.approx(fisher, rel=1e-12)
        assert fimt.threshold == pytest.approx(threshold, rel=1e-12)


def fisher_streams(n: int, seed: int, h_i: float):
    rng = np.random.default_rng(seed)
    noise = np.exp(0.5 * rng.standard_normal(n))  # log-normal, spread far wider than h_i steps
    drift = 0.1 * math.log(h_i)  # ln F falls by delta = 0.1 ln h_i per step
    steps = np.arange(n)
    return {  # name -> (stream, predicted weight steps per architecture step, as a fraction of r + 1)
        "constant": (np.full(n, 3.7), 1.0),
        "noisy": (3.7 * noise, 1.0),
        "falling": (40.0 * np.exp(-drift * steps) * noise, 1 / 1.1),
        "rising": (0.5 * np.exp(drift * steps) * noise, 1 / 0.9),
    }


@pytest.mark.parametrize("r, h_i", [(10, 1.05), (4, 1.1)])
def test_fimt_ratio_is_the_equilibrium_of_the_threshold(r, h_i):
    """ln h gains ln h_i per weight-only step and loses r ln h_i per architecture step, so
    ln(h_N / h_0) = (N - (r + 1) K) ln h_i exactly; h tracks F, so for stationary F the ratio
    N / K -> r + 1 (r weight-only steps per architecture step), and when ln F drifts by -delta
    per step ln h must drift too: N / K -> (r + 1) / (1 + delta / ln h_i)."""
    n = 20000
    for name, (stream, factor) in fisher_streams(n, seed=r, h_i=h_i).items():
        fimt = schedule("fimt", r=r, h_i=h_i)
        due = run_stream(fimt, stream)
        k = sum(due)
        assert math.log(fimt.threshold) == pytest.approx((n - (r + 1) * k) * math.log(h_i), abs=1e-6), name
        assert n / k == pytest.approx((r + 1) * factor, rel=0.02), name
        assert (fimt.weight_steps, fimt.arch_steps) == (n, k)


def test_fimt_resumes_bit_identically_and_rejects_bad_settings():
    stream = 3.0 * np.exp(np.random.default_rng(1).standard_normal(400))
    straight = schedule("fimt")
    decisions = run_stream(straight, stream)
    first = schedule("fimt")
    run_stream(first, stream[:150])
    resumed = schedule("fimt")
    resumed.load_state_dict(copy.deepcopy(first.state_dict()))
    assert decisions[150:] == run_stream(resumed, stream[150:])
    assert resumed.state_dict() == straight.state_dict()
    json.dumps(resumed.diagnostics())
    for bad in ({"h_i": 1.0}, {"h0": 0}, {"r": -1}, {"lam": 0}, {"lam": 1.5}, {"r": "ten"}):
        with pytest.raises(ConfigError):
            schedule("fimt", **bad)


# --- CS10 -------------------------------------------------------------------------------

def test_every_k_is_exactly_one_per_k_weight_steps_across_epochs():
    every = schedule("every-k")
    due = []
    for epoch in range(10):  # 7 steps per epoch: the count must carry over epoch ends
        for step in range(7):
            due.append(every.arch_step_due(None, Progress(epoch, 10, step, 7)))
    assert sum(due) == 7
    assert [i + 1 for i, d in enumerate(due) if d] == list(range(10, 71, 10))
    resumed = schedule("every-k")
    resumed.load_state_dict(copy.deepcopy(schedule_after(33).state_dict()))
    assert [resumed.arch_step_due(None, MID_SEARCH) for _ in range(37)] == due[33:]
    with pytest.raises(ConfigError):
        schedule("every-k", k=0)


def schedule_after(steps: int):
    every = schedule("every-k")
    for _ in range(steps):
        every.arch_step_due(None, MID_SEARCH)
    return every


# --- proximity and ADMM on a stub method ------------------------------------------------

def stub_method(activate, allowed=None):
    """What the regularisers read of a method, for [edges, ops] tables of NB201's one cell type."""
    space = get_space("nb201")
    parameterization = SimpleNamespace(activate=lambda: activate().unsqueeze(0),
                                       allowed_ops=lambda: None if allowed is None else allowed.unsqueeze(0))
    return SimpleNamespace(space=space, decisions=space.decisions({"cells_per_stage": 1}),
                           parameterization=parameterization,
                           derive_from=lambda scores, mask: space.derive(scores, mask))


def one_hot_of_argmax(scores, allowed=None):
    """Pi_S written out independently: argmax per edge over the allowed ops other than `none`
    (DARTS-PRIME Figure 1: `none` cannot be selected at discretization), one-hot."""
    selectable = torch.ones(scores.shape, dtype=torch.bool)
    selectable[:, NONE] = False
    if allowed is not None:
        selectable &= allowed
    return F.one_hot(scores.masked_fill(~selectable, float("-inf")).argmax(-1), len(OPS)).to(scores.dtype)


def regulariser(name: str, **settings):
    config = resolve_config("prime", "nb201", "quick")
    config[lookup("outer_reg", name).SECTION].update(settings)
    return lookup("outer_reg", name)(config)


def test_proximity_matches_its_formula_and_gradient_away_from_the_kink():
    alpha = torch.randn(6, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0)).requires_grad_()
    allowed = torch.ones(6, 5, dtype=torch.bool)
    allowed[:, NONE] = False
    allowed[2, alpha[2].argmax()] = False  # the projection must respect the allowed ops
    method = stub_method(lambda: torch.softmax(alpha, -1), allowed)
    prox = regulariser("proximity")
    ours = prox.penalty(method, MID_SEARCH)
    (ours_grad,) = torch.autograd.grad(ours, alpha)
    a = torch.softmax(alpha, -1)
    expected = 0.3 * 0.1 / 2 * ((a - one_hot_of_argmax(a.detach(), allowed)) ** 2).sum().sqrt()
    (expected_grad,) = torch.autograd.grad(expected, alpha)
    torch.testing.assert_close(ours, expected, rtol=1e-12, atol=0)
    torch.testing.assert_close(ours_grad, expected_grad, rtol=1e-10, atol=1e-14)
    # c grows linearly with the search: zero at the start, rho / 2 * distance at the end
    assert float(prox.penalty(method, Progress(0, 10)).detach()) == 0.0
    end = float(prox.penalty(method, Progress(9, 10, 99, 100)).detach())
    assert end == pytest.approx(float(expected.detach()) * 0.999 / 0.3, rel=1e-12)
    assert prox.diagnostics()["proximity_distance"] == pytest.approx(float(expected.detach()) / 0.015, rel=1e-12)


def test_projection_never_picks_none_even_where_it_weighs_most():
    weights = torch.full((6, 5), 0.1, dtype=torch.float64)
    weights[:, NONE] = 0.5
    weights[:, POOL] = 0.2
    projection = discrete_projection(stub_method(lambda: weights), weights.unsqueeze(0))
    assert torch.equal(projection[0], F.one_hot(torch.full((6,), POOL), len(OPS)).double())
    gap = regulariser("proximity").penalty(stub_method(lambda: weights), MID_SEARCH)
    assert float(gap) > 0  # the weight on none is pulled away, not kept


def test_squared_norm_is_eq_s1_and_the_unsquared_one_the_default():
    weights = torch.softmax(torch.randn(6, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(2)), -1)
    method = stub_method(lambda: weights)
    assert resolve_config("prime", "nb201")["admm"]["norm"] == "l2"
    gap = float((weights - one_hot_of_argmax(weights)).norm())
    assert float(regulariser("admm").penalty(method, MID_SEARCH)) == pytest.approx(0.05 * gap, rel=1e-12)
    squared = regulariser("admm", norm="squared-l2").penalty(method, MID_SEARCH)
    assert float(squared) == pytest.approx(0.05 * gap ** 2, rel=1e-12)
    prox = regulariser("proximity", norm="squared-l2").penalty(method, MID_SEARCH)
    assert float(prox) == pytest.approx(0.3 * 0.05 * gap ** 2, rel=1e-12)
    with pytest.raises(ConfigError, match="norm"):
        regulariser("proximity", norm="l1")


def test_proximity_is_zero_with_a_zero_gradient_at_a_one_hot_architecture():
    chosen = torch.tensor([CONV3, SKIP, CONV1, POOL, SKIP, CONV3])
    weights = F.one_hot(chosen, len(OPS)).double().requires_grad_()
    penalty = regulariser("proximity").penalty(stub_method(lambda: weights), MID_SEARCH)
    (grad,) = torch.autograd.grad(penalty, weights)
    assert float(penalty.detach()) == 0.0
    assert torch.equal(grad, torch.zeros_like(grad))  # the norm's kink: 0, not NaN


def test_admm_updates_z_and_u_every_10_architecture_steps():
    row_start = torch.tensor([0.1, 0.6, 0.1, 0.1, 0.1], dtype=torch.float64)
    row_later = torch.tensor([0.1, 0.35, 0.3, 0.15, 0.1], dtype=torch.float64)
    current = {"A": row_start.repeat(6, 1)}
    method = stub_method(lambda: current["A"])
    admm = regulariser("admm")
    z0 = one_hot_of_argmax(current["A"])
    assert float(admm.penalty(method, MID_SEARCH)) == pytest.approx(0.05 * float((current["A"] - z0).norm()))
    for _ in range(10):
        admm.after_arch_step(method, MID_SEARCH)
    u1 = current["A"] - z0  # z1 = Pi(A + 0) = z0
    torch.testing.assert_close(admm.u[0], u1)
    current["A"] = row_later.repeat(6, 1)
    for _ in range(9):
        admm.after_arch_step(method, MID_SEARCH)
        torch.testing.assert_close(admm.u[0], u1)  # nothing moves between updates
    saved = copy.deepcopy(admm.state_dict())
    admm.after_arch_step(method, MID_SEARCH)
    z2 = one_hot_of_argmax(current["A"] + u1)
    assert not torch.equal(z2, one_hot_of_argmax(current["A"]))  # the dual changed the projection
    u2 = 0.8 * u1 + current["A"] - z2
    torch.testing.assert_close(admm.z[0], z2)
    torch.testing.assert_close(admm.u[0], u2)
    assert float(admm.penalty(method, MID_SEARCH)) == pytest.approx(0.05 * float((current["A"] - z2 + u2).norm()))
    resumed = regulariser("admm")
    resumed.load_state_dict(saved)
    resumed.after_arch_step(method, MID_SEARCH)
    assert torch.equal(resumed.u, admm.u) and resumed.arch_steps == admm.arch_steps == 20


def test_admm_kink_gives_a_zero_gradient():
    weights = F.one_hot(torch.tensor([CONV3] * 6), len(OPS)).double().requires_grad_()
    penalty = regulariser("admm").penalty(stub_method(lambda: weights), MID_SEARCH)
    (grad,) = torch.autograd.grad(penalty, weights)
    assert float(penalty.detach()) == 0.0 and torch.equal(grad, torch.zeros_like(grad))
    for bad in ({"every": 0}, {"rho": -1}, {"lam_u": "x"}):
        with pytest.raises(ConfigError):
            regulariser("admm", **bad)


def test_pr_hypergradient_is_validation_gradient_plus_proximity():
    method = tiny_method("pr")
    train, val = tiny_batch(1), tiny_batch(2)
    progress = Progress(epoch=5, epochs=8)
    ours, _ = method.hypergradient(method, train, val, progress)
    alpha = method.arch_parameters[0]
    loss, _ = supernet_loss(method.net, val, method.arch_weights(progress))
    a = torch.softmax(alpha[0], -1)
    prox = 5 / 8 * 0.1 / 2 * ((a - one_hot_of_argmax(a.detach())) ** 2).sum().sqrt()
    (expected,) = torch.autograd.grad(loss + prox, alpha)
    (plain,) = torch.autograd.grad(supernet_loss(method.net, val, method.arch_weights(progress))[0], alpha)
    torch.testing.assert_close(ours[0], expected, rtol=1e-9, atol=1e-12)
    assert (expected - plain).abs().max() > 1e-3 * expected.abs().max()  # the penalty is visible


# --- CRB ---------------------------------------------------------------------------------

def set_theta(method, values):
    with torch.no_grad():
        method.parameterization.theta.copy_(values)  # [edges, ops] into NB201's one cell type


def crb_weights(crb):
    """The CRB activation of NB201's one cell type, [edges, ops]."""
    return crb.activate()[0]


def test_crb_clips_to_the_unit_interval_and_gives_none_no_parameter():
    method = tiny_method("prime-crb")
    crb = method.parameterization
    initial = crb_weights(crb).detach()
    assert torch.all(initial[:, NONE] == 0)
    assert torch.allclose(initial[:, 1:], torch.full((6, 4), 0.25, dtype=initial.dtype), atol=1e-3)
    theta = torch.tensor([[0.0, -0.5, 0.3, 1.7, 0.9]] * 6, dtype=torch.float64)
    set_theta(method, theta)
    weights = crb_weights(crb)
    torch.testing.assert_close(weights[0], torch.tensor([0.0, 0.0, 0.3, 1.0, 0.9], dtype=torch.float64))
    upstream = torch.randn(6, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    (grad,) = torch.autograd.grad((weights * upstream).sum(), crb.theta)
    inside = torch.tensor([False, False, True, False, True])
    torch.testing.assert_close(grad[0], upstream * inside)  # ReLU and the clip at 1 stop the gradient


def test_crb_prunes_for_good_and_a_fully_pruned_edge_is_none():
    method = tiny_method("prime-crb")
    crb = method.parameterization
    theta = torch.full((6, 5), 0.5, dtype=torch.float64)
    theta[0, CONV3] = -0.2  # as if the last arch step pushed it below 0
    theta[1, SKIP:] = torch.tensor([-0.1, 0.0, -0.3, -0.01])  # every op of edge 1
    theta[2, POOL] = 0.8
    set_theta(method, theta)
    method.arch_step(tiny_batch(1), tiny_batch(2), MID_SEARCH)  # the hook prunes after the optimizer step
    alive = crb.alive[0]
    assert not alive[0, CONV3] and not alive[1].any() and alive[2, POOL]
    set_theta(method, torch.full((6, 5), 0.5, dtype=torch.float64))  # momentum lifting theta again
    weights = crb_weights(crb).detach()
    assert weights[0, CONV3] == 0 and torch.equal(weights[1], F.one_hot(torch.tensor(NONE), 5).double())
    assert method.derive().op_names[1] == "none"
    assert crb.diagnostics()["crb_pruned_ops"] == 5
    # the host-side mask is exactly the computed ops: pruned ops (and none) off, the rest on
    active = crb.supernet_weights(MID_SEARCH, differentiable=False).active
    assert torch.equal(active[0], (weights != 0) & ~F.one_hot(torch.tensor(NONE), 5).bool())
    restored = tiny_method("prime-crb")
    restored.parameterization.load_state_dict(copy.deepcopy(crb.state_dict()))
    assert torch.equal(restored.parameterization.alive, crb.alive)
    assert torch.equal(restored.parameterization.activate(), crb.activate())


def test_crb_pruned_ops_are_not_computed():
    method = tiny_method("prime-crb")
    theta = torch.full((6, 5), 0.5, dtype=torch.float64)
    theta[:, CONV3] = -1.0
    set_theta(method, theta)
    method.parameterization.after_arch_step()
    method.weight_step(tiny_batch(4), MID_SEARCH)
    cells = [m for m in method.net.modules() if hasattr(m, "conv3x3")]
    assert all(p.grad is None for cell in cells for p in cell.conv3x3)
    assert all(p.grad is not None for cell in cells for p in cell.conv1x1)


def test_proximity_is_exactly_zero_at_a_discrete_crb_architecture():
    method = tiny_method("prime-crb")
    set_theta(method, F.one_hot(torch.tensor([CONV3, SKIP, CONV1, POOL, CONV3, SKIP]), 5).double() * 1.5
              - 0.5 * (1 - F.one_hot(torch.tensor([CONV3, SKIP, CONV1, POOL, CONV3, SKIP]), 5).double()))
    method.parameterization.after_arch_step()  # everything but the chosen ops pruned; chosen clipped at 1
    penalty = method.outer_penalty(MID_SEARCH)
    assert float(penalty.detach()) == 0.0
    grads, _ = method.hypergradient(method, tiny_batch(1), tiny_batch(2), MID_SEARCH)
    assert torch.isfinite(grads[0]).all()


# --- the registered methods ---------------------------------------------------------------

METHODS = ["prime", "fimt", "cs10", "pr", "prime-crb"]
# an h0 far above any tiny-net Fisher trace, so FIMT's first steps take architecture steps
SMOKE_SETTINGS = ["fimt.h0=1e9", "every_k.k=2"]


def run_steps(method, first: int, count: int, steps_per_epoch: int = 3, epochs: int = 2):
    for n in range(first, first + count):
        progress = Progress(n // steps_per_epoch, epochs, n % steps_per_epoch, steps_per_epoch)
        stats = method.step(tiny_batch(10 + n), tiny_batch(100 + n), progress)
        assert torch.isfinite(stats["train_loss"])
        if n % steps_per_epoch == steps_per_epoch - 1:
            method.end_epoch()


def snapshot(method):
    buffer = io.BytesIO()
    torch.save({"method": method.state_dict(), "net": method.net.state_dict()}, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=False)


@pytest.mark.parametrize("name", METHODS)
def test_each_method_searches_and_resumes_bit_identically(name):
    straight = tiny_method(name, assignments=SMOKE_SETTINGS)
    before = straight.arch_parameters[0].detach().clone()
    run_steps(straight, 0, 2)
    saved = snapshot(straight)
    run_steps(straight, 2, 3)  # across the epoch boundary
    assert not torch.equal(before, straight.arch_parameters[0])
    json.dumps(straight.diagnostics())
    resumed = tiny_method(name, assignments=SMOKE_SETTINGS)
    resumed.net.load_state_dict(saved["net"])
    resumed.load_state_dict(saved["method"])
    run_steps(resumed, 2, 3)
    assert torch.equal(resumed.arch_parameters[0], straight.arch_parameters[0])
    assert all(torch.equal(a, b) for a, b in zip(resumed.net.parameters(), straight.net.parameters()))
    assert resumed.schedule.state_dict() == straight.schedule.state_dict()


def test_registered_defaults():
    for name, schedule_name, outer, portion in [("prime", "fimt", "proximity", 10 / 11), ("fimt", "fimt", "none", 10 / 11),
                                                ("cs10", "every-k", "none", 10 / 11), ("pr", "alternate", "proximity", 0.5)]:
        config = resolve_config(name, "nb201")
        assert (config["schedule"], config["outer_reg"], config["data"]["train_portion"]) == (schedule_name, outer, portion)
        assert config["arch"]["hypergradient"] == "first-order" and config["arch"]["parameterization"] == "softmax"
    crb = resolve_config("prime-crb", "nb201")
    assert crb["arch"]["parameterization"] == "crb" and crb["arch"]["weight_decay"] == 0.0
    assert crb["supernet"]["node_bn"] is True
