"""`precision=bf16`: the search step under autocast tracks fp32, finite differences stay fp32, runs stay
deterministic, and precisions the harness cannot run are one message."""

from __future__ import annotations

import json

import pytest
import torch

from harness import runner
from harness.cli import main
from harness.config import resolve_config
from methods.components import amended_hypergradient, hypergradients, lambda_regularizer, precision
from methods.components.losses import supernet_loss
from methods.progress import Progress
from methods.registry import create_method
from spaces.registry import get_space
from tests.run_helpers import synthetic_image_set, tiny_run_config, without_timings

CPU = torch.device("cpu")
# Measured at initialisation on the quick supernets (arch gradients there are small, so bf16's rounding
# of the features shows in them): val loss within 3e-4 relative, gradient cosine 0.90-0.98.
LOSS_TOLERANCE = 2e-3
MIN_COSINE = 0.85


def build(method_name: str, space_name: str, precision: str, assignments=()):
    config = resolve_config(method_name, space_name, "quick", assignments=[f"precision={precision}", *assignments])
    space = get_space(space_name)
    net = space.supernet(config["supernet"], 10, torch.Generator().manual_seed(0))
    return create_method(method_name, space, net, config, torch.Generator().manual_seed(1))


def batches(batch_size: int = 32):
    generator = torch.Generator().manual_seed(2)

    def batch():
        return (torch.randn(batch_size, 3, 32, 32, generator=generator),
                torch.randint(0, 10, (batch_size,), generator=generator))

    return batch(), batch()


def arch_gradient(method_name: str, space_name: str, precision: str):
    method = build(method_name, space_name, precision)
    train_batch, val_batch = batches()
    with method.precision.autocast():
        grads, val_loss = method.hypergradient(method, train_batch, val_batch, Progress(1, 2, 0, 1))
    return float(val_loss), torch.cat([g.flatten() for g in grads])


@pytest.mark.parametrize("method_name, space_name", [("darts", "nb201"), ("darts", "darts-s3"),
                                                     ("darts-2nd", "nb201"), ("gaea", "nb201")])
def test_a_bf16_architecture_step_tracks_fp32(method_name, space_name):
    loss32, grad32 = arch_gradient(method_name, space_name, "fp32")
    loss16, grad16 = arch_gradient(method_name, space_name, "bf16")
    assert grad16.dtype == torch.float32  # architecture gradients stay fp32
    assert not torch.equal(grad16, grad32), "bf16 changed nothing: autocast did not run"
    assert abs(loss16 - loss32) <= LOSS_TOLERANCE * loss32
    assert float(torch.nn.functional.cosine_similarity(grad16, grad32, dim=0)) >= MIN_COSINE


def autocast_seen_by_shifted_passes(module, monkeypatch) -> list[bool]:
    """Whether autocast was on in each supernet pass of `module` at shifted weights or shifted op weights."""
    seen = []
    real = module.supernet_loss

    def spy(net, batch, arch, params=None):
        seen.append(torch.is_autocast_enabled("cpu"))
        return real(net, batch, arch, params=params)

    monkeypatch.setattr(module, "supernet_loss", spy)
    return seen


@pytest.mark.parametrize("method_name, module, plain_passes, shifted_passes", [
    ("darts-2nd", hypergradients, 2, 2),  # the virtual step's and the unrolled val pass; w +/- e v
    ("amended", amended_hypergradient, 1, 4),  # the val pass; two central differences
])
def test_hypergradient_finite_differences_run_in_fp32(method_name, module, plain_passes, shifted_passes,
                                                      monkeypatch):
    seen = autocast_seen_by_shifted_passes(module, monkeypatch)
    method = build(method_name, "nb201", "bf16")
    train_batch, val_batch = batches()
    with method.precision.autocast():
        method.hypergradient(method, train_batch, val_batch, Progress(1, 2, 0, 1))
    assert seen == [True] * plain_passes + [False] * shifted_passes


@pytest.mark.parametrize("difference", ["central", "alternating"])  # alternating: forward at step 0
def test_lambda_finite_differences_run_in_fp32(difference, monkeypatch):
    seen = autocast_seen_by_shifted_passes(lambda_regularizer, monkeypatch)
    method = build("lambda", "nb201", "bf16", assignments=[f"lambda_reg.difference={difference}"])
    train_batch, val_batch = batches()
    method.step(train_batch, val_batch, Progress(1, 2, 0, 1))  # epoch 1 of 2: lambda_t > 0
    # both differences take two fp32 passes: a one-sided one recomputes g(P) instead of the bf16 one
    assert seen == [False, False]


def test_bf16_runs_are_deterministic_and_say_their_precision(tmp_path):
    config = tiny_run_config("darts", epochs=1, assignments=["precision=bf16"])
    images = synthetic_image_set()
    runs = [runner.run_seed(config, 0, tmp_path / name, CPU, images, None, show_progress=False, log=lambda m: None)
            for name in ("first", "second")]
    fp32 = runner.run_seed(tiny_run_config("darts", epochs=1), 0, tmp_path / "fp32", CPU, images, None,
                           show_progress=False, log=lambda m: None)
    assert without_timings(runs[0].rows) == without_timings(runs[1].rows)
    assert without_timings(runs[0].rows) != without_timings(fp32.rows)
    recorded = json.loads(runs[0].run_dir.config.read_text())
    assert recorded["config"]["precision"] == "bf16"


@pytest.mark.parametrize("value, message", [("fp16", "precision=fp16 runs on CUDA only"),
                                            ("int8", "precision must be fp32, bf16 or fp16")])
@pytest.mark.parametrize("command", ["run", "sweep"])
def test_a_precision_this_device_cannot_run_is_one_message(command, value, message, tmp_path, capsys):
    method_flag = "--method" if command == "run" else "--methods"
    space_flag = "--space" if command == "run" else "--spaces"
    code = main([command, method_flag, "darts", space_flag, "nb201", "--preset", "quick", "--epochs", "1",
                 "--device", "cpu", "--set", f"precision={value}", "--out", str(tmp_path / "runs"), "--no-progress"])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


@pytest.fixture
def fp16_on_cpu(monkeypatch):
    """The loss-scaled fp16 path is for CUDA; CPU autocast runs fp16 too, so the tests exercise it here."""
    monkeypatch.setattr(precision, "FP16_DEVICE_TYPES", ("cuda", "cpu"))


def weight_update(method, train_batch):
    before = [p.detach().clone() for p in method.net.parameters()]
    with method.precision.autocast():
        method.weight_step(train_batch, Progress(0, 2, 0, 1))
    return torch.cat([(p.detach() - b).flatten() for p, b in zip(method.net.parameters(), before)])


@pytest.mark.parametrize("method_name", ["darts", "darts-2nd"])
def test_an_fp16_step_is_loss_scaled_and_tracks_fp32(method_name, fp16_on_cpu):
    train_batch, _ = batches()
    update32 = weight_update(build(method_name, "nb201", "fp32"), train_batch)
    method16 = build(method_name, "nb201", "fp16")
    assert method16.precision.weight_scaler.get_scale() == precision.INITIAL_SCALE
    update16 = weight_update(method16, train_batch)
    # unscaled before clipping and the step: a scaled gradient would have been clipped to the same norm
    # but pointed elsewhere only by rounding, so compare sizes too
    assert float(torch.nn.functional.cosine_similarity(update16, update32, dim=0)) >= MIN_COSINE
    assert abs(float(update16.norm() / update32.norm()) - 1) <= 0.05
    loss32, grad32 = arch_gradient(method_name, "nb201", "fp32")
    loss16, grad16 = arch_gradient(method_name, "nb201", "fp16")
    assert abs(loss16 - loss32) <= LOSS_TOLERANCE * loss32
    assert float(torch.nn.functional.cosine_similarity(grad16, grad32, dim=0)) >= MIN_COSINE
    assert abs(float(grad16.norm() / grad32.norm()) - 1) <= 0.1  # unscaled: the same size as fp32's


def set_weight_scale(method, scale: float) -> None:
    state = method.precision.weight_scaler.state_dict()
    method.precision.weight_scaler.load_state_dict({**state, "scale": scale})


def test_an_overflowing_fp16_step_is_skipped_and_the_scales_halve(fp16_on_cpu):
    method = build("darts", "nb201", "fp16")
    train_batch, val_batch = batches()
    set_weight_scale(method, 3e38)  # the scaled loss and its gradients overflow
    method.precision.arch_scale.scale = 3e38
    weights = [p.detach().clone() for p in method.net.parameters()]
    alphas = [a.detach().clone() for a in method.arch_parameters]
    method.step(train_batch, val_batch, Progress(0, 2, 0, 1))
    assert all(torch.equal(p, w) for p, w in zip(method.net.parameters(), weights))
    assert all(torch.equal(a, b) for a, b in zip(method.arch_parameters, alphas))
    assert method.precision.weight_scaler.get_scale() == pytest.approx(1.5e38, rel=1e-6)  # an fp32 tensor
    assert method.precision.arch_scale.scale == 1.5e38


def test_the_architecture_loss_scale_halves_on_overflow_and_grows_after_clean_steps(monkeypatch):
    monkeypatch.setattr(precision, "GROWTH_INTERVAL", 3)
    scale = precision.ArchLossScale()
    scale.update(False)
    assert scale.scale == precision.INITIAL_SCALE / 2
    for _ in range(3):
        scale.update(True)
    assert (scale.scale, scale.clean_steps) == (precision.INITIAL_SCALE, 0)


def test_unscale_divides_the_extra_leaves_by_the_weight_scale(fp16_on_cpu):
    scaler = precision.Precision("fp16", CPU)
    weight = torch.nn.Parameter(torch.ones(3))
    leaf = torch.ones(3, requires_grad=True)
    scaler.backward((weight * leaf).sum())
    scaler.unscale(torch.optim.SGD([weight], lr=0.1), leaf)
    torch.testing.assert_close(weight.grad, torch.ones(3))
    torch.testing.assert_close(leaf.grad, torch.ones(3))


def test_fp16_loss_scales_resume_with_the_method(fp16_on_cpu):
    method = build("darts", "nb201", "fp16")
    set_weight_scale(method, 1024.0)
    method.precision.arch_scale.scale, method.precision.arch_scale.clean_steps = 512.0, 7
    resumed = build("darts", "nb201", "fp16")
    resumed.load_state_dict(method.state_dict())
    assert resumed.precision.weight_scaler.get_scale() == 1024.0
    assert (resumed.precision.arch_scale.scale, resumed.precision.arch_scale.clean_steps) == (512.0, 7)


@pytest.mark.parametrize("dtype, loss_dtype", [(torch.bfloat16, torch.float32), (torch.float32, torch.float32),
                                               (torch.float64, torch.float64)])
def test_the_loss_is_at_least_fp32_and_never_narrows_the_logits(dtype, loss_dtype):
    """bf16 logits are widened for the cross-entropy; float64 ones (the reference-gradient tests) stay float64."""
    class Logits(torch.nn.Module):
        def forward(self, x, arch):
            return x.to(dtype)

    x = torch.randn(4, 10, dtype=torch.float64)
    loss, logits = supernet_loss(Logits(), (x, torch.tensor([0, 1, 2, 3])), None)
    assert loss.dtype == loss_dtype and logits.dtype == dtype
