"""`harness sweep`: every combination of methods x spaces x datasets x epochs x grid values x
seeds, one run directory each, run by the local executor or on Ray (harness/sweep/)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from harness.data.fetch import downloads_allowed, ensure_downloaded
from harness.data.registry import dataset_source
from harness.oracle_access import load_oracle_if_present
from harness.output_paths import writable_directory
from harness.paths import data_dir
from harness.sweep.evaluations import check_evaluations, evaluation_plan
from harness.sweep.executor import ExecutorOptions, execute, runs_to_do
from harness.sweep.grid import parse_grid
from harness.sweep.listing import outcome_summary, plan_table, status_counts
from harness.sweep.plan import expand_plan
from harness.sweep.ray_executor import INTERRUPT_NOTE as RAY_INTERRUPT_NOTE
from harness.sweep.ray_executor import RayOptions, check_address, execute_on_ray, import_ray
from harness.sweep.ray_resources import ray_run_resources
from harness.sweep.resources import default_threads, default_workers, worker_devices
from harness.sweep.settings import SweepSettings, epoch_counts, integer_at_least, names
from harness.sweep.status import run_status
from harness.sweep.sweep_file import read_sweep_file
from methods.components.precision import require_device_runs
from spaces.errors import BenchmarkFileError, ConfigError

DEFAULT_EVALUATION_OUT = "evaluations"  # as `harness evaluate --out`

EXAMPLE = """examples:
  harness sweep --methods darts,amended --spaces nb201 --seeds 4 --epochs 50,100 \\
                --grid amended:amended.eta=0,0.001,0.1 --preset quick --out runs
  harness sweep --file collapse.yaml --dry-run
  harness sweep --file collapse.yaml --executor ray --address auto --gpus-per-run 0.25 --out /shared/runs

--grid KEY=V1,V2 varies KEY for every method of the sweep (every component section is in every
config, so a method that does not use the component runs once per value, identically in effect);
--grid METHOD:KEY=V1,V2 varies it for that method only. Values parse like --set (JSON, else a
string). A sweep file (YAML or TOML) takes the same keys: methods, spaces, datasets, seeds,
seed_offset, epochs, grid, preset, set, out, workers, evaluate, evaluate_out; flags given on the
command line replace the file's keys. --evaluate PRESET trains each complete search's final
architecture from scratch after the searches (records as `harness evaluate`). A run whose loss
becomes NaN or infinite is marked failed and the sweep goes on; the exit code is 0 when every run
ended (complete or failed), 2 when a run hit an error.

--executor ray runs each run as a Ray task (pip install 'dnas-harness[ray]'): on a Ray started
here, or on a cluster with --address auto|HOST:PORT; --out and the data directory must then be
on storage every node sees, at the same path (README, "Running on a cluster"). A task whose worker dies is
retried and resumes from its last checkpoint. Evaluations run on the same executor."""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "sweep", help="run every combination of methods, datasets, epochs, grid values and seeds",
        epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", default=None, help="sweep file, .yaml/.yml or .toml (keys as the flags)")
    parser.add_argument("--methods", default=None, help="comma-separated method names, or all")
    parser.add_argument("--spaces", default=None, help="comma-separated search spaces, e.g. nb201")
    parser.add_argument("--datasets", default=None, help="comma-separated search datasets (default cifar10)")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per combination, run as 0..K-1 (default 1)")
    parser.add_argument("--seed-offset", type=int, default=None, help="first seed (default 0)")
    parser.add_argument("--epochs", default=None, help="comma-separated epoch counts (default: the method's)")
    parser.add_argument("--grid", action="append", default=None, metavar="[METHOD:]KEY=V1,V2",
                        help="sweep a config value (repeatable; see below)")
    parser.add_argument("--preset", default=None, help="paper (default) or quick (CPU scale)")
    parser.add_argument("--set", dest="assignments", action="append", default=None, metavar="KEY=VALUE",
                        help="override a config value in every run (repeatable)")
    parser.add_argument("--out", default=None, help="root of the run directories (default ./runs)")
    parser.add_argument("--workers", type=int, default=None,
                        help="runs at once (default: one per CUDA device, else one per CPU core); local executor")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads per run (default cores // workers, with ray --cpus-per-run); "
                             "CPU records depend on it")
    parser.add_argument("--executor", choices=("local", "ray"), default="local",
                        help="local: worker processes on this machine (default); ray: Ray tasks")
    parser.add_argument("--address", default=None,
                        help="ray: the cluster, auto (the one `ray start` made, or $RAY_ADDRESS) or HOST:PORT "
                             "(default: start a Ray on this machine for the sweep)")
    parser.add_argument("--cpus-per-run", type=int, default=None, help="ray: CPUs Ray reserves per run (default 1)")
    parser.add_argument("--gpus-per-run", type=float, default=None,
                        help="ray: share of a GPU per run, 0 to 1; 0.25 puts four runs on one GPU (default 0)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda (every GPU) or cuda:N (default auto)")
    parser.add_argument("--data-dir", default=None, help="benchmarks and datasets (default $HARNESS_DATA)")
    parser.add_argument("--evaluate", default=None, metavar="PRESET",
                        help="after the searches, train each complete search's final architecture from scratch "
                             "with this evaluation preset (paper, cpu, quick; see `harness evaluate`)")
    parser.add_argument("--evaluate-out", default=None, metavar="DIR",
                        help="root of those evaluation records (default ./evaluations)")
    parser.add_argument("--retry-failed", action="store_true", help="start runs marked failed over again")
    parser.add_argument("--dry-run", action="store_true", help="list the runs and their status, run nothing")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--no-download", action="store_true",
                        help="never download a missing dataset (also: HARNESS_NO_DOWNLOAD=1)")
    parser.set_defaults(func=run, interrupt_note="finished epochs are saved; start the same sweep again to resume "
                                                "(complete runs are skipped, partial ones continue)")


def run(args) -> int:
    settings = settings_from_flags(args)
    if args.file is not None:
        settings = read_sweep_file(Path(args.file)).overridden_by(settings)
    spec = settings.spec()
    plan = expand_plan(spec)
    if settings.evaluate is not None:
        check_evaluations(plan, settings.evaluate)
    evaluate_out = Path(settings.evaluate_out or DEFAULT_EVALUATION_OUT)
    statuses = [run_status(planned.run_dir) for planned in plan]
    executor = _RayExecutor(args) if args.executor == "ray" else _LocalExecutor(args, settings)
    if args.dry_run:
        print(plan_table(plan, statuses))
        print(f"\n{status_counts(statuses, args.retry_failed)}; would run with {executor.resources}; records in "
              f"{spec.out}")
        if settings.evaluate is not None:
            evaluations = evaluation_plan(plan, settings.evaluate, evaluate_out)
            print(f"then evaluations ({settings.evaluate} preset) of every complete search, in {evaluate_out}; of "
                  f"the searches complete now: {status_counts([run_status(e.run_dir) for e in evaluations], False)}")
        return 0
    executor.check_installed()
    root = data_dir(args.data_dir)
    todo = [plan[index] for index in runs_to_do(statuses, args.retry_failed)]
    for dataset in sorted({planned.config["dataset"] for planned in todo}):
        ensure_downloaded(dataset, root, downloads_allowed(args.no_download),
                          log=lambda message: print(message, file=sys.stderr), progress=not args.no_progress)
        _check_dataset_files(dataset, root)
    for space in sorted({planned.config["space"] for planned in todo}):
        load_oracle_if_present(space, root, log=lambda message: print(message, file=sys.stderr))
    executor.check_devices_run({planned.config["precision"] for planned in todo})
    writable_directory(Path(spec.out), "--out")
    print(f"{status_counts(statuses, args.retry_failed)}; {executor.resources}; each run logs to run.log in its "
          f"directory under {spec.out}", file=sys.stderr)
    outcome = executor.execute(plan, statuses, root)
    print(outcome_summary(outcome, len(plan), spec.out))
    errors = bool(outcome.errors)
    if settings.evaluate is not None and not outcome.interrupted:
        errors |= _evaluate_searches(plan, settings.evaluate, evaluate_out, executor, root, args.retry_failed)
    return 2 if errors else 0


def _evaluate_searches(plan, preset: str, out: Path, executor, root: Path, retry_failed: bool) -> bool:
    """The evaluation phase (harness/sweep/evaluations.py); True when an evaluation hit an error."""
    evaluations = evaluation_plan(plan, preset, out)
    if not evaluations:
        print("evaluations: no complete search to evaluate")
        return False
    for dataset in sorted({planned.config["dataset"] for planned in evaluations}):
        _check_dataset_files(dataset, root)
    writable_directory(out, "--evaluate-out")
    statuses = [run_status(planned.run_dir) for planned in evaluations]
    print(f"evaluations ({preset} preset): {status_counts(statuses, retry_failed)}", file=sys.stderr)
    outcome = executor.execute(evaluations, statuses, root)
    print("evaluations " + outcome_summary(outcome, len(evaluations), out))
    return bool(outcome.errors)


class _LocalExecutor:
    """Worker processes on this machine (harness/sweep/executor.py)."""

    def __init__(self, args, settings: SweepSettings):
        for flag, value in (("--address", args.address), ("--cpus-per-run", args.cpus_per_run),
                            ("--gpus-per-run", args.gpus_per_run)):
            if value is not None:
                raise ConfigError(f"{flag} is an option of --executor ray")
        self.args = args
        self.devices = worker_devices(args.device)
        self.workers = settings.workers or default_workers(self.devices)
        self.threads = (integer_at_least(args.threads, 1, "--threads") if args.threads is not None
                        else default_threads(self.workers))
        self.resources = (f"{self.workers} worker{'s' if self.workers > 1 else ''} x {self.threads} torch "
                          f"thread{'s' if self.threads > 1 else ''} on {', '.join(self.devices)}")

    def check_installed(self) -> None:
        pass

    def check_devices_run(self, precisions: set[str]) -> None:
        for precision in sorted(precisions):
            for device in self.devices:
                require_device_runs(precision, torch.device(device))

    def execute(self, plan, statuses, root: Path):
        options = ExecutorOptions(self.workers, self.threads, self.devices, root, self.args.retry_failed,
                                  show_progress=not self.args.no_progress)
        return execute(plan, statuses, options)


class _RayExecutor:
    """Ray tasks, on a Ray started here or on a cluster (harness/sweep/ray_executor.py)."""

    def __init__(self, args):
        if args.workers is not None:
            raise ConfigError("--workers is an option of the local executor; with --executor ray the cluster's "
                              "CPUs and GPUs and --cpus-per-run / --gpus-per-run decide how many runs go at once")
        if args.address is not None:
            check_address(args.address)
        self.args = args
        self.run_resources = ray_run_resources(args.cpus_per_run, args.gpus_per_run, args.threads, args.device)
        where = f"Ray at {args.address}" if args.address else "a Ray started here"
        self.resources = f"{where}, {self.run_resources.describe()}"
        args.interrupt_note = RAY_INTERRUPT_NOTE

    def check_installed(self) -> None:
        import_ray()  # before any check that takes time: a missing extra is one message

    def check_devices_run(self, precisions: set[str]) -> None:
        pass  # the cluster's devices are known only inside each task, where run_seed checks them

    def execute(self, plan, statuses, root: Path):
        options = RayOptions(self.args.address, self.run_resources, root, self.args.retry_failed,
                             show_progress=not self.args.no_progress)
        return execute_on_ray(plan, statuses, options)


def settings_from_flags(args) -> SweepSettings:
    """The flags the user gave (None for the others, so a sweep file's keys stay)."""
    given = {
        "methods": names(args.methods, "--methods") if args.methods is not None else None,
        "spaces": names(args.spaces, "--spaces") if args.spaces is not None else None,
        "datasets": names(args.datasets, "--datasets") if args.datasets is not None else None,
        "seeds": integer_at_least(args.seeds, 1, "--seeds") if args.seeds is not None else None,
        "seed_offset": integer_at_least(args.seed_offset, 0, "--seed-offset") if args.seed_offset is not None else None,
        "epochs": epoch_counts(args.epochs, "--epochs") if args.epochs is not None else None,
        "grid": tuple(parse_grid(text) for text in args.grid) if args.grid is not None else None,
        "preset": args.preset,
        "assignments": tuple(args.assignments) if args.assignments is not None else None,
        "out": args.out,
        "workers": integer_at_least(args.workers, 1, "--workers") if args.workers is not None else None,
        "evaluate": args.evaluate,
        "evaluate_out": args.evaluate_out,
    }
    return SweepSettings(**given)


def _check_dataset_files(name: str, root: Path) -> None:
    """Before starting workers: a missing dataset is one message, not one error per run."""
    source = dataset_source(name)
    directory = source.path(root)
    if not directory.is_dir() or source.missing_files(root):
        remedy = (f"run `{source.download_command}`" if source.download_command
                  else source.obtain_by_hand.format(directory=directory))
        raise BenchmarkFileError(f"dataset {name}: {directory} is missing or incomplete; {remedy}.")
