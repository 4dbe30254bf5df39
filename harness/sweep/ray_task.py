"""The task side of the Ray executor: one Ray task runs one planned run, through the local
executor's run function (worker.run_planned), so a run's files are the same as in a local sweep.

A Ray worker process is set up like a local worker (worker.initialize: torch threads, device,
dataset cache) by the first task of the sweep that lands in it; later tasks in the same
process reuse the loaded dataset. A retried task (Ray re-runs it when its worker process or
node died) calls the same function with the same arguments: run_seed finds the run's last
checkpoint and resumes from it, exactly as a restarted local sweep does.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

from harness.provenance import git_revision
from harness.run_lock import RunBusy, run_lock
from harness.sweep import worker

# harness choice: a retry may start while the dead attempt's lock still looks held. On a local
# filesystem the kernel drops it with the process; an NFSv4 server keeps a lost client's locks
# until the client's lease runs out (leases: RFC 7530; 90 s is the usual server default, Linux
# nfsd's /proc/fs/nfsd/nfsv4leasetime). A retry waits that long and a little more before it
# reports the run busy.
STALE_LOCK_SECONDS = 120.0
LOCK_POLL_SECONDS = 2.0  # harness choice: a lease ends on the server's clock, so polling faster gains nothing


@dataclass(frozen=True)
class TaskSetup:
    """What every task of a sweep gets from the driver besides its run."""

    threads: int  # torch threads, as --threads of a local sweep: CPU records depend on it
    device: str  # "cpu" or "cuda:0" (Ray shows a task only the GPU it assigned, as device 0)
    data_root: str  # absolute: a worker's working directory is not the driver's
    working_dir: str  # the driver's, for relative paths in a config (data.split_file)
    code: dict[str, str | None]  # code_identity() on the driver


def code_identity() -> dict[str, str | None]:
    """What must be the same on every node for runs to be those of one version (config.json provenance)."""
    try:
        version = metadata.version("dnas-harness")
    except metadata.PackageNotFoundError:
        version = None
    return {"dnas-harness": version, "torch": torch.__version__, "git revision": git_revision()}


class _OneDevice:
    """worker.initialize takes its device from a queue of device slots; Ray has already picked the GPU."""

    def __init__(self, name: str):
        self.name = name

    def get(self) -> str:
        return self.name


class _ToBoard:
    """worker's message queue, posting to the progress board without waiting (see ray_board.py)."""

    def __init__(self, board):
        self.board = board

    def put(self, message) -> None:
        self.board.post.remote(message)


class _Cancelled:
    """worker's stop event: a task cancelled before its run began does not begin it.

    ray.cancel raises KeyboardInterrupt in a running task through the SIGINT handler, which a
    worker ignores between runs (worker.initialize), so the flag covers that gap."""

    def is_set(self) -> bool:
        import ray

        return ray.get_runtime_context().is_canceled()


_prepared_for: TaskSetup | None = None  # the setup this process was initialised with


def run_task(index: int, config: dict[str, Any], seed: int, out_root: str, run_path: str, setup: TaskSetup,
             board) -> worker.RunOutcome:
    import ray

    different = _code_difference(setup.code)
    if different is not None:
        return worker.RunOutcome(index, worker.ERROR, f"the Ray node {ray.util.get_node_ip_address()} runs other "
                                                      f"code than the driver ({different}); install the same "
                                                      f"version on every node")
    if setup.device.startswith("cuda") and not torch.cuda.is_available():
        return worker.RunOutcome(index, worker.ERROR, f"Ray gave the run a GPU on node "
                                                      f"{ray.util.get_node_ip_address()}, but torch there sees no "
                                                      f"CUDA device (a CPU build of torch?)")
    _prepare_process(setup, board)
    attempt = _attempt_number()
    board.post.remote(("start", index, os.getpid(), ray.util.get_node_ip_address(), attempt))
    if attempt:
        _note_retry(Path(run_path), attempt, ray.util.get_node_ip_address())
        _wait_for_stale_lock(Path(run_path))
    return worker.run_planned(index, config, seed, Path(out_root), Path(run_path))


def _prepare_process(setup: TaskSetup, board) -> None:
    global _prepared_for
    if os.path.isdir(setup.working_dir):
        os.chdir(setup.working_dir)
    if _prepared_for != setup:
        worker.initialize(_OneDevice(setup.device), setup.threads, Path(setup.data_root), _ToBoard(board),
                          _Cancelled())
        _prepared_for = setup


def _attempt_number() -> int:
    """0 on the first try of this task, k on its k-th retry; 0 when this Ray does not tell.

    Ray has no public call for it; the core worker's (Ray 2.60) is read if present."""
    import ray

    core_worker = getattr(ray._private.worker.global_worker, "core_worker", None)
    read = getattr(core_worker, "get_current_task_attempt_number", None)
    return int(read()) if callable(read) else 0


def _note_retry(run_path: Path, attempt: int, node: str) -> None:
    run_path.mkdir(parents=True, exist_ok=True)
    with (run_path / worker.RUN_LOG).open("a") as log:  # appended, as worker.run_planned appends
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} ray: retry {attempt} on node {node}, pid {os.getpid()} (the "
              f"worker of the previous try died); resuming from the last checkpoint", file=log, flush=True)


def _wait_for_stale_lock(run_path: Path) -> None:
    """Until the run's lock is free or STALE_LOCK_SECONDS pass; then run_planned takes it (or reports it busy).

    The driver submits each run once, so on a retry the holder can only be the dead try (or
    another sweep over the same runs, which the message then names)."""
    deadline = time.monotonic() + STALE_LOCK_SECONDS
    while True:
        try:
            with run_lock(run_path):
                return
        except RunBusy:
            if time.monotonic() >= deadline:
                return
            time.sleep(LOCK_POLL_SECONDS)


def _code_difference(driver: dict[str, str | None]) -> str | None:
    here = code_identity()
    for key, theirs in driver.items():
        mine = here.get(key)
        if theirs is not None and mine is not None and theirs != mine:
            return f"{key} {mine} here, {theirs} on the driver"
    return None
