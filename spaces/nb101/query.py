"""`harness query --space nb101 --arch TEXT`: one NAS-Bench-101 cell's record in the store.

TEXT is a module hash or a cell `matrix=ROW/ROW/...;ops=OP,...` (text.py).

`--json` prints exactly one JSON object with these keys:

    space          "nb101"
    hash, row      the cell's module hash and store row
    cell           the store's representative of the cell (isomorphic to TEXT's pruned cell), as text
    store          path of the store read
    params         NAS-Bench-101's trainable parameter count
    results        {"cifar10": {split: {epochs: {"accuracy", and "regret", "optimum" where the column
                   covers every cell}}}}: the means over the 3 repeats the store holds
    single_repeat  {"cifar10": {split: {epochs: accuracy}}}: ONE repeat's value, where the store has
                   only that (the shared CSV dump's validation columns) and it covers this cell
    notes          what the store lacks that a user may expect (mean validation accuracy)

Accuracies are percent; regret is to the best cell of the whole benchmark. Absent means the store
does not have it, never a placeholder value.
"""

from __future__ import annotations

from typing import Any

from spaces.errors import ConfigError
from spaces.nb101.oracle import NB101Oracle
from spaces.nb101.table import ColumnKey
from spaces.nb101.text import format_cell, parse_arch_text

DATASET = "cifar10"  # NAS-Bench-101 trains on CIFAR-10 only
VALID_108 = ColumnKey("accuracy", "valid", 108, "mean")


def query(text: str, oracle_access, dataset: str | None) -> dict[str, Any]:
    """`oracle_access`: harness/oracle_access.py LazyOracle of the nb101 space (loads an NB101Oracle)."""
    if dataset not in (None, DATASET):
        raise ConfigError(f"NAS-Bench-101 has only {DATASET}; got --dataset {dataset}")
    parse_arch_text(text)  # a malformed text is reported before a missing store
    return query_record(oracle_access.require(), text)


def query_record(oracle: NB101Oracle, text: str) -> dict[str, Any]:
    row = oracle.row_of(text)
    availability = oracle.available()
    results: dict[str, Any] = {}
    single: dict[str, Any] = {}
    for info in availability.present:
        key = info.key
        if key.quantity != "accuracy" or key.statistic == "repeats":
            continue
        if not oracle.covered(row, key.split, key.epochs, key.statistic):
            continue
        value = 100.0 * oracle.accuracy(row, key.split, key.epochs, key.statistic)
        if key.statistic == "single-repeat":
            single.setdefault(key.split, {})[str(key.epochs)] = value
            continue
        entry = {"accuracy": value}
        if info.complete:
            best = 100.0 * oracle.optimum(key.split, key.epochs)[0]
            entry.update(regret=best - value, optimum=best)
        results.setdefault(key.split, {})[str(key.epochs)] = entry
    absent = dict(availability.absent)
    notes = [f"{VALID_108}: not in the store: {absent[VALID_108]}"] if VALID_108 in absent else []
    return {
        "space": "nb101",
        "hash": oracle.hash_at(row),
        "row": row,
        "cell": format_cell(oracle.cell_at(row)),
        "store": str(oracle.path),
        "params": oracle.params(row),
        "results": {DATASET: results},
        "single_repeat": {DATASET: single} if single else {},
        "notes": notes,
    }


def format_record(record: dict[str, Any]) -> str:
    lines = [
        f"NAS-Bench-101 cell {record['hash']} (row {record['row']}): {record['cell']}",
        f"oracle store: {record['store']}",
        "",
        f"{'dataset':<8} {'split':<6} {'epochs':>6} {'statistic':<14} {'accuracy':>9} {'regret':>8}",
    ]
    for dataset, splits in record["results"].items():
        for split, budgets in splits.items():
            for epochs, entry in budgets.items():
                regret = f"{entry['regret']:>8.4f}" if "regret" in entry else f"{'':>8}"
                lines.append(f"{dataset:<8} {split:<6} {epochs:>6} {'mean of 3':<14} {entry['accuracy']:>9.4f} {regret}")
    for dataset, splits in record["single_repeat"].items():
        for split, budgets in splits.items():
            for epochs, value in budgets.items():
                lines.append(f"{dataset:<8} {split:<6} {epochs:>6} {'one repeat':<14} {value:>9.4f}")
    lines += ["", f"params: {record['params']:,}"]
    lines += [f"note: {note}" for note in record["notes"]]
    return "\n".join(lines)
