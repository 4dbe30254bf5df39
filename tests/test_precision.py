"""`precision=bf16`: the search step under autocast tracks fp32, finite differences stay fp32, runs stay
deterministic, and precisions the harness cannot run are one message."""

from __future__ import annotations

import json

import pytest
import torch

from harness import runner
from harness.cli import main
from harness.config import resolve_config
from methods.components import amended_hypergradient, hypergradients, lambda_regularizer
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


@pytest.mark.parametrize("value", ["fp16", "int8"])
def test_a_precision_the_harness_cannot_run_is_one_message(value, tmp_path, capsys):
    code = main(["run", "--method", "darts", "--space", "nb201", "--preset", "quick", "--epochs", "1",
                 "--set", f"precision={value}", "--out", str(tmp_path / "runs"), "--no-progress"])
    assert code == 2
    assert "precision must be fp32 or bf16" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


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
