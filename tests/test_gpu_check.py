"""scripts/gpu-check: its CPU dry run passes end to end (so the GPU check cannot rot), and a device it
cannot use is one message."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import subprocess
import sys
import time
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
             ("device tests", "benchmarks, nb201", "benchmarks, darts", "nb201 search, darts", "nb201 search, gaea")]
    assert len(steps) == 5 and all("  ok  " in line for line in steps), completed.stdout
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


def load_script():
    loader = importlib.machinery.SourceFileLoader("gpu_check", str(SCRIPT))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("gpu_check", loader))
    loader.exec_module(module)
    return module


def test_a_step_past_its_limit_is_stopped_with_its_children_and_fails(tmp_path):
    """A hanging step (here a sleeping child that started a sleeping grandchild, as compile workers
    are) must not hold the check: the whole process group goes, the step fails and says why."""
    marker = tmp_path / "grandchild.pid"
    command = [sys.executable, "-c", "import subprocess, sys, time; "
               f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
               f"open({str(marker)!r}, 'w').write(str(p.pid)); time.sleep(60)"]
    started = time.perf_counter()
    ok, seconds, detail = load_script().run_step(command, dict(os.environ), limit_seconds=2.0)
    assert not ok and 2.0 <= seconds < 30 and time.perf_counter() - started < 30
    assert "stopped after 2 s" in detail
    grandchild = int(marker.read_text())
    for _ in range(50):  # the kill is asynchronous; a zombie has no /proc status "R"/"S" but may linger
        try:
            state = Path(f"/proc/{grandchild}/stat").read_text().split(") ")[1][0]
        except FileNotFoundError:
            break
        if state == "Z":
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the grandchild {grandchild} survived the step's limit")


def test_a_non_positive_step_limit_is_a_usage_error():
    completed = gpu_check("--device", "cpu", "--step-minutes", "0")
    assert completed.returncode == 2 and "--step-minutes must be positive" in completed.stderr
    assert "Traceback" not in completed.stderr
