"""The Ray executor: the runs of a sweep as Ray tasks on a cluster (or a Ray started here).

One task per run, each calling the local executor's run function (ray_task.py), so run
directories, records and run.log are those of a local sweep. They must live where every node
sees them: --out (and the data directory) on a shared filesystem, at the same path.

Faults. A task whose worker process or node dies (SIGKILL, out of memory, node lost) is
retried by Ray (max_retries: system failures only) and the retry resumes from the run's last
checkpoint, so the records end as an uninterrupted run's. A run that fails as a run is not
retried (retry_exceptions=False; a non-finite loss or a user error is a normal result of the
task anyway) and is reported as the local executor reports it; a bug stops the sweep.

One writer per run directory comes from the scheduling, not from the lock: the driver submits
each run once (plan.py refuses a sweep that lists a run twice), and Ray runs a task again only
after it has seen the previous try's worker die. The run lock stays as the local guard (flock
is not reliable on every network filesystem), and a retry waits for a lock that the dead try
may still seem to hold (ray_task.py).

Ctrl-C cancels the tasks (ray.cancel): queued runs do not start, running ones stop as a local
run stops on Ctrl-C (finished epochs are saved) and resume when the sweep is started again.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from harness.sweep import worker
from harness.sweep.executor import SweepOutcome, account_for_finished
from harness.sweep.plan import PlannedRun
from harness.sweep.ray_board import ProgressBoard
from harness.sweep.ray_resources import RayRunResources
from harness.sweep.ray_task import TaskSetup, code_identity, run_task
from harness.sweep.resources import usable_cores
from harness.sweep.status import COMPLETE, FAILED, PARTIAL, RunStatus
from spaces.errors import ConfigError

# Ray's own default for tasks (ray/_private/ray_constants.py DEFAULT_TASK_MAX_RETRIES = 3; Ray docs,
# "Task Fault Tolerance"): a run survives three dead workers, and a fourth death is reported.
MAX_RETRIES = 3
POLL_SECONDS = 0.5  # how often the driver reads the progress board while runs are going
CANCEL_GRACE_SECONDS = 30.0  # harness choice: a run stops within a step of its KeyboardInterrupt; then force
CONNECT_TIMEOUT_SECONDS = 10.0  # harness choice: Ray itself retries an unreachable head for many minutes
LOCAL_ADDRESS = "127.0.0.1"  # harness choice: a Ray this command starts ends with it; no node joins it
RAY_INSTALL = "pip install 'dnas-harness[ray]'"
INTERRUPT_NOTE = ("the Ray tasks were cancelled and finished epochs are saved; start the same sweep again to "
                  "resume (complete runs are skipped, partial ones continue)")


@dataclass(frozen=True)
class RayOptions:
    address: str | None  # None: start a local Ray; "auto" or HOST:PORT: connect
    resources: RayRunResources
    data_root: Path
    retry_failed: bool = False
    show_progress: bool = True
    max_retries: int = MAX_RETRIES


def import_ray():
    try:
        import ray
    except ImportError:
        raise ConfigError(f"--executor ray needs Ray, which is not installed here: {RAY_INSTALL} (on every node "
                          f"of the cluster, with the same versions)") from None
    return ray


def execute_on_ray(plan: list[PlannedRun], statuses: list[RunStatus], options: RayOptions) -> SweepOutcome:
    outcome = SweepOutcome()
    todo = account_for_finished(plan, statuses, options.retry_failed, outcome)
    if todo:
        with connected(options) as ray:
            _check_some_node_fits(ray, options)
            _RaySweep(ray, plan, statuses, todo, options, outcome).run()
    return outcome


@contextmanager
def connected(options: RayOptions):
    """This process as the driver of a Ray job, for the block; a Ray it started is stopped after it."""
    ray = import_ray()
    settings = {"log_to_driver": False, "logging_level": logging.WARNING}  # run output goes to run.log
    if options.address is None:
        ray.init(address="local", num_cpus=usable_cores(), include_dashboard=False,
                 _node_ip_address=LOCAL_ADDRESS, **settings)
    else:
        check_address(options.address)
        _check_reachable(ray, options.address)
        try:
            ray.init(address=options.address, **settings)
        except ConnectionError as error:
            raise ConfigError(f"--address {options.address}: {error}") from None
    try:
        print(f"ray: {_cluster_summary(ray, options.address)}", file=sys.stderr)
        yield ray
    finally:
        ray.shutdown()


def check_address(address: str) -> None:
    if address.startswith("ray://"):
        # Ray Client: the sweep would end whenever the client's connection drops (the driver owns the tasks).
        raise ConfigError(f"--address {address}: Ray Client addresses are not supported; run the sweep on a node "
                          f"of the cluster with --address auto (or the head's HOST:PORT)")


def _check_reachable(ray, address: str) -> None:
    """One message when nothing answers at the address (ray.init would retry for many minutes)."""
    try:
        from ray._private.services import canonicalize_bootstrap_address  # how ray.init reads the address
    except ImportError:
        canonicalize_bootstrap_address = None
    try:
        resolved = canonicalize_bootstrap_address(address) if canonicalize_bootstrap_address else address
    except (ConnectionError, ValueError) as error:
        raise ConfigError(f"--address {address}: {error}") from None
    if resolved is None or ":" not in resolved:
        return  # "auto" found nothing to check; ray.init says so
    host, _, port = resolved.rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_SECONDS).close()
    except (OSError, ValueError) as error:
        raise ConfigError(f"--address {address}: no Ray head answers at {resolved} ({error}); start it with "
                          f"`ray start --head` there, or give the address it printed") from None


def _cluster_summary(ray, address: str | None) -> str:
    nodes = [node for node in ray.nodes() if node.get("Alive")]
    cpus = sum(node["Resources"].get("CPU", 0) for node in nodes)
    gpus = sum(node["Resources"].get("GPU", 0) for node in nodes)
    where = "a local Ray started for this sweep" if address is None else f"the cluster at {address}"
    return (f"{where}: {len(nodes)} node{'s' if len(nodes) != 1 else ''}, {cpus:g} CPUs"
            + (f", {gpus:g} GPUs" if gpus else ""))


def _check_some_node_fits(ray, options: RayOptions) -> None:
    """Ray leaves a task that no node can hold pending forever: say so before submitting."""
    wanted = options.resources
    nodes = [node["Resources"] for node in ray.nodes() if node.get("Alive")]
    if any(node.get("CPU", 0) >= wanted.cpus and node.get("GPU", 0) >= wanted.gpus for node in nodes):
        return
    sizes = ", ".join(f"{node.get('CPU', 0):g} CPUs/{node.get('GPU', 0):g} GPUs" for node in nodes) or "none"
    need = f"{wanted.cpus} CPU{'s' if wanted.cpus > 1 else ''}" + (f" and {wanted.gpus:g} GPU" if wanted.gpus
                                                                   else "")
    message = f"no node of the Ray cluster has {need} for one run (nodes: {sizes})"
    if options.address is None:
        raise ConfigError(f"{message}; lower --cpus-per-run or --gpus-per-run")
    print(f"ray: warning: {message}; the runs wait until such a node joins (Ctrl-C stops)", file=sys.stderr)


class _RaySweep:
    """One execution: the tasks, the progress bar, and the bookkeeping between them."""

    def __init__(self, ray, plan, statuses, todo, options: RayOptions, outcome: SweepOutcome):
        self.ray, self.plan, self.todo, self.options, self.outcome = ray, plan, todo, options, outcome
        # Epochs already recorded by partial runs count as done; a failed run retried starts over.
        self.epochs_done = {i: statuses[i].epochs_done if statuses[i].state == PARTIAL else 0 for i in todo}
        self.running: set[int] = set()
        self.ended: set[int] = set()  # a task's result can arrive before its "start" event
        self.retried: dict[int, int] = {}  # run index -> retries so far
        self.finished = 0

    def run(self) -> None:
        ray = self.ray
        self.board = ray.remote(num_cpus=0)(ProgressBoard).remote()  # takes no CPU from the runs
        self.bar = tqdm(total=sum(self.plan[i].config["epochs"] for i in self.todo),
                        initial=sum(self.epochs_done.values()), unit="epoch", dynamic_ncols=True,
                        disable=not self.options.show_progress, desc=self._description())
        self.shown = self._description()
        refs, pending = {}, []
        try:
            task, setup = self._task()
            for index in self.todo:
                run = self.plan[index]
                # Absolute paths: a worker's working directory is not the driver's.
                ref = task.remote(index, run.config, run.seed, str(Path(run.out_root).resolve()),
                                  str(run.run_dir.path.resolve()), setup, self.board)
                refs[ref] = index
                pending.append(ref)
            while pending:
                ready, pending = ray.wait(pending, num_returns=1, timeout=POLL_SECONDS)
                self._read_board()
                for ref in ready:
                    self._record(refs[ref], ref)
            self._read_board()
        except BaseException:  # Ctrl-C, or a bug in a run: the other runs stop too, their epochs saved
            self._cancel(pending)
            raise
        finally:
            self.bar.close()

    def _task(self):
        """The remote run function with this sweep's resources, and what every task gets besides its run."""
        ray, resources = self.ray, self.options.resources
        # Ray keeps no process of a GPU task for the next one (its own default when ray.remote asks for
        # GPUs, ray/remote_function.py), so a run's CUDA memory is gone before another run gets that share.
        task = ray.remote(max_calls=1)(run_task) if resources.gpus else ray.remote(run_task)
        task = task.options(num_cpus=resources.cpus, num_gpus=resources.gpus, max_retries=self.options.max_retries,
                            retry_exceptions=False)
        setup = TaskSetup(resources.threads, resources.device, str(self.options.data_root.resolve()),
                          os.getcwd(), code_identity())
        return task, setup

    def _record(self, index: int, ref) -> None:
        ray, run = self.ray, self.plan[index]
        self.running.discard(index)
        self.ended.add(index)
        try:
            result = ray.get(ref)
        except ray.exceptions.TaskCancelledError:
            result = worker.RunOutcome(index, worker.INTERRUPTED)
        except ray.exceptions.RayTaskError:
            raise  # a bug in a run (its traceback is also in its run.log)
        except ray.exceptions.RayError as error:
            # A system failure (a dead worker or node) that outlasted the retries: reported like a user
            # error, and the sweep goes on.
            first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
            tries = self.options.max_retries + 1
            result = worker.RunOutcome(index, worker.ERROR, (
                f"Ray lost its task {'on the first try' if tries == 1 else f'{tries} times'} "
                f"({type(error).__name__}: {first_line}); finished epochs are saved: start the sweep again to "
                f"resume (with more memory per run if the system killed it for memory)"))
        if result.state == COMPLETE:
            self.outcome.complete.append(run)
        elif result.state == FAILED:
            self.outcome.failed.append((run, result.message))
        elif result.state == worker.ERROR:
            self.outcome.errors.append((run, result.message))
        else:  # INTERRUPTED, NOT_STARTED
            self.outcome.interrupted.append(run)
        if result.state in (COMPLETE, FAILED, worker.ERROR):
            # A run that ended early leaves no epochs to wait for: count them as done for the ETA.
            self._advance(index, run.config["epochs"])
            self.finished += 1
        self._describe()

    def _read_board(self) -> None:
        if self.board is None:
            return
        try:
            events = self.ray.get(self.board.take.remote(), timeout=CONNECT_TIMEOUT_SECONDS)
        except self.ray.exceptions.GetTimeoutError:
            return  # a busy head: the events wait for the next poll
        except self.ray.exceptions.RayError:  # the board's node is gone: runs go on, only the bar stops moving
            self.board = None
            _note("ray: lost the progress board; the sweep goes on, the bar counts finished runs only")
            return
        for event in events:
            if event[0] == "start":
                _, index, pid, node, attempt = event
                if index not in self.ended:
                    self.running.add(index)
                if attempt:
                    self.retried[index] = attempt
                    _note(f"ray: {self.plan[index].label}: its worker died; retry {attempt} of "
                          f"{self.options.max_retries} on {node} resumes from the last checkpoint")
            elif event[0] == "epoch":
                self._advance(event[1], event[2])
        self._describe()

    def _advance(self, index: int, epochs_done: int) -> None:
        # A resumed run may redo the epoch it had recorded but not checkpointed: count each epoch once.
        if epochs_done > self.epochs_done[index]:
            self.bar.update(epochs_done - self.epochs_done[index])
            self.epochs_done[index] = epochs_done

    def _cancel(self, pending: list) -> None:
        """Queued runs never start; running ones get KeyboardInterrupt (finished epochs stay, the rest is
        redone); a run that has not stopped after CANCEL_GRACE_SECONDS has its worker killed."""
        if not pending:
            return
        _note(f"ray: cancelling {len(pending)} run{'s' if len(pending) > 1 else ''}; the ones going save their "
              f"finished epochs")
        for ref in pending:
            self.ray.cancel(ref)
        _, stuck = self.ray.wait(pending, num_returns=len(pending), timeout=CANCEL_GRACE_SECONDS)
        for ref in stuck:
            self.ray.cancel(ref, force=True)

    def _description(self) -> str:
        failed = len(self.outcome.failed) + len(self.outcome.errors)
        parts = [f"sweep {self.finished}/{len(self.todo)} runs", f"{len(self.running)} running"]
        if failed:
            parts.append(f"{failed} failed")
        if self.retried:
            parts.append(f"{len(self.retried)} retried")
        return ", ".join(parts)

    def _describe(self) -> None:
        description = self._description()
        if description != self.shown:  # a refresh per poll would print the bar twice a second
            self.bar.set_description(description, refresh=True)
            self.shown = description


def _note(message: str) -> None:
    tqdm.write(message, file=sys.stderr)  # above the bar, on the stream the bar and the notes use
