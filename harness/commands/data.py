"""`harness data import|info|download`: benchmark stores and datasets in the data directory.

    harness data import nb201 --from PATH   build <data-dir>/benchmarks/nb201.h5 from a NAS-Bench-201 source
    harness data info                       what the data directory holds
    harness data download NAME              fetch a dataset in its official layout
"""

from __future__ import annotations

import sys
from pathlib import Path

from tqdm import tqdm

from harness.output_paths import writable_directory
from harness.paths import benchmark_store, data_dir
from spaces.errors import ConfigError, UserError
from spaces.nb201.conventions import EPOCH_BUDGETS, PAPER_DATASETS, PAPER_SPLIT_NAMES, PAPER_SPLITS
from spaces.nb201.importers import ACCEPTED_SOURCES, import_nb201, source_kind
from spaces.nb201.oracle import NB201Oracle, write_store

IMPORTABLE = ("nb201",)
# Where each dataset's official extraction lives under the data directory (DESIGN.md, "Data").
DATASET_LAYOUT = {
    "cifar10": "cifar10/cifar-10-batches-py",
    "cifar100": "cifar100/cifar-100-python",
    "svhn": "svhn",
    "ImageNet16-120": "ImageNet16-120",
}
_SLOW_SOURCES = {
    "nats-tss": "reading 15625 record files takes a few minutes",
    "nb201-pth": "torch loads the whole file first: minutes, and several times the file's size in RAM",
}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("data", help="import benchmark tables, list or download datasets")
    commands = parser.add_subparsers(dest="data_command", metavar="{import,info,download}", required=True)

    importer = commands.add_parser("import", help="build a benchmark oracle store from an official source")
    importer.add_argument("benchmark", help=f"benchmark to import: {', '.join(IMPORTABLE)}")
    importer.add_argument("--from", dest="source", required=True, metavar="PATH", help="; or ".join(ACCEPTED_SOURCES))
    _data_dir_option(importer)

    info = commands.add_parser("info", help="show the benchmark stores and datasets in the data directory")
    _data_dir_option(info)

    download = commands.add_parser("download", help="download a dataset in its official layout")
    download.add_argument("name", help="dataset name, e.g. cifar10")
    _data_dir_option(download)

    parser.set_defaults(func=run)


def _data_dir_option(parser) -> None:
    parser.add_argument("--data-dir", default=None, help="benchmarks and datasets (default $HARNESS_DATA)")


def run(args) -> int:
    root = data_dir(args.data_dir)
    if args.data_command == "import":
        return run_import(args.benchmark, Path(args.source), root)
    if args.data_command == "info":
        return run_info(root)
    return run_download(args.name, root)


def run_import(benchmark: str, source: Path, root: Path) -> int:
    if benchmark not in IMPORTABLE:
        raise ConfigError(f"unknown benchmark {benchmark!r}; importable benchmarks: {', '.join(IMPORTABLE)}")
    source = source.expanduser()
    kind = source_kind(source)
    target = benchmark_store(root, benchmark)
    writable_directory(target.parent, "--data-dir")
    note = f" ({_SLOW_SOURCES[kind]})" if kind in _SLOW_SOURCES else ""
    print(f"importing NAS-Bench-201 from {source} [{kind}]{note}", file=sys.stderr)
    table = import_nb201(source, progress=_progress_bar)
    replacing = target.exists()
    write_store(table, target)
    oracle = NB201Oracle.load(target)  # read back: what we report is what a search will see
    size_mb = target.stat().st_size / 1e6
    print(f"{'replaced' if replacing else 'wrote'} {target} ({size_mb:.1f} MB): {oracle.metadata['num_archs']} "
          f"architectures, {len(oracle.available())} accuracy columns, source sha256 {oracle.metadata['source_sha256']}")
    for note in oracle.metadata["import_notes"]:
        print(f"  note: {note}")
    print("optimum per paper column:")
    for line in _optimum_lines(oracle):
        print(f"  {line}")
    return 0


def _optimum_lines(oracle: NB201Oracle) -> list[str]:
    held = set(oracle.available())
    lines = []
    for dataset in PAPER_DATASETS:
        for split in PAPER_SPLIT_NAMES:
            bench_dataset, bench_split = PAPER_SPLITS[(dataset, split)]
            column = f"{dataset:<15} {split:<5} {'(' + bench_dataset + ' ' + bench_split + ')':<25}"
            for epochs in EPOCH_BUDGETS:
                if (bench_dataset, bench_split, epochs) not in held:
                    lines.append(f"{column} {epochs:>3} epochs: not in the source")
                    continue
                best, index = oracle.optimum(bench_dataset, bench_split, epochs)
                lines.append(f"{column} {epochs:>3} epochs: {best:.4f} at index {index:>5} {oracle.arch_at(index)}")
    return lines


def _progress_bar(items, total: int, description: str):
    # disable=None: a bar on a terminal, silence in logs (the start line above already went there).
    return tqdm(items, total=total, desc=description, unit="arch", file=sys.stderr, disable=None, mininterval=1.0)


def run_info(root: Path) -> int:
    print(f"data directory: {root}{'' if root.is_dir() else ' (does not exist yet)'}")
    print("benchmarks:")
    healthy = True
    for benchmark in IMPORTABLE:
        path = benchmark_store(root, benchmark)
        if not path.exists():
            print(f"  {benchmark}: not installed (expected {path}; build it with "
                  f"`harness data import {benchmark} --from PATH --data-dir {root}`)")
            continue
        try:
            oracle = NB201Oracle.load(path)
        except UserError as error:
            healthy = False
            print(f"  {benchmark}: UNUSABLE: {error}")
            continue
        print(f"  {benchmark}: {path} ({path.stat().st_size / 1e6:.1f} MB)")
        for line in _store_lines(oracle):
            print(f"    {line}")
    print("datasets:")
    for name, relative in DATASET_LAYOUT.items():
        location = root / relative
        state = "present" if location.is_dir() else "missing"
        print(f"  {name:<15} {state:<8} {location}")
    return 0 if healthy else 1


def _store_lines(oracle: NB201Oracle) -> list[str]:
    meta = oracle.metadata
    lines = [
        f"source: {meta['source_kind']} {meta['source_path']}",
        f"source sha256: {meta['source_sha256']}",
        f"created: {meta['created_utc']}",
        "accuracy: " + ", ".join(f"{d} {s} {e}" for d, s, e in oracle.available()),
        "params_mb: " + (", ".join(oracle.available_params()) or "none"),
        "train_seconds: " + (", ".join(f"{d} {e}" for d, e in oracle.available_train_seconds()) or "none"),
        "seeds: " + (", ".join(f"{d} {e}" for d, e in oracle.available_seeds()) or "none"),
    ]
    lines += [f"note: {note}" for note in meta["import_notes"]]
    return lines


def run_download(name: str, root: Path) -> int:
    from harness.data.download import download_dataset  # owned by the data loaders; imported when used

    writable_directory(root, "--data-dir")
    result = download_dataset(name, root)
    print(f"{name}: ready{f' at {result}' if result is not None else f' under {root}'}")
    return 0
