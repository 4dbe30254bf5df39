"""`harness query --space darts|darts-s1..s4|amended-s1|amended-s2 --arch TEXT`: a DARTS genotype's record.

TEXT is the space's genotype text (genotype.py), e.g. DARTS_V2 as quark0/darts prints it. What is
known of a genotype without training it: its cells, their op counts, the size of its CIFAR-10
evaluation network (the paper protocol: 20 cells, C=36, auxiliary head left out of the count), and,
where NAS-Bench-301 can encode it and is imported, the surrogate's CIFAR-10 accuracy and runtime.

`--json` prints exactly one JSON object with these keys:

    space        the space's name
    arch         the genotype text, each node's pairs in canonical (sorted) order
    cells        {cell type: [[op, input], ...]}  two pairs per intermediate node 2..5
    op_counts    {cell type: {"skip": n, "parametric": m}}
    evaluation_network  {"layers", "channels", "params_mb", "multiply_adds"} (CIFAR-10, one 32x32 image)
    nb301        {"accuracy": percent, "runtime_seconds": s, "surrogate": name, "store": path}; absent when
                 NAS-Bench-301 cannot score the space or is not imported (notes say which)
    notes        what is absent and why

absent means unknown, never a placeholder value.
"""

from __future__ import annotations

from typing import Any

import torch

from spaces.errors import ConfigError
from spaces.model_size import multiply_adds, params_mb

DATASET = "cifar10"
CIFAR_IMAGE = (3, 32, 32)


def query(space, text: str, oracle_access, dataset: str | None) -> dict[str, Any]:
    """`oracle_access`: harness/oracle_access.py LazyOracle of the space (optional here)."""
    if dataset not in (None, DATASET):
        raise ConfigError(f"{space.name} genotypes are scored on {DATASET} (NAS-Bench-301, the evaluation network "
                          f"size); other datasets need training: harness evaluate --space {space.name} --arch TEXT "
                          f"--dataset {dataset}")
    arch = space.canonical(space.parse(text))  # a malformed text is reported before anything is built
    network_config = space.evaluation_defaults()
    net = space.evaluation_network(arch, network_config, 10, torch.Generator().manual_seed(0))
    record: dict[str, Any] = {
        "space": space.name,
        "arch": str(arch),
        "cells": {name: [list(pair) for pair in pairs] for name, pairs in arch.as_plain().items()
                  if not name.endswith("_concat")},
        "op_counts": arch.op_counts(),
        "evaluation_network": {"layers": network_config["layers"], "channels": network_config["channels"],
                               "params_mb": params_mb(net), "multiply_adds": multiply_adds(net, CIFAR_IMAGE)},
        "notes": [],
    }
    if space.oracle_benchmark is None:
        record["notes"].append(space.no_oracle_reason)
    elif not oracle_access.present():
        record["notes"].append(f"no NAS-Bench-301 accuracy: the nb301 store is not imported ({oracle_access.store}; "
                               f"harness data import nb301 --from PATH/nb_models_1.0)")
    else:
        oracle = oracle_access.require()
        entry = {"accuracy": oracle.accuracy(arch), "surrogate": oracle.nb301.surrogate,
                 "store": str(oracle_access.store)}
        if oracle.nb301.has_runtime:
            entry["runtime_seconds"] = oracle.nb301.runtime(arch.as_plain())
        else:
            record["notes"].append("no NAS-Bench-301 runtime: the imported models have no lgb_runtime ensemble")
        record["nb301"] = entry
    return record


def format_record(record: dict[str, Any]) -> str:
    lines = [f"{record['space']} genotype: {record['arch']}"]
    for name, pairs in record["cells"].items():
        counts = record["op_counts"][name]
        lines.append(f"  {name}: {', '.join(f'{op}<-{source}' for op, source in pairs)}  "
                     f"(skip {counts['skip']}, parametric {counts['parametric']})")
    net = record["evaluation_network"]
    lines.append(f"evaluation network ({net['layers']} cells, C={net['channels']}): {net['params_mb']:.3f} M params, "
                 f"{net['multiply_adds'] / 1e6:.1f} M multiply-adds per 32x32 image")
    if "nb301" in record:
        entry = record["nb301"]
        runtime = f", predicted runtime {entry['runtime_seconds']:.0f} s" if "runtime_seconds" in entry else ""
        lines.append(f"NAS-Bench-301 CIFAR-10 validation accuracy: {entry['accuracy']:.3f} %{runtime} "
                     f"({entry['surrogate']})")
    lines += [f"note: {note}" for note in record["notes"]]
    return "\n".join(lines)
