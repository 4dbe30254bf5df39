"""`harness evaluate`: train architectures from scratch (the papers' final evaluation) and record it.

    harness evaluate RUN_DIR...                the architecture each complete search run returns
    harness evaluate --space S --arch TEXT     one architecture given as text
Records: evaluations/<space>/<dataset>/<arch-hash>/<config-hash>/seed-<k>/ (harness/evaluation/records.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness.data.registry import load_dataset
from harness.device import resolve_device
from harness.evaluation.plan import evaluation_config, unique_configs
from harness.evaluation.protocols import EVALUATION_DATASETS, PRESETS
from harness.evaluation.records import arch_hash
from harness.evaluation.sources import ArchSource, from_search_runs
from harness.evaluation.trainer import evaluate_seed
from harness.output_paths import writable_directory
from harness.paths import data_dir
from harness.selection import SELECTIONS
from reports.markdown import markdown_table
from reports.statistics import format_mean_std
from spaces.errors import ConfigError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("evaluate", help="train architectures from scratch (final evaluation) for K seeds")
    parser.add_argument("runs", nargs="*", metavar="RUN_DIR",
                        help="search run directories, or directories holding them: each complete run's architecture")
    parser.add_argument("--select", choices=SELECTIONS, default="final",
                        help="which epoch's architecture a search run returns (default final; best-val: its epoch "
                             "of best supernet validation accuracy)")
    parser.add_argument("--space", default=None, help="with --arch: the architecture's space")
    parser.add_argument("--arch", default=None, help="an architecture of --space as text (its canonical string)")
    parser.add_argument("--dataset", default=None,
                        help=f"train on {', '.join(EVALUATION_DATASETS)} (default: the search dataset, else cifar10)")
    parser.add_argument("--seeds", type=int, default=1, help="training seeds per architecture, 0..K-1 (default 1)")
    parser.add_argument("--seed-offset", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--preset", default="paper",
                        help=f"{' | '.join(PRESETS)} (default paper, the papers' protocol)")
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                        help="override a value of the evaluation config, e.g. --set epochs=50 (repeatable)")
    parser.add_argument("--out", default="evaluations", help="root of the evaluation records (default ./evaluations)")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda[:N] (default auto)")
    parser.add_argument("--data-dir", default=None, help="datasets (default $HARNESS_DATA)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run,
                        interrupt_note="finished epochs are saved and the evaluation resumes when started again")


def run(args) -> int:
    log = lambda message: print(message, file=sys.stderr)  # noqa: E731
    sources = _sources(args, log)
    if args.preset not in PRESETS:
        raise ConfigError(f"unknown evaluation preset {args.preset!r}; presets: {', '.join(PRESETS)}")
    if args.seeds < 1:
        raise ConfigError(f"--seeds must be at least 1, got {args.seeds}")
    if args.seed_offset < 0:
        raise ConfigError(f"--seed-offset must be >= 0, got {args.seed_offset}")
    configs = unique_configs([evaluation_config(source, args.dataset, args.preset, args.assignments)
                              for source in sources])
    out_root = writable_directory(Path(args.out), "--out")
    device = resolve_device(args.device)
    root = data_dir(args.data_dir)
    image_sets = {name: load_dataset(name, root) for name in sorted({config["dataset"] for config in configs})}
    if args.preset == "paper" and device.type == "cpu":
        log("note: the paper preset is a GPU-scale job (hundreds of epochs on the whole dataset); use --preset cpu "
            "for a CPU-scale evaluation")
    table = []
    for config in configs:
        accuracies, summary = [], None
        for seed in range(args.seed_offset, args.seed_offset + args.seeds):
            result = evaluate_seed(config, seed, out_root, device, image_sets[config["dataset"]],
                                   show_progress=not args.no_progress, log=log)
            if result.failure is not None:
                print(f"{config['space']} {arch_hash(config['arch'])} seed {seed}: failed at epoch "
                      f"{result.failure['epoch']}, {result.failure['reason']} -> {result.run_dir.path}")
                continue
            summary = result.summary
            accuracies.append(summary["test_acc"])
            state = "already complete" if result.already_complete else "done"
            print(f"{config['space']} {summary['arch_hash']} seed {seed}: {state}, test accuracy "
                  f"{summary['test_acc']:.2f}% -> {result.run_dir.path}")
        if summary is not None:
            table.append([config["space"], summary["arch_hash"], config["dataset"],
                          f"{config['protocol']} ({config['preset']})", str(len(accuracies)),
                          format_mean_std(accuracies), f"{summary['params_mb']:.3f}",
                          f"{summary['multiply_adds_m']:.1f}"])
    if table:
        print()
        print(markdown_table(["space", "arch", "dataset", "protocol", "seeds", "test acc (%)", "params (M)",
                              "multiply-adds (M)"], table))
    print(f"\nevaluation records: {out_root}")
    return 0


def _sources(args, log) -> list[ArchSource]:
    if args.arch is not None or args.space is not None:
        if args.runs:
            raise ConfigError("give search run directories or --space with --arch, not both")
        if args.arch is None or args.space is None:
            raise ConfigError("--space and --arch go together (the architecture's space and its text)")
        if args.select != "final":
            raise ConfigError("--select chooses among a search run's epochs; it does not apply to --arch")
        return [ArchSource(args.space, args.arch, None, "--arch")]
    if not args.runs:
        raise ConfigError("nothing to evaluate: give search run directories, or --space and --arch")
    return from_search_runs([Path(p) for p in args.runs], args.select, log)
