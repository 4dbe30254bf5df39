"""scripts/gpu-check: its CPU dry run passes end to end (so the GPU check cannot rot), and a device it
cannot use is one message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_shared

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "gpu-check"


def gpu_check(*args, env=None):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env)


@pytest.mark.slow
def test_the_cpu_dry_run_passes_every_step_and_prints_one_table(tmp_path):
    cifar10 = require_shared("cifar10/cifar-10-batches-py")
    data = tmp_path / "data"
    (data / "cifar10").mkdir(parents=True)
    (data / "cifar10" / cifar10.name).symlink_to(cifar10)
    completed = gpu_check("--device", "cpu", "--out", str(tmp_path / "out"),
                          env={**os.environ, "HARNESS_DATA": str(data)})
    assert completed.returncode == 0, completed.stdout + completed.stderr[-3000:]
    table = completed.stdout.splitlines()
    steps = [line for line in table if line.split("  ")[0] in
             ("device tests", "benchmarks", "nb201 search, darts", "nb201 search, gaea")]
    assert len(steps) == 4 and all("  ok  " in line for line in steps), completed.stdout
    assert sum("s per epoch" in line for line in steps) == 2
    assert list((tmp_path / "out" / "search" / "nb201" / "cifar10").iterdir())


@pytest.mark.parametrize("device, message", [("cuda", "no CUDA device"), ("tpu", "--device must be auto, cpu or cuda[:N]")])
def test_a_device_it_cannot_use_is_one_message(device, message):
    if device == "cuda":
        import torch

        if torch.cuda.is_available():
            pytest.skip("this machine has CUDA: the message is for machines without it")
    completed = gpu_check("--device", device)
    assert completed.returncode == 2
    assert message in completed.stderr and "Traceback" not in completed.stderr
