"""Device-sensitive checks, on the device HARNESS_TEST_DEVICE names (default cpu).

`scripts/gpu-check` runs this module with HARNESS_TEST_DEVICE=cuda; the normal test run runs it on the
CPU, so every path the GPU takes (data, parameters, samplers and noise on the device, checkpoints
loaded back, precision) is exercised by the same code here. The checks that only CUDA can make (the
sync-debug step, fp16) skip elsewhere and say so.
"""

from __future__ import annotations

import json

import pytest
import torch

import harness.runner as runner
from harness.config import resolve_config
from methods.progress import Progress
from methods.registry import create_method
from spaces.registry import get_space
from tests.device import DEVICE
from tests.run_helpers import die_after_checkpoint, synthetic_image_set, without_timings

SMALL = ["data.subset=32", "data.batch_size=16", "eval.batch_size=32", "diagnostics.batch_size=8"]
CUDA_ONLY = pytest.mark.skipif(DEVICE.type != "cuda", reason="CUDA only (scripts/gpu-check runs it on a GPU)")
pytestmark = pytest.mark.device

# one method per sampling mechanism on each space family: dense softmax, Gumbel (GDAS), exponentiated
# gradient (GAEA), partial channels with edge weights (PC-DARTS), hard-concrete gates (PR-DARTS), the
# noise op's stream (S4), and a method whose weight step carries a regulariser (Lambda-DARTS)
RUNS = [("darts", "nb201"), ("gdas", "nb201"), ("pr-darts", "nb201"), ("lambda", "nb201"),
        ("gaea", "darts-s3"), ("pcdarts", "darts-s4"), ("darts", "nb1shot1-s2")]


def config_for(method: str, space: str, precision: str = "fp32", epochs: int = 1):
    return resolve_config(method, space, "quick", epochs=epochs, assignments=[*SMALL, f"precision={precision}"])


def search(tmp_path, config):
    return runner.run_seed(config, 0, tmp_path, DEVICE, synthetic_image_set(n_train=96, n_test=32), None,
                           show_progress=False, log=lambda message: None)


@pytest.mark.parametrize("method, space", RUNS)
def test_a_search_runs_on_the_device_and_repeats_exactly(tmp_path, method, space):
    config = config_for(method, space)
    first, second = (search(tmp_path / name, config) for name in ("first", "second"))
    assert first.failure is None, first.failure
    assert without_timings(first.rows) == without_timings(second.rows)  # same seed, same device
    recorded = json.loads(first.run_dir.config.read_text())
    assert recorded["provenance"]["device"].startswith(DEVICE.type)


def test_a_run_resumes_on_the_device_from_its_checkpoint(tmp_path, monkeypatch):
    config = config_for("gdas", "darts-s3", epochs=2)
    reference = search(tmp_path / "reference", config).rows
    die_after_checkpoint(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        search(tmp_path / "killed", config)
    monkeypatch.undo()
    assert without_timings(search(tmp_path / "killed", config).rows) == without_timings(reference)


def device_method(method_name: str, space_name: str, precision: str = "fp32"):
    config = config_for(method_name, space_name, precision)
    space = get_space(space_name)
    net = space.supernet(config["supernet"], 10, torch.Generator().manual_seed(0)).to(DEVICE)
    method = create_method(method_name, space, net, config, torch.Generator().manual_seed(1))
    g = torch.Generator().manual_seed(2)
    batches = [(torch.randn(16, 3, 32, 32, generator=g).to(DEVICE), torch.randint(0, 10, (16,), generator=g).to(DEVICE))
               for _ in range(2)]
    return method, batches


def test_a_bf16_step_runs_on_the_device():
    method, (train, val) = device_method("darts", "nb201", "bf16")
    stats = method.step(train, val, Progress(0, 2, 0, 1))
    assert torch.isfinite(stats["train_loss"]) and torch.isfinite(stats["val_loss"])
    assert all(p.dtype == torch.float32 for p in method.arch_parameters)


@CUDA_ONLY
@pytest.mark.parametrize("method_name", ["darts", "darts-2nd", "lambda"])
def test_an_fp16_step_is_loss_scaled_on_cuda(method_name):
    method, (train, val) = device_method(method_name, "nb201", "fp16")
    stats = method.step(train, val, Progress(1, 2, 0, 1))
    assert torch.isfinite(stats["train_loss"]) and torch.isfinite(stats["val_loss"])
    assert method.precision.weight_scaler.is_enabled()


@CUDA_ONLY
@pytest.mark.parametrize("method_name, space_name", [("darts", "nb201"), ("gdas", "nb201"), ("gaea", "nb201"),
                                                     ("pcdarts", "darts-s3"), ("darts", "nb1shot1-s2")])
def test_a_search_step_never_waits_for_the_host(method_name, space_name):
    """No .item(), no host-side mask read from a device tensor: torch raises on any synchronisation."""
    method, (train, val) = device_method(method_name, space_name)
    method.step(train, val, Progress(0, 2, 0, 2))  # warm-up: lazy state, cuDNN plans
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        method.step(train, val, Progress(0, 2, 1, 2))
    finally:
        torch.cuda.set_sync_debug_mode("default")
