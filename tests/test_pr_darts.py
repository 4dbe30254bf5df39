"""PR-DARTS: hard-concrete gates checked against their closed forms and Monte Carlo, the
sparsity / path regulariser against a direct numpy computation, the reparameterised
gradient against finite differences at fixed noise, and resume determinism."""

from __future__ import annotations

import copy
import io
import json
import math

import numpy as np
import pytest
import torch

from harness.config import resolve_config
from methods.components.hard_concrete import gate_nonzero_probability, hard_concrete_gates, logistic_noise
from methods.components.losses import supernet_loss
from methods.progress import Progress
from spaces.errors import ConfigError
from tests.method_helpers import tiny_batch, tiny_method

A, B = -0.1, 1.1
NB201_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")


def binomial_tolerance(p: np.ndarray, n: int, sigmas: float = 5.0) -> np.ndarray:
    return sigmas * np.sqrt(p * (1 - p) / n) + 1.0 / n


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def set_beta(method, values) -> None:
    with torch.no_grad():
        method.parameterization.beta.copy_(torch.as_tensor(values, dtype=torch.float64))


def test_closed_form_nonzero_probability_matches_independent_monte_carlo():
    # numpy's logistic sampler and a numpy transcription of the gate, nothing from the library but the closed form
    rng = np.random.default_rng(0)
    n = 200_000
    beta = np.array([-3.0, -1.0, 0.0, 0.5, 2.0])
    for tau in (0.1, 2.0 / 3.0, 2.0):
        gbar = sigmoid((rng.logistic(size=(n, beta.size)) + beta) / tau)
        g = np.clip(A + (B - A) * gbar, 0.0, 1.0)
        closed = gate_nonzero_probability(torch.tensor(beta), tau, A, B).numpy()
        observed = (g != 0).mean(axis=0)
        assert np.all(np.abs(observed - closed) <= binomial_tolerance(closed, n)), (tau, observed, closed)
        # the check has teeth: the probabilities differ across beta by far more than the tolerance
        assert np.ptp(closed) > 20 * binomial_tolerance(0.25, n)


def test_sampler_exact_zero_and_one_frequencies_match_closed_forms():
    # g = 1 iff gbar >= (1 - a) / (b - a), i.e. P(g = 1) = sigmoid(beta - tau ln((1 - a) / (b - 1)))
    n, tau = 100_000, 0.5
    beta = torch.linspace(-2.0, 2.0, 7, dtype=torch.float64)
    uniform = torch.rand(n, beta.numel(), generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    g = hard_concrete_gates(beta, logistic_noise(uniform), tau, A, B)
    p_zero = 1 - gate_nonzero_probability(beta, tau, A, B).numpy()
    p_one = sigmoid(beta.numpy() - tau * math.log((1 - A) / (B - 1)))
    assert np.all(np.abs((g == 0).double().mean(0).numpy() - p_zero) <= binomial_tolerance(p_zero, n))
    assert np.all(np.abs((g == 1).double().mean(0).numpy() - p_one) <= binomial_tolerance(p_one, n))
    # exactly 0 and exactly 1 both carry positive probability, and the rest lies strictly inside
    assert (g == 0).any() and (g == 1).any() and ((g > 0) & (g < 1)).any()
    assert p_zero.min() > 0.01 and p_one.min() > 0.01


def test_parameterization_samples_match_closed_form_and_mask_the_zero_gates():
    method = tiny_method("pr-darts", assignments=["hard_concrete.sampled_ops_per_edge=5"])
    gates = method.parameterization
    beta = np.linspace(-3.0, 3.0, 30).reshape(6, 5)
    set_beta(method, beta)
    progress = Progress(epoch=6, epochs=8)
    n = 2000
    samples = []
    for _ in range(n):
        sample = gates.supernet_weights(progress, differentiable=False)
        weights, active = sample.ops, sample.active
        assert torch.equal(active, weights != 0)  # the host mask is exactly the non-zero weights
        samples.append(weights[0])
    samples = torch.stack(samples).numpy()
    tau = 10.0 + (0.1 - 10.0) * 6 / 7
    closed = sigmoid(beta - tau * math.log(-A / B))
    assert np.all(np.abs((samples != 0).mean(0) - closed) <= binomial_tolerance(closed, n))
    torch.testing.assert_close(gates.activate().detach()[0], torch.tensor(closed))
    # the evaluation gate is a median of these samples: at least half lie on either side of it
    median = method.eval_weights().ops[0].numpy()
    assert np.all((samples <= median).mean(0) >= 0.5 - binomial_tolerance(0.5, n))
    assert np.all((samples >= median).mean(0) >= 0.5 - binomial_tolerance(0.5, n))


def test_two_ops_per_edge_are_drawn_uniformly_and_only_they_get_weight():
    method = tiny_method("pr-darts")
    gates = method.parameterization
    n = 2000
    drawn = np.zeros((6, 5))
    for _ in range(n):
        sample = gates.supernet_weights(Progress(0, 8), differentiable=False)
        weights, active, sampled = sample.ops, sample.active, gates.last_sampled[0]
        assert torch.equal(sampled.sum(-1), torch.full((6,), 2))
        assert not weights[:, ~sampled].any() and not active[:, ~sampled].any()
        drawn += sampled.numpy()
    assert np.all(np.abs(drawn / n - 0.4) <= binomial_tolerance(0.4, n))


def hand_built_terms(p: np.ndarray, lam1: float, lam2: float, lam3: float):
    """The regulariser written out edge by edge for NB201 (h = 4 nodes, r = 5 ops)."""
    zeta = 2.0 / (4 * 3)
    edges = {"0->1": 0, "0->2": 1, "1->2": 2, "0->3": 3, "1->3": 4, "2->3": 5}
    none, skip, conv1, conv3, pool = range(5)
    l_skip = zeta * sum(p[e, skip] for e in edges.values())
    l_nonskip = zeta / 4 * sum(p[e, none] + p[e, conv1] + p[e, conv3] + p[e, pool] for e in edges.values())
    chain = [edges["0->1"], edges["1->2"], edges["2->3"]]
    convs = [p[e, conv1] + p[e, conv3] for e in chain]
    l_path = convs[0] * convs[1] * convs[2]
    gradient = np.zeros_like(p)
    gradient[:, skip] += lam1 * zeta
    gradient[:, [none, conv1, conv3, pool]] += lam2 * zeta / 4
    for k, e in enumerate(chain):
        others = np.prod([convs[j] for j in range(3) if j != k])
        gradient[e, [conv1, conv3]] -= lam3 * others
    return l_skip, l_nonskip, l_path, lam1 * l_skip + lam2 * l_nonskip - lam3 * l_path, gradient


def test_regulariser_matches_a_hand_built_computation():
    lams = (0.3, 0.2, 0.7)
    method = tiny_method("pr-darts", assignments=[f"pr_sparsity.lam{k + 1}={v}" for k, v in enumerate(lams)])
    table = np.random.default_rng(2).uniform(0.05, 0.95, size=(6, 5))
    probability = torch.tensor(table[None], requires_grad=True)  # [types=1, edges, ops]
    method.parameterization.nonzero_probability = lambda progress: probability
    penalty = method.outer_penalty(Progress(3, 8))
    l_skip, l_nonskip, l_path, expected, gradient = hand_built_terms(table, *lams)
    assert float(penalty.detach()) == pytest.approx(expected, rel=1e-12)
    diagnostics = method.outer_reg.diagnostics()
    assert diagnostics["pr_skip"] == pytest.approx(l_skip, rel=1e-12)
    assert diagnostics["pr_nonskip"] == pytest.approx(l_nonskip, rel=1e-12)
    assert diagnostics["pr_path"] == pytest.approx(l_path, rel=1e-12)
    penalty.backward()
    np.testing.assert_allclose(probability.grad[0].numpy(), gradient, rtol=1e-12, atol=1e-15)


def test_regulariser_needs_gates():
    with pytest.raises(ConfigError, match="hard-concrete"):
        tiny_method("darts", assignments=["outer_reg=pr-sparsity"])


@pytest.mark.parametrize("setting", ["hard_concrete.a=0.1", "hard_concrete.b=1.0", "hard_concrete.tau_end=0",
                                     "hard_concrete.sampled_ops_per_edge=0", "hard_concrete.init_drop_rate=1"])
def test_impossible_gate_settings_are_config_errors(setting):
    with pytest.raises(ConfigError, match=setting.split("=")[0]):
        tiny_method("pr-darts", assignments=[setting])


def test_derive_ranks_by_nonzero_probability_even_where_float_sigmoid_saturates():
    # at tau = 10, P(g != 0) = sigmoid(beta + 24) is exactly 1.0 in float32 for every op
    method = tiny_method("pr-darts", dtype=torch.float32)
    beta = np.random.default_rng(6).normal(0.0, 0.01, size=(6, 5))
    set_beta(method, beta)
    method.parameterization.supernet_weights(Progress(0, 8), differentiable=False)
    assert torch.all(method.parameterization.activate() == 1.0)
    assert method.derive().ops == tuple(int(i) for i in beta.argmax(axis=1))


def test_derive_picks_the_op_most_likely_non_zero_and_diagnostics_report_it():
    method = tiny_method("pr-darts")
    beta = np.random.default_rng(3).normal(0.0, 2.0, size=(6, 5))
    set_beta(method, beta)
    progress = Progress(epoch=4, epochs=8)
    method.parameterization.supernet_weights(progress, differentiable=False)
    tau = 10.0 + (0.1 - 10.0) * 4 / 7
    p = sigmoid(beta - tau * math.log(-A / B))
    assert method.derive().ops == tuple(int(i) for i in p.argmax(axis=1))
    diagnostics = method.diagnostics()
    assert diagnostics["tau"] == pytest.approx(tau)
    for op, name in enumerate(NB201_OPS):
        assert diagnostics[f"p_nonzero_{name}"] == pytest.approx(p[:, op].mean(), rel=1e-12)
    gates = method.parameterization
    drawn = gates.last_gates[gates.last_sampled].numpy()
    assert diagnostics["gate_zero_fraction"] == pytest.approx((drawn == 0).mean())
    json.dumps(diagnostics)


def test_eval_weights_are_the_deterministic_median_gate():
    method = tiny_method("pr-darts")
    beta = np.random.default_rng(4).normal(0.0, 3.0, size=(6, 5))
    set_beta(method, beta)
    method.parameterization.supernet_weights(Progress(2, 8), differentiable=False)
    tau = 10.0 + (0.1 - 10.0) * 2 / 7
    state = method.parameterization.generator.get_state()
    weights = method.eval_weights().ops
    expected = np.clip(A + (B - A) * sigmoid(beta / tau), 0.0, 1.0)
    for cell in range(method.decisions.num_cells):
        np.testing.assert_allclose(weights[cell].numpy(), expected, rtol=1e-12)
    assert torch.equal(weights, method.eval_weights().ops)
    assert torch.equal(state, method.parameterization.generator.get_state())  # no randomness consumed


def test_tau_falls_linearly_per_epoch():
    method = tiny_method("pr-darts", assignments=["epochs=5"])
    taus = []
    for epoch in range(5):
        method.parameterization.supernet_weights(Progress(epoch, 5, 3, 4), differentiable=False)
        taus.append(method.diagnostics()["tau"])
    np.testing.assert_allclose(taus, np.linspace(10.0, 0.1, 5), rtol=1e-12)


def test_hypergradient_is_the_reparameterised_gradient_at_fixed_noise():
    # tau = 1 so that some gates are clamped and the regulariser's gradient is not negligible
    method = tiny_method("pr-darts", assignments=["hard_concrete.tau_start=1.0", "hard_concrete.tau_end=1.0",
                                                  "pr_sparsity.lam1=0.3", "pr_sparsity.lam3=0.5"], channels=4)
    set_beta(method, np.random.default_rng(5).normal(0.0, 1.0, size=(6, 5)))
    train, val, progress = tiny_batch(1, n=16), tiny_batch(2, n=16), Progress(2, 8)
    gates = method.parameterization
    noise_state = gates.generator.get_state()
    grads, _ = method.hypergradient(method, train, val, progress)
    sampled, drawn = gates.last_sampled.clone(), gates.last_gates.clone()

    @torch.no_grad()
    def objective_at_same_noise() -> float:
        gates.generator.set_state(noise_state)
        loss, _ = supernet_loss(method.net, val, method.arch_weights(progress))
        return float(loss + method.outer_penalty(progress))

    beta, eps = gates.beta, 1e-6
    numeric = torch.zeros_like(beta)
    for index in np.ndindex(*beta.shape):
        for sign in (1.0, -1.0):
            with torch.no_grad():
                beta[index] += sign * eps
            numeric[index] += sign * objective_at_same_noise() / (2 * eps)
            with torch.no_grad():
                beta[index] -= sign * eps
    torch.testing.assert_close(grads[0], numeric, rtol=1e-5, atol=1e-9)

    # the validation loss reaches exactly the drawn gates strictly inside (0, 1) (`none` outputs 0 whatever its gate)
    penalty_grad, = torch.autograd.grad(method.outer_penalty(progress), [beta])
    from_val_loss = grads[0] - penalty_grad
    reachable = sampled & (drawn > 0) & (drawn < 1)
    reachable[..., NB201_OPS.index("none")] = False
    assert reachable.any() and (~sampled).any() and ((drawn == 0) | (drawn == 1))[sampled].any()
    assert torch.all(from_val_loss[~reachable].abs() < 1e-15)
    assert torch.all(from_val_loss[reachable] != 0)


def round_trip(state):
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=False)


def test_resumed_method_continues_bit_identically():
    original = tiny_method("pr-darts", seed=0)
    for step in range(3):
        original.step(tiny_batch(10 + step), tiny_batch(20 + step), Progress(step, 8))
    resumed = tiny_method("pr-darts", seed=7)
    resumed.net.load_state_dict(round_trip(original.net.state_dict()))
    resumed.load_state_dict(round_trip(original.state_dict()))
    assert resumed.diagnostics() == original.diagnostics()

    progress = Progress(3, 8)
    for method in (original, resumed):
        method.step(tiny_batch(30), tiny_batch(31), progress)
    assert torch.equal(original.parameterization.beta, resumed.parameterization.beta)
    assert all(torch.equal(a, b) for a, b in zip(original.net.parameters(), resumed.net.parameters()))
    first, second = (m.parameterization.supernet_weights(progress, True) for m in (original, resumed))
    assert torch.equal(first.ops, second.ops) and torch.equal(first.active, second.active)
    assert resumed.diagnostics() == original.diagnostics()


def test_smoke_search_loop():
    method = tiny_method("pr-darts", assignments=["epochs=3"])
    beta_before = method.parameterization.beta.detach().clone()
    for epoch in range(3):
        for step in range(2):
            stats = method.step(tiny_batch(step), tiny_batch(5 + step), Progress(epoch, 3, step, 2))
            assert torch.isfinite(stats["train_loss"]) and torch.isfinite(stats["val_loss"])
        method.end_epoch()
    assert not torch.equal(beta_before, method.parameterization.beta)
    diagnostics = method.diagnostics()
    json.dumps(diagnostics)
    assert {"tau", "gate_zero_fraction", "gate_one_fraction", "pr_skip", "pr_nonskip", "pr_path"} <= set(diagnostics)
    assert diagnostics["tau"] == pytest.approx(0.1)
    assert 0 <= diagnostics["gate_zero_fraction"] <= 1
    assert len(method.derive().ops) == 6


def test_registered_defaults():
    config = resolve_config("pr-darts", "nb201")
    assert config["arch"]["parameterization"] == "hard-concrete" and config["outer_reg"] == "pr-sparsity"
    assert config["hard_concrete"]["tau_start"] == 10.0 and config["hard_concrete"]["tau_end"] == 0.1
    assert (config["pr_sparsity"]["lam1"], config["pr_sparsity"]["lam2"], config["pr_sparsity"]["lam3"]) == \
        (0.01, 0.005, 0.005)
    method = tiny_method("pr-darts")
    beta = method.parameterization.beta
    assert beta.device.type == "cpu" and beta.abs().max() < 0.1  # L0-code init: N(0, 0.01^2)
    assert copy.deepcopy(method.state_dict())["parameterization"]["tau"] == 10.0
