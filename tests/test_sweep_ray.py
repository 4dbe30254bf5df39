"""The Ray executor (harness/sweep/ray_executor.py) on a real two-node Ray cluster on 127.0.0.1.

A worker process killed with SIGKILL in the middle of a run has its task retried, and the retry
resumes from the run's checkpoint: the records equal a local sweep's. A run that diverges, and
a run that hits a user error (its lock held by another process), are reported and not retried.
Ctrl-C cancels the tasks and leaves the runs resumable. The cluster tests need Ray
(`pip install 'dnas-harness[ray]'`) and skip without it; the option checks run everywhere.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from harness.cli import main
from harness.records import find_run_dirs, read_epochs
from harness.run_lock import run_lock
from harness.sweep.grid import parse_grid
from harness.sweep import ray_task
from harness.sweep.plan import SweepSpec, expand_plan
from harness.sweep.status import NEW, PARTIAL, run_status
from tests.fixtures.official_formats import write_cifar10

REPO = Path(__file__).resolve().parents[1]
TINY = ("supernet.channels=4", "data.subset=64", "data.batch_size=32", "eval.batch_size=64")
GRID = "darts:weights_optimizer.lr=0.025,1e12"  # 1e12 makes darts diverge in its first epoch
EPOCHS = 4  # the kill comes after the first checkpoint: three epochs are left to resume
DEADLINE_SECONDS = 240


def sweep_args(out: Path, data_root: Path) -> list[str]:
    # --threads 1 in both executors: CPU records depend on the thread count.
    return ["sweep", "--methods", "darts,gdas", "--spaces", "nb201", "--epochs", str(EPOCHS), "--grid", GRID,
            "--preset", "quick", *[arg for text in TINY for arg in ("--set", text)], "--threads", "1",
            "--no-progress", "--out", str(out), "--data-dir", str(data_root)]


def planned(out: Path):
    """The sweep's runs by role: the darts run that converges, the one that diverges, the gdas run."""
    plan = expand_plan(SweepSpec(("darts", "gdas"), ("nb201",), out, epochs=(EPOCHS,), preset="quick",
                                 assignments=TINY, grid=(parse_grid(GRID),)))
    by_role = {}
    for run in plan:
        lr = run.config["weights_optimizer"]["lr"]
        role = "gdas" if run.config["method"] == "gdas" else ("diverging" if lr > 1 else "darts")
        by_role[role] = run
    return by_role


def records(out: Path) -> dict[str, tuple]:
    """Every run's config.json, rows and summary keyed by its path below `out`, without timings."""
    found = {}
    for run in find_run_dirs([out]):
        rows = [{k: v for k, v in row.items() if k != "time"} for row in read_epochs(run.epochs)]
        summary = json.loads(run.summary.read_text())
        summary.pop("search_seconds", None)
        summary.get("final", {}).pop("time", None)
        found[str(run.path.relative_to(out))] = (json.loads(run.config.read_text()), rows, summary)
    return found


def started_pids(run) -> list[int]:
    """The pid of every process that started the run, from the `start:` lines of its run.log."""
    log = (run.run_dir.path / "run.log").read_text()
    return [int(line.rsplit("pid ", 1)[1]) for line in log.splitlines() if " start: " in line]


# ---- the cluster -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ray_env():
    pytest.importorskip("ray", reason="the Ray executor tests need Ray: pip install 'dnas-harness[ray]'")
    temp = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # short: Ray's socket paths must fit in 107 bytes
    # 127.0.0.1 for every node and the driver (tests/ray_cluster.py says why).
    yield {**os.environ, "RAY_TMPDIR": temp, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "PYTHONPATH": str(REPO)}
    shutil.rmtree(temp, ignore_errors=True)  # the sessions' logs; the cluster has stopped (fixture order)


@pytest.fixture(scope="module")
def cluster(ray_env):
    """The address of a head node and one worker node, 1 CPU each; every process stopped afterwards."""
    helper = subprocess.Popen([sys.executable, str(REPO / "tests" / "ray_cluster.py"), "1"], env=ray_env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        line = helper.stdout.readline()
        if not line:
            pytest.fail(f"the Ray cluster did not start: {helper.communicate(timeout=60)[1][-3000:]}")
        started = json.loads(line)
        yield started["address"]
    finally:
        helper.stdin.close()
        try:
            helper.wait(timeout=60)
        except subprocess.TimeoutExpired:
            helper.kill()  # Ray's reaper then stops the nodes it started
            helper.wait(timeout=30)
    left = _processes_in_group(helper.pid)
    for pid in left:
        os.kill(pid, signal.SIGKILL)  # ours: the helper's process group
    assert not left, f"Ray processes were left running after the cluster stopped: {left}"


def _processes_in_group(group: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == group:
                    found.append(int(entry.name))
            except ProcessLookupError:
                pass
    return found


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    write_cifar10(root / "cifar10" / "cifar-10-batches-py", images_per_batch=26)  # 130 images: 64 + 64 used
    return root


@pytest.fixture(scope="module")
def local_records(ray_env, tmp_path_factory, data_root):
    """The same sweep by the local executor (one worker process, one thread)."""
    out = tmp_path_factory.mktemp("local")
    assert main([*sweep_args(out, data_root), "--workers", "1"]) == 0
    found = records(out)
    assert len(found) == 3
    return found


def start_ray_sweep(out, data_root, address, env):
    argv = [*sweep_args(out, data_root), "--executor", "ray", "--address", address, "--cpus-per-run", "1"]
    return subprocess.Popen([sys.executable, "-m", "harness.cli", *argv], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_until(condition, process, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the sweep ended before {what}:\n{out}\n{err[-5000:]}")
        assert time.monotonic() < deadline, f"no {what} in {DEADLINE_SECONDS} s"
        time.sleep(0.02)


# ---- the tests -------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_killed_worker_is_retried_and_resumes_to_the_local_records(cluster, ray_env, data_root, local_records,
                                                                      tmp_path):
    out = tmp_path / "runs"
    runs = planned(out)
    darts = runs["darts"]
    # Another process holds the gdas run (a user error inside the task): reported, not retried.
    with run_lock(runs["gdas"].run_dir.path):
        process = start_ray_sweep(out, data_root, cluster, ray_env)
        wait_until(lambda: darts.run_dir.checkpoint.exists(), process, "the darts run's first checkpoint")
        assert not darts.run_dir.summary.exists(), "the run must still be going when its worker is killed"
        victim = int((darts.run_dir.path / "run.lock").read_text())  # the lock holder: the task's process
        os.kill(victim, signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=DEADLINE_SECONDS)

    assert process.returncode == 2, f"{stdout}\n{stderr[-5000:]}"  # the gdas run's error
    assert "Traceback" not in stderr, stderr[-5000:]
    assert "sweep: 1 complete, 1 failed, 1 errors, of 3 runs" in stdout, stdout
    assert "is being searched by another process" in stdout and "non-finite loss" in stdout

    pids = started_pids(darts)
    assert len(pids) == 2 and pids[0] == victim and pids[1] != victim, pids
    darts_log = (darts.run_dir.path / "run.log").read_text()
    assert "ray: retry 1" in darts_log and "resuming at epoch" in darts_log
    assert "its worker died" in stderr
    assert len(started_pids(runs["diverging"])) == 1 and len(started_pids(runs["gdas"])) == 1, "not retried"
    assert run_status(runs["gdas"].run_dir).state == NEW

    found = records(out)
    assert set(found) == {str(run.run_dir.path.relative_to(out)) for run in (darts, runs["diverging"])}
    for path, record in found.items():
        assert record == local_records[path], f"{path} differs from the local sweep's"


@pytest.mark.slow
def test_ctrl_c_cancels_the_tasks_and_the_runs_resume(cluster, ray_env, data_root, local_records, tmp_path):
    out = tmp_path / "runs"
    runs = list(planned(out).values())
    process = start_ray_sweep(out, data_root, cluster, ray_env)
    wait_until(lambda: any(run.run_dir.checkpoint.exists() for run in runs), process, "a first checkpoint")
    process.send_signal(signal.SIGINT)  # Ctrl-C reaches the driver only: the tasks run in Ray's processes
    stdout, stderr = process.communicate(timeout=DEADLINE_SECONDS)
    assert process.returncode == 130, f"{stdout}\n{stderr[-5000:]}"
    assert "Traceback" not in stderr, stderr[-5000:]
    assert "Ray tasks were cancelled" in stderr and "start the same sweep again to resume" in stderr
    partial = [run for run in runs if run_status(run.run_dir).state == PARTIAL]
    assert partial, "the run that had checkpointed stopped before its end"
    assert all("interrupted; finished epochs are saved" in (run.run_dir.path / "run.log").read_text()
               for run in partial), "it stopped on the cancellation's KeyboardInterrupt, not killed"

    process = start_ray_sweep(out, data_root, cluster, ray_env)
    stdout, stderr = process.communicate(timeout=DEADLINE_SECONDS)
    assert process.returncode == 0, f"{stdout}\n{stderr[-5000:]}"
    assert all("resuming at epoch" in (run.run_dir.path / "run.log").read_text() for run in partial)
    assert records(out) == local_records


def test_an_address_where_no_ray_answers_is_one_message(ray_env, data_root, tmp_path):
    with socket.socket() as probe:  # a port nothing listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    process = start_ray_sweep(tmp_path / "runs", data_root, f"127.0.0.1:{port}", ray_env)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2 and f"no Ray head answers at 127.0.0.1:{port}" in stderr, stderr[-3000:]
    assert "Traceback" not in stderr
    assert time.monotonic() - started < 60, "not Ray's minutes of retrying"


# ---- without a cluster -------------------------------------------------------------------------------------

def test_without_ray_the_ray_executor_is_one_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as if it were not installed
    data_root = tmp_path / "data"
    write_cifar10(data_root / "cifar10" / "cifar-10-batches-py", images_per_batch=4)
    args = sweep_args(tmp_path / "runs", data_root)
    assert main([*args, "--executor", "ray"]) == 2
    assert "--executor ray needs Ray, which is not installed here: pip install 'dnas-harness[ray]'" in \
        capsys.readouterr().err
    assert not (tmp_path / "runs").exists()

    assert main([*args, "--executor", "ray", "--gpus-per-run", "0.25", "--dry-run"]) == 0, "a dry run needs no Ray"
    assert "would run with a Ray started here, 1 CPU + 0.25 GPU and 1 torch thread per run on CUDA" in \
        capsys.readouterr().out


@pytest.mark.parametrize("extra, message", [
    (["--executor", "ray", "--gpus-per-run", "2"], "--gpus-per-run takes a share of one GPU between 0 and 1"),
    (["--executor", "ray", "--cpus-per-run", "0"], "--cpus-per-run must be an integer of at least 1"),
    (["--executor", "ray", "--device", "cuda"], "--device cuda with --executor ray needs --gpus-per-run"),
    (["--executor", "ray", "--device", "cuda:1", "--gpus-per-run", "1"], "Ray assigns the GPUs"),
    (["--executor", "ray", "--device", "cpu", "--gpus-per-run", "0.5"], "--device cpu with --gpus-per-run 0.5"),
    (["--executor", "ray", "--workers", "2"], "--workers is an option of the local executor"),
    (["--executor", "ray", "--address", "ray://head:10001"], "Ray Client addresses are not supported"),
    (["--address", "auto"], "--address is an option of --executor ray"),
    (["--gpus-per-run", "0.5"], "--gpus-per-run is an option of --executor ray"),
])
def test_executor_options_that_do_not_fit_are_one_message(tmp_path, capsys, extra, message):
    assert main([*sweep_args(tmp_path / "runs", tmp_path / "data"), "--dry-run", *extra]) == 2
    assert message in capsys.readouterr().err


def test_a_retry_waits_for_the_lock_of_its_dead_try_but_not_for_ever(tmp_path, monkeypatch):

    monkeypatch.setattr(ray_task, "LOCK_POLL_SECONDS", 0.05)
    run_path = tmp_path / "seed-0"
    held, release = threading.Event(), threading.Event()

    def hold():  # another open file description: flock conflicts as with another process
        with run_lock(run_path):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    threading.Timer(1.0, release.set).start()
    started = time.monotonic()
    ray_task._wait_for_stale_lock(run_path)
    waited = time.monotonic() - started
    holder.join()
    assert 0.9 < waited < ray_task.STALE_LOCK_SECONDS, waited

    monkeypatch.setattr(ray_task, "STALE_LOCK_SECONDS", 0.5)
    held.clear()
    release.clear()
    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    started = time.monotonic()
    ray_task._wait_for_stale_lock(run_path)  # gives up: run_planned then reports the run busy
    waited = time.monotonic() - started
    release.set()
    holder.join()
    assert 0.5 <= waited < 2.0, waited


def test_a_node_with_other_code_is_named():
    here = ray_task.code_identity()
    assert ray_task._code_difference(here) is None
    assert ray_task._code_difference({**here, "torch": "1.0.0"}) == f"torch {here['torch']} here, 1.0.0 on the driver"
    assert ray_task._code_difference({**here, "git revision": None}) is None, "unknown on the driver: not compared"
