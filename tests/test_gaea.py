"""GAEA: exponentiated gradient on simplices, excluded ops, the single-level gradient, entropy vs DARTS."""

from __future__ import annotations

import copy
import math

import pytest
import torch

from harness.config import resolve_config
from methods.components.exponentiated_gradient import (
    ExponentiatedGradient,
    exponentiated_step,
)
from methods.components.losses import supernet_loss
from methods.progress import Progress
from spaces.errors import ConfigError
from spaces.nb201.encoding import OPS
from tests.method_helpers import (
    assert_search_resumes_bit_identically,
    tiny_batch,
    tiny_method,
)

START = Progress(epoch=0, epochs=4)
NONE, CONV3 = OPS.index("none"), OPS.index("nor_conv_3x3")
GAEA_METHODS = ("gaea", "gaea-bilevel", "gaea-gdas", "gaea-pcdarts")


def random_simplex_rows(seed: int, rows: int = 6, cols: int = 5, zero_col: int | None = 0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    theta = torch.rand(rows, cols, generator=g, dtype=dtype) + 0.05
    if zero_col is not None:
        theta[:, zero_col] = 0.0
    return theta / theta.sum(-1, keepdim=True)


def eg_step(theta: torch.Tensor, grad: torch.Tensor, lr: float) -> torch.Tensor:
    """One step of the torch optimizer on a copy of theta."""
    param = theta.clone().requires_grad_()
    param.grad = grad.clone()
    ExponentiatedGradient([param], lr=lr).step()
    return param.detach()


# --- the exponentiated-gradient step ------------------------------------------------------------

def test_eg_step_equals_the_closed_form_and_satisfies_mirror_descent_optimality():
    theta = random_simplex_rows(1)
    grad = 3 * torch.randn(theta.shape, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    eta = 0.1
    stepped = eg_step(theta, grad, eta)
    closed_form = theta * torch.exp(-eta * grad)
    torch.testing.assert_close(stepped, closed_form / closed_form.sum(-1, keepdim=True), rtol=1e-13, atol=0)
    # Independent characterisation: x = argmin_{x in simplex} eta <g, x> + KL(x || theta) has
    # eta g_i + log(x_i / theta_i) equal across the support (the KKT condition of the entropic prox).
    support = theta[:, 1:] > 0
    assert support.all()
    stationarity = eta * grad[:, 1:] + torch.log(stepped[:, 1:] / theta[:, 1:])
    torch.testing.assert_close(stationarity, stationarity[:, :1].expand_as(stationarity), rtol=0, atol=1e-12)
    assert torch.equal(stepped[:, 0], torch.zeros(6, dtype=torch.float64))  # off the support: stays 0


def test_eg_step_does_not_overflow_on_huge_gradients():
    theta = random_simplex_rows(3)
    grad = 1e4 * torch.randn(theta.shape, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    naive = theta * torch.exp(-0.1 * grad)
    assert not torch.isfinite(naive / naive.sum(-1, keepdim=True)).all()  # the check has teeth
    stepped = exponentiated_step(theta, grad, 0.1)
    # whatever an excluded op's gradient says (even NaN), its weight stays exactly 0
    assert torch.equal(exponentiated_step(theta, grad.index_fill(1, torch.tensor([0]), float("nan")), 0.1), stepped)
    # the same update written as a softmax of log theta - eta g over the support
    logits = torch.where(theta > 0, theta.log() - 0.1 * grad, torch.tensor(float("-inf"), dtype=torch.float64))
    torch.testing.assert_close(stepped, torch.softmax(logits, dim=-1), rtol=1e-12, atol=1e-300)


def test_many_eg_steps_stay_on_the_simplex_in_float32():
    theta = random_simplex_rows(5, dtype=torch.float32).requires_grad_()
    optimizer = ExponentiatedGradient([theta], lr=0.1)
    g = torch.Generator().manual_seed(6)
    for _ in range(2000):
        theta.grad = torch.randn(theta.shape, generator=g)
        optimizer.step()
    assert (theta >= 0).all()
    assert (theta.detach().sum(-1) - 1).abs().max() <= 1e-6
    assert torch.equal(theta.detach()[:, 0], torch.zeros(6))


def test_eg_optimizer_state_dict_round_trips():
    theta = random_simplex_rows(7).requires_grad_()
    optimizer = ExponentiatedGradient([theta], lr=0.1)
    other = ExponentiatedGradient([random_simplex_rows(8).requires_grad_()], lr=0.5)
    other.load_state_dict(copy.deepcopy(optimizer.state_dict()))
    assert other.param_groups[0]["lr"] == 0.1


@pytest.mark.parametrize("name, assignments, message", [
    ("gaea", ["arch.weight_decay=0.001"], "weight decay"),
    ("darts", ["arch.optimizer=eg", "arch.weight_decay=0"], "simplex"),
    ("gaea", ["arch.optimizer=adam"], "arch.optimizer=eg"),
    ("gaea", ['simplex.exclude_ops=["max_pool_3x3"]'], "unknown ops"),
    ("gaea", ['simplex.exclude_ops=["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]'],
     "without any op"),
    ("gaea", ["arch.lr=0"], "arch.lr must be a number > 0"),
])
def test_bad_gaea_configs_are_config_errors(name, assignments, message):
    with pytest.raises(ConfigError, match=message):
        tiny_method(name, assignments=assignments)


# --- the simplex parameterization in a search ---------------------------------------------------

def test_excluded_ops_stay_exactly_zero_and_are_never_computed():
    method = tiny_method("gaea", assignments=['simplex.exclude_ops=["none", "nor_conv_3x3"]'])
    conv3_before = [p.detach().clone() for name, p in method.net.named_parameters() if "conv3x3" in name]
    for step in range(4):
        method.step(tiny_batch(step), tiny_batch(10 + step), START)
        theta = method.arch_parameters[0].detach()[0]
        assert torch.equal(theta[:, [NONE, CONV3]], torch.zeros(6, 2, dtype=theta.dtype))
        assert (theta.sum(-1) - 1).abs().max() < 1e-12
    named = dict(method.net.named_parameters())
    conv3 = [p for name, p in named.items() if "conv3x3" in name]
    conv1 = [p for name, p in named.items() if "conv1x1" in name]
    assert conv3 and all(p.grad is None for p in conv3)  # never in the graph
    assert all(p.grad is not None for p in conv1)  # while allowed convolutions train
    assert all(torch.equal(a, b) for a, b in zip(conv3_before, conv3))
    assert not method.arch_weights(START).active[..., [NONE, CONV3]].any()
    # derivation may not pick an excluded op even where it scores highest (a score no update produces)
    with torch.no_grad():
        method.arch_parameters[0][0, 2] = torch.tensor([0.0, 0.1, 0.2, 5.0, 0.7])
    assert OPS[method.derive().ops[2]] == "avg_pool_3x3"


def test_single_level_gradient_is_the_training_loss_gradient_on_the_search_batch():
    method = tiny_method("gaea")
    train, search = tiny_batch(1, n=8), tiny_batch(2, n=8)
    method.weight_step(tiny_batch(3), START)  # mid-search weights
    ours, loss = method.hypergradient(method, train, search, START)
    theta = method.arch_parameters[0]
    weights = method.parameterization.expand(theta)
    exact = torch.autograd.grad(supernet_loss(method.net, search, weights)[0], theta)[0]
    on_train = torch.autograd.grad(supernet_loss(method.net, train, weights)[0], theta)[0]
    torch.testing.assert_close(ours[0], exact, rtol=1e-10, atol=1e-12)
    assert (on_train - exact).abs().max() > 1e-3 * exact.abs().max()  # the batch matters


def test_single_level_steps_the_architecture_before_the_weights_as_the_gaea_code():
    """GAEA code, cnn/train_search.py train(): architect.step on the search batch, then the weight step."""
    method = tiny_method("gaea")
    train, search = tiny_batch(1, n=8), tiny_batch(2, n=8)
    theta = method.arch_parameters[0]
    weights = method.parameterization.expand(theta)
    at_start = torch.autograd.grad(supernet_loss(method.net, search, weights)[0], theta)[0]
    expected = exponentiated_step(theta.detach(), at_start, method.config["arch"]["lr"],
                                  method.config["eg"]["floor"])
    conv_before = [p.detach().clone() for p in method.net.parameters()]
    stats = method.step(train, search, START)
    assert stats["arch_step"] is not None
    torch.testing.assert_close(theta.detach(), expected, rtol=1e-12, atol=1e-15)
    assert any(not torch.equal(a, b) for a, b in zip(conv_before, method.net.parameters()))  # w stepped too
    # and the weight step saw the new theta: redoing it from the old w under the new theta gives the same w
    bilevel = tiny_method("gaea-bilevel")  # weight step first: the arch step sees the stepped w
    bilevel_theta = bilevel.arch_parameters[0]
    bilevel.step(train, search, START)
    assert not torch.allclose(bilevel_theta.detach(), expected, rtol=0, atol=1e-12)


def test_single_level_refuses_a_schedule_that_needs_the_weight_gradient():
    with pytest.raises(ConfigError, match="before the weight step"):
        tiny_method("gaea", assignments=["schedule=fimt"])


def test_gaea_entropy_falls_faster_than_darts_softmax():
    """GAEA Figure 1: on the same run (same supernet init, same batches, same weight optimizer),
    EG at the paper's eta = 0.1 sparsifies theta far faster than Adam at DARTS's 3e-4 on logits."""
    same_weight_steps = ["weights_optimizer.weight_decay=0.0003", "weights_optimizer.nesterov=false"]
    batches = [(tiny_batch(10 + i, n=8), tiny_batch(50 + i, n=8)) for i in range(4)]

    def entropy_drop(name, *assignments):
        method = tiny_method(name, assignments=[*same_weight_steps, *assignments])
        start = method.diagnostics()["entropy"]
        for step in range(20):
            method.step(*batches[step % 4], Progress(epoch=0, epochs=1, step=step, steps=20))
        return start - method.diagnostics()["entropy"], method.diagnostics()["entropy"]

    darts_drop, darts_final = entropy_drop("darts")
    for gaea in ("gaea", "gaea-bilevel"):
        gaea_drop, gaea_final = entropy_drop(gaea, "simplex.exclude_ops=[]")  # the same five ops as DARTS
        assert gaea_drop > 50 * max(darts_drop, 0.0) and gaea_drop > 1e-4
        assert gaea_final < darts_final


# --- the named methods --------------------------------------------------------------------------

def test_gaea_defaults_follow_the_paper_on_nb201():
    erm = resolve_config("gaea", "nb201")
    assert (erm["epochs"], erm["data"]["split"], erm["arch"]["hypergradient"]) == (25, "full", "single-level")
    assert (erm["arch"]["optimizer"], erm["arch"]["lr"], erm["arch"]["weight_decay"]) == ("eg", 0.1, 0.0)
    assert erm["weights_optimizer"]["weight_decay"] == 3e-4 and erm["simplex"]["exclude_ops"] == ["none"]
    assert (erm["supernet"]["channels"], erm["supernet"]["cells_per_stage"], erm["data"]["batch_size"]) == (16, 5, 64)
    bilevel = resolve_config("gaea-bilevel", "nb201")
    assert bilevel["arch"]["hypergradient"] == "first-order" and bilevel["data"]["split"] != "full"
    gdas = resolve_config("gaea-gdas", "nb201")
    assert (gdas["epochs"], gdas["arch"]["parameterization"], gdas["arch"]["lr"]) == (150, "gumbel-simplex", 0.1)
    pc = resolve_config("gaea-pcdarts", "nb201")
    assert (pc["arch"]["warmup_epochs"], pc["supernet"]["partial_channels"], pc["arch"]["optimizer"]) == (10, 4, "eg")


@pytest.mark.parametrize("name", GAEA_METHODS)
def test_gaea_methods_search_on_the_simplex_and_resume_bit_identically(name):
    method = tiny_method(name, channels=4)
    late = Progress(epoch=12, epochs=20, step=0, steps=4)  # past gaea-pcdarts's warm-up
    for step in range(2):
        stats = method.step(tiny_batch(step), tiny_batch(20 + step), late)
        assert torch.isfinite(stats["train_loss"]) and torch.isfinite(stats["val_loss"])
    for theta in method.arch_parameters:  # op weights per edge; gaea-pcdarts: edge weights per node
        assert (theta >= 0).all() and (theta.detach().sum(-1) - 1).abs().max() < 1e-12
    assert torch.equal(method.arch_parameters[0].detach()[0, :, NONE], torch.zeros(6, dtype=torch.float64))
    assert OPS[NONE] not in [OPS[o] for o in method.derive().ops]

    assert_search_resumes_bit_identically(method, name, late, batch_seed=5)


def test_gaea_pcdarts_takes_no_architecture_step_during_warm_up():
    method = tiny_method("gaea-pcdarts", channels=4)
    warmup = method.warmup_epochs  # the quick preset's rescaled warm-up
    assert warmup > 0
    before = [p.detach().clone() for p in method.arch_parameters]
    stats = method.step(tiny_batch(0), tiny_batch(1), Progress(epoch=warmup - 1, epochs=20))
    assert stats["arch_step"] is None
    assert all(torch.equal(a, b) for a, b in zip(before, method.arch_parameters))
    method.step(tiny_batch(0), tiny_batch(1), Progress(epoch=warmup, epochs=20))
    assert not torch.equal(before[0], method.arch_parameters[0])
    assert not torch.equal(before[1], method.arch_parameters[1])  # the edge weights learn too


def test_eg_floor_keeps_an_op_alive_as_the_gaea_code_does():
    """GAEA code normalize(): clamp at 1e-5, then divide by the sum. Without the floor a huge gradient
    underflows an allowed op to exactly 0, and EG can never bring it back."""
    theta = random_simplex_rows(9)
    grad = torch.zeros_like(theta)
    grad[:, 2] = 1e4  # pushes op 2 towards 0 (exp(-1000) underflows to 0 in float64)
    unfloored = exponentiated_step(theta, grad, 0.1)
    assert torch.equal(unfloored[:, 2], torch.zeros(6, dtype=torch.float64))  # the check has teeth
    floored = exponentiated_step(theta, grad, 0.1, floor=1e-5)
    unnormalised = torch.where(theta > 0, (theta * torch.exp(-0.1 * grad)).clamp_min(1e-5), 0.0)
    torch.testing.assert_close(floored, unnormalised / unnormalised.sum(-1, keepdim=True), rtol=1e-12, atol=0)
    assert (floored[:, 2] > 0).all() and torch.equal(floored[:, 0], torch.zeros(6, dtype=torch.float64))
    recovered = exponentiated_step(floored, -grad, 0.1, floor=1e-5)  # the op can come back
    assert (recovered[:, 2] > 0.5).all()


def test_eg_floor_is_a_setting_with_the_gaea_codes_default():
    method = tiny_method("gaea")
    assert method.config["eg"]["floor"] == 1e-5 and method.a_optimizer.param_groups[0]["floor"] == 1e-5
    pc = tiny_method("gaea-pcdarts", channels=4)
    # op weights floored; edge weights normalised per node without the clamp (GAEA code architect_edarts.py)
    assert [group["floor"] for group in pc.a_optimizer.param_groups] == [1e-5, 0.0]
    for bad in ("eg.floor=-1", "eg.floor=0.3"):
        with pytest.raises(ConfigError, match="eg.floor"):
            tiny_method("gaea", assignments=[bad])


@pytest.mark.parametrize("floor, drawable", [(1e-5, True), (0.0, False)])
def test_gumbel_simplex_can_draw_an_op_again_after_eg_pushed_it_down_only_with_the_floor(floor, drawable):
    method = tiny_method("gaea-gdas", channels=2, assignments=[f"eg.floor={floor}"])
    theta = method.arch_parameters[0]
    grad = torch.zeros_like(theta)
    grad[..., CONV3] = 1e4
    theta.grad = grad
    method.a_optimizer.step()
    # Gumbel-max draws an op with probability softmax(log p): about 1e-5 at the floor, otherwise
    # exp(log of the smallest float) ~ 1e-308, which no run of any length ever draws
    chance = torch.softmax(method.parameterization.log_probs(), -1)[..., CONV3]
    assert bool((chance > 1e-6).all()) == drawable and bool((chance < 1e-300).all()) != drawable


def test_gaea_gdas_trains_its_weights_as_gaea_c3_says():
    config = resolve_config("gaea-gdas", "nb201")
    assert config["weights_optimizer"]["weight_decay"] == 3e-4 and config["weights_optimizer"]["nesterov"] is False
    assert resolve_config("gdas", "nb201")["weights_optimizer"]["weight_decay"] == 5e-4  # GDAS's own stays


def test_gaea_darts_anneals_over_the_codes_50_scheduler_epochs():
    assert resolve_config("gaea", "nb201")["weights_optimizer"]["anneal_epochs"] == 50
    method = tiny_method("gaea", assignments=["epochs=25", "weights_optimizer.anneal_epochs=50"])
    method.weight_step(tiny_batch(0), START)  # the scheduler steps after the optimizer, as in a search
    for _ in range(25):
        method.end_epoch()
    lr = method.w_optimizer.param_groups[0]["lr"]
    expected = 0.001 + (0.025 - 0.001) * (1 + math.cos(math.pi * 25 / 50)) / 2
    assert lr == pytest.approx(expected)
    quick = resolve_config("gaea", "nb201", "quick")  # quick: 8 of 25 epochs, so 16 of 50
    assert quick["weights_optimizer"]["anneal_epochs"] == 16
