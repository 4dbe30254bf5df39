"""`harness run`: search with one method on one space, for K seeds."""

from __future__ import annotations

import sys
from pathlib import Path

from harness.config import resolve_config
from harness.data.fetch import downloads_allowed, ensure_dataset
from harness.device import resolve_device
from harness.oracle_access import load_oracle_if_present
from harness.output_paths import writable_directory
from harness.paths import data_dir
from harness.runner import run_seed
from methods.components.precision import require_device_runs
from spaces.errors import ConfigError
from reports.seed_table import seed_table


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("run", help="run a search for K seeds and record every epoch")
    parser.add_argument("--method", required=True, help="method name (see `harness list methods`)")
    parser.add_argument("--space", required=True, help="search space (see `harness list spaces`)")
    parser.add_argument("--seeds", type=int, default=1, help="number of seeds, run as seeds 0..K-1 (default 1)")
    parser.add_argument("--seed-offset", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--dataset", default=None, help="search dataset (default cifar10)")
    parser.add_argument("--epochs", type=int, default=None, help="search epochs (default: the method's)")
    parser.add_argument("--preset", default="paper", help="paper (published defaults) or quick (CPU scale)")
    parser.add_argument("--out", default="runs", help="root of the run directories (default ./runs)")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda[:N] (default auto)")
    parser.add_argument("--data-dir", default=None, help="benchmarks and datasets (default $HARNESS_DATA)")
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                        help="override any config value, e.g. --set arch.lr=0.001 (repeatable)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--no-download", action="store_true",
                        help="never download a missing dataset (also: HARNESS_NO_DOWNLOAD=1)")
    parser.set_defaults(func=run, interrupt_note="finished epochs are saved and the run resumes when started again")


def run(args) -> int:
    config = resolve_config(args.method, args.space, args.preset, args.dataset, args.epochs, args.assignments)
    if args.seeds < 1:
        raise ConfigError(f"--seeds must be at least 1, got {args.seeds}")
    if args.seed_offset < 0:
        raise ConfigError(f"--seed-offset must be >= 0 (seeds are non-negative integers), got {args.seed_offset}")
    device = resolve_device(args.device)
    require_device_runs(config["precision"], device)
    out_root = writable_directory(Path(args.out), "--out")
    root = data_dir(args.data_dir)
    image_set = ensure_dataset(config["dataset"], root, downloads_allowed(args.no_download),
                               log=lambda m: print(m, file=sys.stderr), progress=not args.no_progress)
    oracle = load_oracle_if_present(config["space"], root, log=lambda m: print(m, file=sys.stderr))
    estimate = args.preset == "paper" and device.type == "cpu"
    if estimate:
        print("note: the paper preset is a GPU-scale job; timing the first steps on this CPU to say how long "
              "it will take (use --preset quick for a CPU-scale run)", file=sys.stderr)
    finals = []
    for seed in range(args.seed_offset, args.seed_offset + args.seeds):
        result = run_seed(config, seed, out_root, device, image_set, oracle, show_progress=not args.no_progress,
                          estimate_duration=estimate and seed == args.seed_offset, log=lambda m: print(m, file=sys.stderr))
        if result.failure is not None:
            print(f"seed {seed}: failed at epoch {result.failure['epoch']}, {result.failure['reason']} -> "
                  f"{result.run_dir.path} (not retried; `harness sweep --retry-failed` starts it over)")
            continue
        state = "already complete" if result.already_complete else "done"
        print(f"seed {seed}: {state}, final architecture {result.rows[-1]['arch']} -> {result.run_dir.path}")
        finals.append(result.rows[-1])
    table = seed_table(f"{config['method']} ({config['epochs']} epochs)", finals) if oracle is not None else None
    if table is not None:
        print()
        print(table)
    print(f"\nrun records: {result.run_dir.path.parent}")
    return 0
