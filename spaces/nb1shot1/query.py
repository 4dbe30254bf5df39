"""`harness query --space nb1shot1-sN --arch TEXT`: a 1Shot1 architecture's NAS-Bench-101 record.

TEXT is the space's architecture text (architecture.py), e.g. for space 1
`conv3x3~0|maxpool3x3~0,1|conv1x1~1,2|conv3x3~0,3|output~2,4`.

`--json` prints exactly one JSON object with these keys:

    space     "nb1shot1-s1" | "nb1shot1-s2" | "nb1shot1-s3"
    arch      canonical architecture text
    store     path of the NAS-Bench-101 store read
    nb101     {"hash": module hash, "row": store row, "cell": the pruned cell as 'matrix=...;ops=...'}
    params    NAS-Bench-101's trainable parameter count of the cell
    results   {"cifar10": {"test" | "valid": {"108": {"accuracy", "regret", "optimum", "optimum_arch"}}}}
    notes     statements about what the store lacks (e.g. no mean validation accuracy)

Accuracies are percent, means over NAS-Bench-101's 3 repeats at 108 epochs; regret is to the best
configuration of the same space (record_oracle.py). A split the store cannot give for the whole space
is absent from results and explained in notes: absent means unknown, never a placeholder value.
"""

from __future__ import annotations

from typing import Any

from spaces.errors import ConfigError
from spaces.nb101.text import format_cell
from spaces.nb1shot1.architecture import OneShotArch
from spaces.nb1shot1.record_oracle import DATASET, EPOCHS, RecordOracle
from spaces.nb1shot1.spaces import OneShotSpace


def query(space: OneShotSpace, text: str, oracle_access, dataset: str | None) -> dict[str, Any]:
    """`oracle_access`: harness/oracle_access.py LazyOracle of the space (loads a RecordOracle)."""
    if dataset not in (None, DATASET):
        raise ConfigError(f"{space.name} is scored by NAS-Bench-101, which has only {DATASET}; got --dataset {dataset}")
    arch = OneShotArch.parse(space.number, text)  # a malformed text is reported before a missing store
    return query_record(oracle_access.require(), arch)


def query_record(oracle: RecordOracle, arch: OneShotArch) -> dict[str, Any]:
    row = oracle.oneshot.row_of(arch)
    results: dict[str, Any] = {}
    for split in oracle.splits:
        accuracy = oracle.accuracy(arch, split)
        best, best_arch = oracle.optimum(split)
        results[split] = {str(EPOCHS): {"accuracy": accuracy, "regret": best - accuracy, "optimum": best,
                                        "optimum_arch": str(best_arch)}}
    notes = [] if oracle.validation_absent is None else [f"validation accuracy: not given; {oracle.validation_absent}"]
    return {
        "space": arch.space.name,
        "arch": str(arch),
        "store": str(oracle.path),
        "nb101": {"hash": oracle.nb101.hash_at(row), "row": row, "cell": format_cell(arch.to_nb101().pruned())},
        "params": oracle.nb101.params(row),
        "results": {DATASET: results},
        "notes": notes,
    }


def format_record(record: dict[str, Any]) -> str:
    nb101 = record["nb101"]
    lines = [
        f"{record['space']} architecture: {record['arch']}",
        f"NAS-Bench-101 cell {nb101['hash']} (row {nb101['row']}): {nb101['cell']}",
        f"oracle store: {record['store']}",
        "",
        f"{'dataset':<8} {'split':<6} {'epochs':>6} {'accuracy':>9} {'regret':>8}  space optimum",
    ]
    for dataset, splits in record["results"].items():
        for split, budgets in splits.items():
            for epochs, entry in budgets.items():
                lines.append(f"{dataset:<8} {split:<6} {epochs:>6} {entry['accuracy']:>9.4f} {entry['regret']:>8.4f}  "
                             f"{entry['optimum']:.4f} ({entry['optimum_arch']})")
    lines += ["", f"params: {record['params']:,}"]
    lines += [f"note: {note}" for note in record["notes"]]
    return "\n".join(lines)
