"""The worker side of the local executor: a process that runs one planned run at a time.

A worker is set up once (`initialize`, the pool's per-process hook): its torch thread
count, its device, and caches of the image sets and oracles it loads, so a dataset is read
once per worker, not once per run. Each run writes its messages (and anything printed
while it runs) to run.log in its run directory, appended across resumes.
"""

from __future__ import annotations

import os
import signal
import time
import traceback
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from harness.data.registry import load_dataset
from harness.oracle_access import load_oracle_if_present
from harness.evaluation.trainer import evaluate_seed
from harness.runner import run_seed
from harness.sweep.status import COMPLETE, FAILED
from spaces.errors import UserError

RUN_LOG = "run.log"
ERROR, INTERRUPTED, NOT_STARTED = "error", "interrupted", "not started"


@dataclass(frozen=True)
class RunOutcome:
    index: int  # position in the plan
    state: str  # COMPLETE | FAILED | ERROR | INTERRUPTED | NOT_STARTED
    message: str | None = None  # the failure's epoch and reason, or the error


@dataclass
class _Worker:
    device: torch.device
    data_root: Path
    messages: Any  # queue to the parent: ("worker", pid) once, ("epoch", run index, epochs done) per epoch
    stop: Any  # event the parent sets when the sweep stops: queued runs then do not start
    image_sets: dict[str, Any] = field(default_factory=dict)
    oracles: dict[str, Any] = field(default_factory=dict)

    def image_set(self, name: str, log):
        if name not in self.image_sets:
            log(f"loading dataset {name} from {self.data_root} (once per worker process {os.getpid()})")
            self.image_sets[name] = load_dataset(name, self.data_root)
        return self.image_sets[name]

    def oracle(self, space: str, log):
        if space not in self.oracles:
            self.oracles[space] = load_oracle_if_present(space, self.data_root, log)
        return self.oracles[space]


# This process's worker state. A module global because the pool's initializer is the only
# per-process hook and the run function must find what it set up.
_worker: _Worker | None = None


def initialize(devices, threads: int, data_root: Path, messages, stop) -> None:
    global _worker
    # Idle workers ignore Ctrl-C (the parent decides); a running run takes it (see run_planned).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(threads)
    device = torch.device(devices.get())  # each worker takes its own slot: one GPU per worker
    if device.type == "cuda":
        torch.cuda.set_device(device)
    _worker = _Worker(device, Path(data_root), messages, stop)
    messages.put(("worker", os.getpid()))


def run_planned(index: int, config: dict[str, Any], seed: int, out_root: Path, run_path: Path) -> RunOutcome:
    worker = _worker
    if worker.stop.is_set():
        return RunOutcome(index, NOT_STARTED)
    run_path = Path(run_path)
    run_path.mkdir(parents=True, exist_ok=True)
    # Appended, not written atomically: a log is read as it grows and a torn last line is harmless.
    with (run_path / RUN_LOG).open("a") as log_file, redirect_stdout(log_file), redirect_stderr(log_file):
        def log(message: str) -> None:
            print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}", file=log_file, flush=True)

        try:
            signal.signal(signal.SIGINT, _interrupt_once)
            evaluation = config.get("kind") == "evaluation"  # scheduled by `harness sweep --evaluate`
            log(f"start: {'evaluation' if evaluation else config['method']} on {config['space']}/"
                f"{config['dataset']}, seed {seed}, {config['epochs']} epochs; device {worker.device}, torch threads "
                f"{torch.get_num_threads()}, pid {os.getpid()}")
            on_epoch = lambda done: _send_uninterrupted(worker.messages, ("epoch", index, done))  # noqa: E731
            if evaluation:
                result = evaluate_seed(config, seed, Path(out_root), worker.device,
                                       worker.image_set(config["dataset"], log), show_progress=False, log=log,
                                       on_epoch=on_epoch)
            else:
                result = run_seed(config, seed, Path(out_root), worker.device, worker.image_set(config["dataset"], log),
                                  worker.oracle(config["space"], log), show_progress=False, log=log, on_epoch=on_epoch)
        except KeyboardInterrupt:
            log("interrupted; finished epochs are saved and the run resumes when the sweep is started again")
            return RunOutcome(index, INTERRUPTED)
        except UserError as error:
            log(f"error: {error}")
            return RunOutcome(index, ERROR, str(error))
        except Exception:
            log(f"crashed:\n{traceback.format_exc()}")
            raise  # a bug, not a user error: the parent stops the sweep and shows it
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        if result.failure is not None:
            message = f"epoch {result.failure['epoch']}, {result.failure['reason']}"
            log(f"failed: {message}")
            return RunOutcome(index, FAILED, message)
        log("complete" + (" (already)" if result.already_complete else ""))
        return RunOutcome(index, COMPLETE)


def _send_uninterrupted(messages, message) -> None:
    """Queue.put with Ctrl-C held back until it returns.

    A KeyboardInterrupt inside put can leave the queue's feeder thread waiting for a
    notification that never comes, and the worker then hangs at exit (seen in the Ctrl-C
    test: the signal arrives right after a checkpoint, which is when put runs).
    """
    held_back = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: held_back.append(signum))
    try:
        messages.put(message)
    finally:
        signal.signal(signal.SIGINT, previous)
    if held_back and callable(previous):
        previous(signal.SIGINT, None)  # deliver it now (_interrupt_once raises KeyboardInterrupt)


def _interrupt_once(signum, frame) -> None:
    # Ctrl-C reaches a worker twice (from the terminal, then forwarded by the parent): the
    # second must not interrupt the handling of the first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt
