"""`harness list methods|spaces|presets [--json]`.

`harness list spaces --json` prints one JSON list, one object per space:
    name, family, summary, oracle (the benchmark store that scores it, or null), oracle_facts (lines: the
    space's size and optimum, when that store is installed) or oracle_note (why there are none),
    cell_types: [{name, reduction, choices: [{anchor, at, ops}]}], input_choices: [{node, edges, keep, learned}],
    cells (of the default supernet, in network order: their type names)
`harness list methods --json`: [{name, summary, paper, families, spaces}] (spaces: every registered space
of those families).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.oracle_access import LazyOracle
from harness.paths import data_dir
from harness.presets import PRESETS
from methods.registry import list_methods
from spaces.registry import get_space, list_spaces


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("list", help="list methods, spaces or presets")
    parser.add_argument("what", choices=("methods", "spaces", "presets"))
    parser.add_argument("--json", action="store_true", help="print one JSON list (keys: see the module docs)")
    parser.add_argument("--data-dir", default=None,
                        help="benchmarks whose sizes and optima `spaces` shows (default $HARNESS_DATA)")
    parser.set_defaults(func=run)


def space_record(name: str, data_root: Path) -> dict[str, Any]:
    space = get_space(name)
    record = _oracle_part(name, space, data_root)
    if not space.searchable:
        return {"name": name, "family": None, "summary": space.summary, "searchable": False, **record}
    decisions = space.decisions(space.supernet_defaults())
    return {
        "searchable": True,
        "name": name,
        "family": space.family,
        "summary": space.summary,
        **record,
        "cell_types": [{"name": t.name, "reduction": t.reduction,
                        "choices": [{"anchor": c.anchor, "at": c.at, "ops": list(c.ops)} for c in t.op_choices]}
                       for t in decisions.cell_types],
        "input_choices": [{"node": c.node, "edges": [decisions.edges[e] for e in c.edges], "keep": c.keep,
                           "learned": c.learned} for c in decisions.input_choices],
        "cells": [decisions.cell_types[t].name for t in decisions.cell_type_of],
    }


def _oracle_part(name: str, space, data_root: Path) -> dict[str, Any]:
    """oracle: the benchmark's name or None; oracle_facts: its size and optimum lines when the store is
    installed; oracle_note: why there are none."""
    if space.oracle_benchmark is None:
        return {"oracle": None, "oracle_note": space.no_oracle_reason}
    access = LazyOracle(name, data_root)
    if not access.present():
        return {"oracle": space.oracle_benchmark,
                "oracle_note": f"the {space.oracle_benchmark} store is not installed ({access.store})"}
    return {"oracle": space.oracle_benchmark, "oracle_facts": access.require().facts()}


def method_records() -> list[dict[str, Any]]:
    families = {name: get_space(name).family for name in list_spaces() if get_space(name).searchable}
    return [{"name": spec.name, "summary": spec.summary, "paper": spec.paper, "families": list(spec.families),
             "spaces": [space for space, family in families.items() if family in spec.families]}
            for spec in list_methods()]


def run(args) -> int:
    if args.what == "methods":
        records = method_records()
        if args.json:
            print(json.dumps(records, indent=2))
            return 0
        width = max(len(r["name"]) for r in records)
        for record in records:
            print(f"{record['name']:<{width}}  {record['summary']}  [{record['paper']}]")
            print(f"{'':<{width}}  spaces: {', '.join(record['spaces'])}")
    elif args.what == "spaces":
        records = [space_record(name, data_dir(args.data_dir)) for name in list_spaces()]
        if args.json:
            print(json.dumps(records, indent=2))
            return 0
        for record in records:
            print(format_space(record))
    else:
        for name, families in PRESETS.items():
            for family, overrides in families.items():
                print(f"{name:<9} {family:<9} {overrides or '(the method defaults, unchanged)'}")
    return 0


def format_space(record: dict[str, Any]) -> str:
    kind = "query only" if not record["searchable"] else f"{record['family']} family"
    lines = [f"{record['name']}  ({kind}; oracle: {record['oracle'] or 'none'})", f"  {record['summary']}"]
    lines += [f"  {fact}" for fact in record.get("oracle_facts", [])]
    if "oracle_note" in record:
        lines.append(f"  note: {record['oracle_note']}")
    if not record["searchable"]:
        return "\n".join(lines)
    lines.append(f"  cells: {' '.join(record['cells'])}")
    for names, cell_type in _alike(record["cell_types"]):
        lists = {tuple(c["ops"]) for c in cell_type["choices"]}
        if len(lists) == 1:
            anchors = ", ".join(_anchor(c) for c in cell_type["choices"])
            lines.append(f"  {names}: {len(cell_type['choices'])} choices ({anchors}), each over "
                         f"{', '.join(next(iter(lists)))}")
        else:
            lines.append(f"  {names}:")
            lines += [f"    {_anchor(c)}: {', '.join(c['ops'])}" for c in cell_type["choices"]]
    for choice in record["input_choices"]:
        lines.append(f"  node {choice['node']} keeps {choice['keep']} of {len(choice['edges'])} inputs"
                     f"{' (own weights)' if choice['learned'] else ''}")
    return "\n".join(lines)


def _alike(cell_types: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Cell types with the same choices listed once under all their names (Amended-DARTS' S_2 has 20)."""
    groups: dict[str, tuple[list[str], dict[str, Any]]] = {}
    for cell_type in cell_types:
        key = json.dumps([cell_type["choices"], cell_type["reduction"]])
        groups.setdefault(key, ([], cell_type))[0].append(cell_type["name"])
    return [(", ".join(names) + (" (reduction)" if len(names) > 1 and first["reduction"] else ""), first)
            for names, first in groups.values()]


def _anchor(choice: dict[str, Any]) -> str:
    if choice["anchor"] == "edge":
        return f"{choice['at'][0]}->{choice['at'][1]}"
    return f"node {choice['at']}"
