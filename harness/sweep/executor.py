"""The local executor: the runs of a sweep in a pool of worker processes on this machine.

Runs already complete are skipped, partial runs continue from their checkpoint, failed runs
(non-finite loss) are skipped unless `retry_failed`. A progress bar counts epochs over all
runs still to do (ETA), with finished runs in its description. Ctrl-C stops every run
(finished epochs are saved) and the next start resumes them; a run that fails or hits a
user error is reported and the sweep goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from harness.sweep import worker
from harness.sweep.plan import PlannedRun
from harness.sweep.status import COMPLETE, FAILED, NEW, PARTIAL, RunStatus, forget_failure
from spaces.errors import UserError

POLL_SECONDS = 0.5  # how often the parent reads epoch messages while runs are going


class WorkerDied(UserError):
    """A worker process ended without reporting (killed by the system, e.g. out of memory)."""


@dataclass(frozen=True)
class ExecutorOptions:
    workers: int
    threads: int  # torch threads per worker
    devices: tuple[str, ...]  # worker k runs on devices[k % len(devices)]
    data_root: Path
    retry_failed: bool = False
    show_progress: bool = True


@dataclass
class SweepOutcome:
    """What happened to each run of the plan, as (run, message) pairs where there is a message."""

    already_complete: list[PlannedRun] = field(default_factory=list)
    skipped_failed: list[tuple[PlannedRun, str]] = field(default_factory=list)  # failed before, not retried
    complete: list[PlannedRun] = field(default_factory=list)
    failed: list[tuple[PlannedRun, str]] = field(default_factory=list)
    errors: list[tuple[PlannedRun, str]] = field(default_factory=list)
    interrupted: list[PlannedRun] = field(default_factory=list)


def runs_to_do(statuses: list[RunStatus], retry_failed: bool) -> list[int]:
    wanted = (NEW, PARTIAL, FAILED) if retry_failed else (NEW, PARTIAL)
    return [index for index, status in enumerate(statuses) if status.state in wanted]


def execute(plan: list[PlannedRun], statuses: list[RunStatus], options: ExecutorOptions) -> SweepOutcome:
    outcome = SweepOutcome()
    todo = account_for_finished(plan, statuses, options.retry_failed, outcome)
    if todo:
        _Pool(plan, statuses, todo, options, outcome).run()
    return outcome


def account_for_finished(plan: list[PlannedRun], statuses: list[RunStatus], retry_failed: bool,
                         outcome: SweepOutcome) -> list[int]:
    """Records the runs that finished before (complete, failed) in `outcome`, makes failed runs new when
    they are retried, and returns the plan positions still to run (every executor starts so)."""
    todo = runs_to_do(statuses, retry_failed)
    for run, status in zip(plan, statuses):
        if status.state == COMPLETE:
            outcome.already_complete.append(run)
        elif status.state == FAILED and not retry_failed:
            outcome.skipped_failed.append((run, f"epoch {status.failure['epoch']}, {status.failure['reason']}"))
        elif status.state == FAILED:
            forget_failure(run.run_dir)
    return todo


class _Pool:
    """One execution: the process pool, the progress bar, and the bookkeeping between them."""

    def __init__(self, plan, statuses, todo, options: ExecutorOptions, outcome: SweepOutcome):
        self.plan, self.todo, self.options, self.outcome = plan, todo, options, outcome
        # Epochs already recorded by partial runs count as done; a failed run retried starts over.
        self.epochs_done = {i: statuses[i].epochs_done if statuses[i].state == PARTIAL else 0 for i in todo}
        self.worker_pids: set[int] = set()
        self.finished = 0

    def run(self) -> None:
        context = multiprocessing.get_context("spawn")  # fork would copy torch's threads and locks
        self.messages, self.stop, slots = context.Queue(), context.Event(), context.Queue()
        pool = ProcessPoolExecutor(self.options.workers, mp_context=context, initializer=worker.initialize,
                                   initargs=(slots, self.options.threads, self.options.data_root, self.messages,
                                             self.stop))
        self.bar = tqdm(total=sum(self.plan[i].config["epochs"] for i in self.todo),
                        initial=sum(self.epochs_done.values()), unit="epoch", dynamic_ncols=True,
                        disable=not self.options.show_progress, desc=self._description())
        finished_normally = False
        try:
            with _ctrl_c_ignored():
                for slot in range(self.options.workers):  # each worker takes one device slot as it starts
                    slots.put(self.options.devices[slot % len(self.options.devices)])
                futures = {pool.submit(worker.run_planned, index, self.plan[index].config, self.plan[index].seed,
                                       self.plan[index].out_root, self.plan[index].run_dir.path): index
                           for index in self.todo}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
                self._read_messages()
                for future in done:
                    self._record(futures[future], future)
            self._read_messages()
            finished_normally = True
        finally:
            if not finished_normally:
                self._stop_workers()
            pool.shutdown(wait=True, cancel_futures=True)
            self.bar.close()

    def _record(self, index: int, future) -> None:
        run = self.plan[index]
        error = future.exception()
        if isinstance(error, BrokenProcessPool):
            raise WorkerDied(f"a worker process died without reporting while running {run.label} (killed by the "
                             f"system? out of memory?); finished epochs are saved: start the sweep again to "
                             f"resume, with fewer --workers if memory is short") from None
        if error is not None and not isinstance(error, KeyboardInterrupt):
            raise error  # a bug in a run (its traceback is also in its run.log)
        result = future.result() if error is None else worker.RunOutcome(index, worker.INTERRUPTED)
        if result.state == COMPLETE:
            self.outcome.complete.append(run)
        elif result.state == FAILED:
            self.outcome.failed.append((run, result.message))
        elif result.state == worker.ERROR:
            self.outcome.errors.append((run, result.message))
        elif result.state == worker.INTERRUPTED:
            self.outcome.interrupted.append(run)
        if result.state in (COMPLETE, FAILED, worker.ERROR):
            # A run that ended early leaves no epochs to wait for: count them as done for the ETA.
            self._advance(index, run.config["epochs"])
            self.finished += 1
            self.bar.set_description(self._description(), refresh=True)

    def _read_messages(self) -> None:
        while True:
            try:
                message = self.messages.get_nowait()
            except queue.Empty:
                return
            if message[0] == "worker":
                self.worker_pids.add(message[1])
            elif message[0] == "epoch":
                self._advance(message[1], message[2])

    def _advance(self, index: int, epochs_done: int) -> None:
        # A resumed run may redo the epoch it had recorded but not checkpointed: count each epoch once.
        if epochs_done > self.epochs_done[index]:
            self.bar.update(epochs_done - self.epochs_done[index])
            self.epochs_done[index] = epochs_done

    def _stop_workers(self) -> None:
        """Runs not started stay unstarted; running ones get Ctrl-C (saved epochs stay, the rest is redone)."""
        self.stop.set()
        self._read_messages()
        for pid in self.worker_pids:
            try:
                os.kill(pid, signal.SIGINT)  # reaches workers that the terminal's Ctrl-C did not
            except ProcessLookupError:
                pass  # that worker has already exited

    def _description(self) -> str:
        failed = len(self.outcome.failed) + len(self.outcome.errors)
        return f"sweep {self.finished}/{len(self.todo)} runs" + (f", {failed} failed" if failed else "")


@contextmanager
def _ctrl_c_ignored():
    """For the few milliseconds of filling queues and spawning workers (inside submit()).

    A KeyboardInterrupt inside a multiprocessing Queue.put can leave its feeder thread waiting
    forever, and the process then hangs at exit. And an ignored SIGINT survives exec: workers
    start with Ctrl-C ignored, so one still importing cannot be killed by it (a broken pool);
    each run takes Ctrl-C while it runs (worker.run_planned). A Ctrl-C in this window is lost."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
