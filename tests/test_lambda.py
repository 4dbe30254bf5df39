"""Lambda-DARTS: layer alignment, its perturbation direction, and the finite-difference estimate
of grad_w Lambda against exact double backward."""

from __future__ import annotations

import copy
import itertools

import pytest
import torch
import torch.nn.functional as F

from methods.components.lambda_regularizer import alignment_weight_gradient
from methods.components.layer_alignment import alignment_direction, alignment_on_batch, layer_alignment
from methods.components.losses import supernet_loss
from methods.progress import Progress
from spaces.base import ArchWeights
from spaces.errors import ConfigError
from tests.method_helpers import tiny_batch, tiny_method

VARIANTS = ["lambda", "lambda-pm"]
LAST_EPOCH = Progress(epoch=7, epochs=8)  # lambda_t = lambda * 7 / (8 - 1) = lambda
ALL_CELLS = [[0, 1, 2]]  # the tiny supernet's three cells, all of NB201's one cell type


def random_layer_grads(seed: int, cells: int = 4, dtype=torch.float64) -> torch.Tensor:
    grads = torch.randn(cells, 6, 5, generator=torch.Generator().manual_seed(seed), dtype=dtype)
    grads[:, :, 0] = 0.0  # `none` never receives a gradient in the supernet
    return grads


def pairwise_alignment(grads: torch.Tensor, variant: str) -> torch.Tensor:
    """The definition, pair by pair."""
    flat = grads.reshape(len(grads), -1)
    values = []
    for a, b in itertools.combinations(flat, 2):
        if variant == "lambda":
            values.append(F.cosine_similarity(a, b, dim=0, eps=0.0))
        else:
            values.append(torch.dot(a, b) / torch.dot(a.abs(), b.abs()))
    return torch.stack(values).mean()


# --- the alignment and its direction -------------------------------------------------------------

@pytest.mark.parametrize("variant", VARIANTS)
def test_alignment_is_the_mean_pairwise_cosine(variant):
    for seed in range(3):
        grads = random_layer_grads(seed, cells=5)
        torch.testing.assert_close(layer_alignment(grads, variant), pairwise_alignment(grads, variant))


@pytest.mark.parametrize("variant", VARIANTS)
def test_identical_layer_gradients_have_alignment_one(variant):
    grads = random_layer_grads(0)[:1].expand(4, 6, 5) * torch.tensor([1.0, 2.0, 0.5, 3.0]).view(4, 1, 1).double()
    torch.testing.assert_close(layer_alignment(grads, variant), torch.tensor(1.0, dtype=torch.float64))
    # the maximum: no direction improves it
    torch.testing.assert_close(alignment_direction(grads, variant), torch.zeros_like(grads), atol=1e-12, rtol=0)


def test_opposite_gradients_and_the_two_variants_differ():
    grads = random_layer_grads(1, cells=2)
    grads[1] = -grads[0]
    for variant in VARIANTS:
        torch.testing.assert_close(layer_alignment(grads, variant), torch.tensor(-1.0, dtype=torch.float64))
    grads = random_layer_grads(2, cells=3)
    assert not torch.allclose(layer_alignment(grads, "lambda"), layer_alignment(grads, "lambda-pm"))


@pytest.mark.parametrize("variant", VARIANTS)
def test_direction_is_pair_count_times_the_alignment_gradient(variant):
    grads = random_layer_grads(3, cells=5).requires_grad_()
    (exact,) = torch.autograd.grad(layer_alignment(grads, variant), grads)
    torch.testing.assert_close(alignment_direction(grads.detach(), variant), 10 * exact)  # C(5, 2) = 10


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_cell_without_gradient_gives_no_nan(variant):
    grads = random_layer_grads(4)
    grads[2] = 0.0  # e.g. a sampled cell whose ops are all `none`
    assert torch.isfinite(layer_alignment(grads, variant))
    direction = alignment_direction(grads, variant)
    assert torch.isfinite(direction).all() and torch.equal(direction[2], torch.zeros_like(direction[2]))
    torch.testing.assert_close(layer_alignment(grads, variant) * 6, pairwise_alignment(grads[[0, 1, 3]], variant) * 3)


def test_fewer_than_two_cells_is_a_config_error():
    with pytest.raises(ConfigError):
        layer_alignment(random_layer_grads(0, cells=1))


# --- grad_w Lambda: finite differences against exact double backward -----------------------------

def exact_alignment_weight_gradient(method, batch, variant):
    params = list(method.net.parameters())
    arch = method.eval_weights()
    weights = arch.ops.clone().requires_grad_()
    loss, _ = supernet_loss(method.net, batch, arch.with_ops(weights))
    (layer_grads,) = torch.autograd.grad(loss, weights, create_graph=True)
    grads = torch.autograd.grad(layer_alignment(layer_grads, variant), params, allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for g, p in zip(grads, params)]


def weight_step_gradients(method, batch, progress):
    """What SearchMethod.weight_step has before it calls the inner regulariser."""
    weights = method.parameterization.supernet_weights(progress, differentiable=False).detached()
    weights = weights.with_ops(weights.ops.requires_grad_(method.inner_reg.needs_layer_grads))
    method.net.zero_grad(set_to_none=True)
    loss, _ = supernet_loss(method.net, batch, weights)
    loss.backward()
    return weights


def regulariser_estimate(method, batch, progress):
    """-(grad after adjust - grad before) / lambda_t: the estimate the regulariser applied."""
    weights = weight_step_gradients(method, batch, progress)
    before = [p.grad.clone() for p in method.net.parameters()]
    method.inner_reg.adjust(method, batch, weights, progress)
    strength = progress.linear(0.0, float(method.config["lambda_reg"]["strength"]))
    return [(b - p.grad) / strength for b, p in zip(before, method.net.parameters())]


def moved_alpha(method, seed):
    for p in method.arch_parameters:
        with torch.no_grad():
            p.normal_(0.0, 0.5, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("variant", VARIANTS)
def test_central_estimate_matches_exact_double_backward(variant):
    # e0 1e-7 in float64 keeps the perturbed passes off ReLU kinks (see tests/test_darts.py);
    # a missing 1 / C(L,2), a factor 2 or a sign error fails this comparison
    method = tiny_method(variant, assignments=["lambda_reg.e0=1e-7"], channels=3)
    moved_alpha(method, 3)
    batch = tiny_batch(5, n=12)
    ours = regulariser_estimate(method, batch, LAST_EPOCH)
    exact = exact_alignment_weight_gradient(method, batch, variant)
    scale = max(e.abs().max() for e in exact)
    assert scale > 1e-3  # not a vacuous match
    for a, b in zip(ours, exact):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6 * scale)


@pytest.mark.parametrize("variant", VARIANTS)
def test_alternating_one_sided_differences(variant):
    # forward (g+ - g0) / e and backward (g0 - g-) / e average to the central (g+ - g-) / 2e
    # exactly when they use the same e, Delta and g0 = the weight step's own gradient;
    # each alone is off by O(e), with opposite signs
    method = tiny_method(variant, assignments=["lambda_reg.e0=1e-5", "lambda_reg.difference=alternating"])
    moved_alpha(method, 4)
    batch = tiny_batch(6, n=12)
    even, odd = Progress(7, 8, step=2, steps=5), Progress(7, 8, step=3, steps=5)
    forward = regulariser_estimate(method, batch, even)
    backward = regulariser_estimate(method, batch, odd)
    weights = weight_step_gradients(method, batch, even)
    params = list(method.net.parameters())
    central = alignment_weight_gradient(method.net, batch, weights.detached(), weights.ops.grad, ALL_CELLS, params,
                                        variant, 1e-5, "central")
    exact = exact_alignment_weight_gradient(method, batch, variant)
    scale = max(e.abs().max() for e in exact)
    one_sided_gap = max((f - b).abs().max() for f, b in zip(forward, backward))
    mean_error = max(((f + b) / 2 - c).abs().max() for f, b, c in zip(forward, backward, central))
    assert one_sided_gap > 1e-8 * scale  # the two sides really differ ...
    assert mean_error < 1e-3 * one_sided_gap  # ... symmetrically about the central difference
    for f, b, e in zip(forward, backward, exact):  # and each still estimates grad_w Lambda
        torch.testing.assert_close(f, e, rtol=1e-3, atol=1e-4 * scale)
        torch.testing.assert_close(b, e, rtol=1e-3, atol=1e-4 * scale)


def test_global_step_parity_crosses_epochs():
    method = tiny_method("lambda", assignments=["lambda_reg.difference=alternating"])
    side = method.inner_reg.difference_side
    assert [side(Progress(1, 8, step, 3)) for step in range(3)] == ["backward", "forward", "backward"]
    assert side(Progress(2, 8, 0, 3)) == "forward"  # global step 6


# --- the schedule, the weight step, diagnostics and resume ----------------------------------------

def test_first_epoch_is_plain_darts_and_the_strength_ramps_linearly():
    lam = tiny_method("lambda", assignments=["lambda_reg.strength=0.25"])
    darts = tiny_method("darts")
    batch, val = tiny_batch(1), tiny_batch(2)
    lam.step(batch, val, Progress(0, 5))
    darts.step(batch, val, Progress(0, 5))
    assert all(torch.equal(a, b) for a, b in zip(lam.net.parameters(), darts.net.parameters()))
    assert lam.diagnostics()["inner_reg_strength"] == 0.0
    for epoch in (1, 4):
        lam.step(batch, val, Progress(epoch, 5))
        assert lam.diagnostics()["inner_reg_strength"] == pytest.approx(0.25 * epoch / 4)


def test_weight_step_applies_minus_lambda_times_the_estimate():
    method = tiny_method("lambda", assignments=["lambda_reg.strength=0.5"])
    batch = tiny_batch(3)
    weights = weight_step_gradients(method, batch, LAST_EPOCH)
    plain = [p.grad.clone() for p in method.net.parameters()]
    estimate = alignment_weight_gradient(method.net, batch, weights.detached(), weights.ops.grad, ALL_CELLS,
                                         list(method.net.parameters()), "lambda", 1e-4, "central")
    w_before = [p.detach().clone() for p in method.net.parameters()]
    method.inner_reg.adjust(method, batch, weights, LAST_EPOCH)
    for p, g, e, w in zip(method.net.parameters(), plain, estimate, w_before):
        torch.testing.assert_close(p.grad, g - 0.5 * e, rtol=1e-12, atol=1e-15)
        assert torch.equal(p.detach(), w)  # the perturbed passes never touch w


def test_alignment_on_batch_measures_without_changing_the_run():
    method = tiny_method("darts")
    batch = tiny_batch(4)
    state = {k: v.clone() for k, v in method.net.state_dict().items()}
    generator = method.parameterization.generator.get_state()
    method.net.eval()
    value = alignment_on_batch(method, batch, Progress(0, 8))["layer_alignment"]
    assert not method.net.training  # mode restored
    assert all(torch.equal(state[k], v) for k, v in method.net.state_dict().items())  # BN stats untouched
    assert torch.equal(generator, method.parameterization.generator.get_state())
    assert all(p.grad is None for p in method.net.parameters())
    method.net.train()
    weights = method.eval_weights().ops.clone().requires_grad_()
    (grads,) = torch.autograd.grad(supernet_loss(method.net, batch, ArchWeights(weights), params=dict(
        (k, v.clone()) for k, v in method.net.named_buffers()))[0], weights)
    assert value == pytest.approx(float(pairwise_alignment(grads, "lambda")), rel=1e-10)


def test_diagnostics_average_the_epoch_and_resume_bit_identically():
    def run(method, steps, epoch):
        for step in steps:
            method.step(tiny_batch(10 + step), tiny_batch(20 + step), Progress(epoch, 4, step, 4))

    original = tiny_method("lambda-pm", assignments=["lambda_reg.difference=alternating"])
    run(original, range(3), epoch=1)
    saved_net = {k: v.clone() for k, v in original.net.state_dict().items()}
    saved = copy.deepcopy(original.state_dict())  # optimizers hand out live buffers
    run(original, [3], epoch=1)
    run(original, range(2), epoch=2)

    resumed = tiny_method("lambda-pm", assignments=["lambda_reg.difference=alternating"], seed=7)
    resumed.net.load_state_dict(saved_net)
    resumed.load_state_dict(saved)
    run(resumed, [3], epoch=1)
    run(resumed, range(2), epoch=2)
    assert all(torch.equal(a, b) for a, b in zip(original.net.parameters(), resumed.net.parameters()))
    assert all(torch.equal(a, b) for a, b in zip(original.arch_parameters, resumed.arch_parameters))
    assert original.diagnostics() == resumed.diagnostics()
    assert original.inner_reg.steps_this_epoch == 2  # the epoch-2 mean covers only epoch 2's steps


def test_the_regulariser_composes_with_any_method():
    method = tiny_method("darts", assignments=["inner_reg=lambda-pm"])
    stats = method.step(tiny_batch(1), tiny_batch(2), LAST_EPOCH)
    assert torch.isfinite(stats["train_loss"]) and "inner_reg_alignment" in method.diagnostics()


@pytest.mark.parametrize("setting", ["lambda_reg.difference=forward", "lambda_reg.e0=0", "lambda_reg.strength=-1"])
def test_bad_settings_are_config_errors(setting):
    with pytest.raises(ConfigError):
        tiny_method("lambda", assignments=[setting])
