"""`harness query --space nb201`: one architecture's NAS-Bench-201 record.

For the papers' datasets (all three, or only --dataset), the "valid" and "test" accuracy after 200
and 12 epochs (whichever the store holds), the regret to the best architecture of that column, the
benchmark column behind each paper column (CIFAR-10 "valid" is cifar10-valid x-valid, "test" is
cifar10 ori-test), and the parameter count.

`--json` prints exactly one JSON object with these keys:

    space              "nb201"
    arch               canonical architecture string
    index              official benchmark index
    store              path of the oracle store read
    results            {paper dataset: {"valid"|"test": {"200"|"12": {"accuracy", "regret", "optimum"}}}}
    benchmark_columns  {paper dataset: {"valid"|"test": {"dataset", "split"}}}
    params_mb          {paper dataset: parameters in millions}

Accuracies are percent (seed means). An epoch budget the store does not hold is
left out of its split, and a dataset whose parameter count it lacks is left out
of params_mb: absent means unknown, never a placeholder value.
"""

from __future__ import annotations

import re
from typing import Any

from spaces.errors import ConfigError
from spaces.nb201.conventions import EPOCH_BUDGETS, PAPER_DATASETS, PAPER_SPLIT_NAMES, PAPER_SPLITS
from spaces.nb201.encoding import NB201Arch
from spaces.nb201.oracle import NB201Oracle

_INTEGER = re.compile(r"[+-]?\d+")


def query(text: str, oracle, dataset: str | None) -> dict[str, Any]:
    """`oracle`: a lazily loaded store (harness/oracle_access.py LazyOracle); required here."""
    datasets = PAPER_DATASETS if dataset is None else (check_dataset(dataset),)
    arch = parse_arch_argument(text)
    if isinstance(arch, str):
        NB201Arch.parse(arch)  # a malformed string is reported before the missing store
    return query_record(oracle.require(), arch, datasets)


def check_dataset(name: str) -> str:
    if name not in PAPER_DATASETS:
        raise ConfigError(f"unknown dataset {name!r} for --dataset; choose one of {', '.join(PAPER_DATASETS)}")
    return name


def parse_arch_argument(text: str) -> int | str:
    """An official index when the argument is an integer, else an architecture string."""
    text = text.strip()
    return int(text) if _INTEGER.fullmatch(text) else text


def query_record(oracle: NB201Oracle, arch: int | str, datasets: tuple[str, ...]) -> dict[str, Any]:
    index = oracle.index_of(arch)
    held = set(oracle.available())
    results: dict[str, Any] = {}
    columns: dict[str, Any] = {}
    params: dict[str, float] = {}
    for dataset in datasets:
        for split in PAPER_SPLIT_NAMES:
            bench_dataset, bench_split = PAPER_SPLITS[(dataset, split)]
            columns.setdefault(dataset, {})[split] = {"dataset": bench_dataset, "split": bench_split}
            budgets = results.setdefault(dataset, {}).setdefault(split, {})
            for epochs in EPOCH_BUDGETS:
                if (bench_dataset, bench_split, epochs) not in held:
                    continue
                accuracy = oracle.accuracy(index, bench_dataset, bench_split, epochs)
                best, _ = oracle.optimum(bench_dataset, bench_split, epochs)
                budgets[str(epochs)] = {"accuracy": accuracy, "regret": best - accuracy, "optimum": best}
        # The paper's test column names the network that was trained on the full training set.
        params_dataset = PAPER_SPLITS[(dataset, "test")][0]
        if params_dataset in oracle.available_params():
            params[dataset] = oracle.params_mb(index, params_dataset)
    return {
        "space": "nb201",
        "arch": str(oracle.arch_at(index)),
        "index": index,
        "store": str(oracle.path),
        "results": results,
        "benchmark_columns": columns,
        "params_mb": params,
    }


def format_record(record: dict[str, Any]) -> str:
    lines = [
        f"{record['space']} architecture {record['index']}: {record['arch']}",
        f"oracle store: {record['store']}",
        "",
        f"{'dataset':<15} {'split':<6} {'benchmark column':<24} {'epochs':>6} {'accuracy':>9} {'regret':>8}",
    ]
    for dataset, splits in record["results"].items():
        for split, budgets in splits.items():
            column = record["benchmark_columns"][dataset][split]
            label = f"{column['dataset']} {column['split']}"
            if not budgets:
                lines.append(f"{dataset:<15} {split:<6} {label:<24} {'':>6} {'(not in the store)':>18}")
            for epochs, entry in budgets.items():
                lines.append(f"{dataset:<15} {split:<6} {label:<24} {epochs:>6} "
                             f"{entry['accuracy']:>9.4f} {entry['regret']:>8.4f}")
    params = ", ".join(f"{dataset} {value:.6f}" for dataset, value in record["params_mb"].items())
    lines += ["", f"params (millions): {params or 'not in the store'}"]
    return "\n".join(lines)
