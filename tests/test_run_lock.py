"""One process per run: a second search of a busy run is refused, and a killed holder leaves no lock behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import torch

import harness.runner as runner
from harness.config import config_hash
from harness.records import RunDir
from harness.run_lock import LOCK_FILE, RunBusy, run_lock
from spaces.errors import UserError
from tests.run_helpers import synthetic_image_set, tiny_run_config

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="flock is POSIX; runs are not locked on Windows")

CPU = torch.device("cpu")


def search(out, config):
    return runner.run_seed(config, 0, out, CPU, synthetic_image_set(), None, show_progress=False, log=lambda m: None)


def test_a_busy_run_is_refused_naming_the_holder_and_runs_once_released(tmp_path):
    config = tiny_run_config(epochs=1)
    run = RunDir.for_config(tmp_path, config, config_hash(config), 0)
    with run_lock(run.path):
        with pytest.raises(RunBusy) as refused:
            search(tmp_path, config)
    assert isinstance(refused.value, UserError)
    assert f"pid {os.getpid()}" in str(refused.value) and str(run.path) in str(refused.value)
    assert not run.checkpoint.exists() and not run.epochs.exists(), "the refused search wrote nothing"
    assert search(tmp_path, config).run_dir.is_complete()


def test_the_lock_dies_with_a_killed_holder(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from harness.run_lock import run_lock\n"
        "with run_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)"), str(tmp_path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunBusy, match=f"pid {holder.pid}"):
            with run_lock(tmp_path):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with run_lock(tmp_path):  # non-blocking: this would raise RunBusy if the dead holder's lock remained
        assert (tmp_path / LOCK_FILE).read_text() == str(os.getpid())
