"""`harness data import|info|download`: benchmark stores and datasets in the data directory.

    harness data import BENCH --from PATH   build <data-dir>/benchmarks/<store> from a benchmark's source
    harness data info                       what the data directory holds
    harness data download NAME              fetch a dataset in its official layout
"""

from __future__ import annotations

import sys
from pathlib import Path

from tqdm import tqdm

from harness.output_paths import writable_directory
from harness.paths import benchmark_store, data_dir, store_in_use
from spaces.errors import UserError
from spaces.registry import get_benchmark, list_benchmarks

# Where each dataset's official extraction lives under the data directory (DESIGN.md, "Data").
DATASET_LAYOUT = {
    "cifar10": "cifar10/cifar-10-batches-py",
    "cifar100": "cifar100/cifar-100-python",
    "svhn": "svhn",
    "ImageNet16-120": "ImageNet16-120",
}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("data", help="import benchmark tables, list or download datasets")
    commands = parser.add_subparsers(dest="data_command", metavar="{import,info,download}", required=True)

    importer = commands.add_parser("import", help="build a benchmark oracle store from an official source")
    importer.add_argument("benchmark", help=f"benchmark to import: {', '.join(list_benchmarks())}")
    importer.add_argument("--from", dest="source", required=True, metavar="PATH",
                          help="the benchmark's source (see data/README.md for each benchmark's accepted files)")
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


def run_import(name: str, source: Path, root: Path) -> int:
    benchmark = get_benchmark(name)
    target = benchmark_store(root, name)
    benchmark.check_source(source.expanduser())  # before anything is made in the data directory
    writable_directory(target.parent, "--data-dir")
    result = benchmark.import_into(source.expanduser(), target, _progress_bar,
                                   lambda line: print(line, file=sys.stderr))
    for line in result.lines:
        print(line)
    return 0


def _progress_bar(items, total: int, description: str):
    # disable=None: a bar on a terminal, silence in logs (the start line already went there).
    return tqdm(items, total=total, desc=description, unit="item", file=sys.stderr, disable=None, mininterval=1.0)


def run_info(root: Path) -> int:
    print(f"data directory: {root}{'' if root.is_dir() else ' (does not exist yet)'}")
    print("benchmarks:")
    healthy = True
    for name in list_benchmarks():
        benchmark = get_benchmark(name)
        path = store_in_use(root, name)
        if not path.exists():
            print(f"  {name}: not installed (expected {path}; build it with "
                  f"`harness data import {name} --from PATH --data-dir {root}`)")
            continue
        if path != benchmark_store(root, name):
            print(f"  {name}: in use: the store shipped with the package ({path}); `harness data import {name}` "
                  f"builds one of the data directory's own, which then takes precedence")
        try:
            lines = benchmark.describe(path)
        except UserError as error:
            healthy = False
            print(f"  {name}: UNUSABLE: {error}")
            continue
        print(f"  {name}: {path} ({path.stat().st_size / 1e6:.1f} MB)")
        for line in lines:
            print(f"    {line}")
    print("datasets:")
    for name, relative in DATASET_LAYOUT.items():
        location = root / relative
        state = "present" if location.is_dir() else "missing"
        print(f"  {name:<15} {state:<8} {location}")
    return 0 if healthy else 1


def run_download(name: str, root: Path) -> int:
    from harness.data.download import download_dataset  # owned by the data loaders; imported when used

    writable_directory(root, "--data-dir")
    result = download_dataset(name, root)
    print(f"{name}: ready{f' at {result}' if result is not None else f' under {root}'}")
    return 0
