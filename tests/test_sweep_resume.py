"""Exact resume: of one run for methods with stochastic or stateful parts, and of a whole sweep
stopped with Ctrl-C and started again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from harness import runner
from harness.cli import main
from harness.data.registry import load_dataset
from harness.oracle_access import load_oracle_if_present
from harness.records import read_epochs
from harness.sweep.plan import SweepSpec, expand_plan
from harness.sweep.status import COMPLETE, PARTIAL, run_status
from tests.fixtures.official_formats import write_cifar10
from tests.run_helpers import die_after_checkpoint, synthetic_image_set, tiny_run_config, without_timings

REPO = Path(__file__).resolve().parents[1]
CPU = torch.device("cpu")
TINY = ("supernet.channels=4", "data.subset=64", "data.batch_size=32", "eval.batch_size=64")


@pytest.mark.parametrize("method", ["gdas", "pr-darts", "prime", "gaea"])
def test_killed_run_resumes_exactly(tmp_path, monkeypatch, method):
    # 1,024 images: prime trains on 90% and needs 64 on the other side; batches of 16 give 4 steps an
    # epoch, so schedules (FIMT), samplers and regularisers carry state across the kill.
    images = synthetic_image_set(n_train=1024)
    config = tiny_run_config(method, epochs=3, assignments=["data.batch_size=16"])

    def run(out):
        return runner.run_seed(config, 0, out, CPU, images, None, show_progress=False, log=lambda m: None)

    reference = run(tmp_path / "reference").rows
    die_after_checkpoint(monkeypatch, checkpoints=2)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "killed")
    monkeypatch.undo()
    resumed = run(tmp_path / "killed")
    assert resumed.resumed_at == 2
    assert without_timings(read_epochs(resumed.run_dir.epochs)) == without_timings(reference)


@pytest.mark.slow
def test_sweep_stopped_with_ctrl_c_resumes_exactly(tmp_path):
    data_root, out = tmp_path / "data", tmp_path / "runs"
    write_cifar10(data_root / "cifar10" / "cifar-10-batches-py", images_per_batch=26)
    argv = ["sweep", "--methods", "darts,gdas", "--spaces", "nb201", "--seeds", "1", "--epochs", "3",
            "--preset", "quick", *[arg for text in TINY for arg in ("--set", text)], "--workers", "2",
            "--threads", "1", "--no-progress", "--out", str(out), "--data-dir", str(data_root)]
    plan = expand_plan(SweepSpec(("darts", "gdas"), ("nb201",), out, epochs=(3,), preset="quick", assignments=TINY))

    # Ctrl-C from a terminal reaches the whole process group: the sweep and its workers.
    process = subprocess.Popen([sys.executable, "-m", "harness.cli", *argv], cwd=REPO, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not any(run.run_dir.checkpoint.exists() for run in plan):
        assert process.poll() is None, f"the sweep ended before it was interrupted: {process.communicate()}"
        assert time.monotonic() < deadline, "no epoch finished in 300 s"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 130 and "interrupted" in stderr
    assert "Traceback" not in stderr, stderr
    stopped = [run_status(run.run_dir).state for run in plan]
    assert PARTIAL in stopped and stopped != [COMPLETE, COMPLETE]

    assert main(argv) == 0
    assert [run_status(run.run_dir).state for run in plan] == [COMPLETE, COMPLETE]
    resumed_logs = [run for run in plan if "resuming at epoch" in (run.run_dir.path / "run.log").read_text()]
    assert resumed_logs, "a partial run continued from its checkpoint"

    torch_threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the sweep's workers (--threads 1): CPU results depend on it
    try:
        images = load_dataset("cifar10", data_root)
        # The oracle the sweep's workers found (the packaged NB201 store when the data directory has none).
        oracle = load_oracle_if_present("nb201", data_root, log=lambda m: None)
        for run in plan:
            reference = runner.run_seed(run.config, run.seed, tmp_path / "reference", CPU, images, oracle,
                                        show_progress=False, log=lambda m: None)
            assert without_timings(read_epochs(run.run_dir.epochs)) == without_timings(reference.rows)
    finally:
        torch.set_num_threads(torch_threads)
