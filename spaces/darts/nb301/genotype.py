"""DARTS genotypes as plain data, checked against what NAS-Bench-301 can encode.

A genotype is a mapping (or any object with these attributes, such as the DARTS `Genotype` namedtuple):
`{"normal": [(op, input), ... 8 pairs], "normal_concat": [2, 3, 4, 5], "reduce": [...], "reduce_concat": [...]}`.
Pairs come two per intermediate node k = 0..3 (nodes 2..5), in node order; node k's inputs are 0..k+1
(0, 1 the two previous cells' outputs, 2.. the earlier intermediate nodes) -- quark0/darts cnn/genotypes.py.

NAS-Bench-301 (nasbench301/configspace.json) can encode only genotypes whose every node has two
distinct inputs with an op from configspace.OPS, and whose cells concatenate all four intermediate nodes.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from spaces.darts.nb301.configspace import CELL_TYPES, NUM_INTERMEDIATE_NODES, OPS
from spaces.errors import MalformedArchitecture

Cell = tuple[tuple[str, int], ...]
FULL_CONCAT = (2, 3, 4, 5)


def parse_genotype(genotype: Any) -> dict[str, Cell]:
    """{"normal": cell, "reduce": cell}, each 8 (op, input) pairs; MalformedArchitecture saying why otherwise."""
    return {cell: _parse_cell(genotype, cell) for cell in CELL_TYPES}


def _field(genotype: Any, name: str) -> Any:
    if isinstance(genotype, Mapping):
        if name not in genotype:
            raise MalformedArchitecture(f"DARTS genotype has no {name!r}; it needs normal, normal_concat, reduce, reduce_concat")
        return genotype[name]
    if not hasattr(genotype, name):
        raise MalformedArchitecture(
            f"a DARTS genotype is a mapping or object with normal, normal_concat, reduce, reduce_concat; "
            f"got {type(genotype).__name__} without {name!r}"
        )
    return getattr(genotype, name)


def _parse_cell(genotype: Any, cell: str) -> Cell:
    pairs = _field(genotype, cell)
    concat = _field(genotype, f"{cell}_concat")
    if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Sequence) or len(pairs) != 2 * NUM_INTERMEDIATE_NODES:
        raise MalformedArchitecture(
            f"{cell} cell: expected {2 * NUM_INTERMEDIATE_NODES} (op, input) pairs, two per intermediate node; got {pairs!r}"
        )
    parsed = tuple(_parse_pair(cell, index, pair) for index, pair in enumerate(pairs))
    for k in range(NUM_INTERMEDIATE_NODES):
        (_, first), (_, second) = parsed[2 * k], parsed[2 * k + 1]
        if first == second:
            raise MalformedArchitecture(
                f"{cell} cell, node {k + 2}: both pairs read input {first}; NAS-Bench-301 cells take two distinct "
                "inputs per node (configspace.json inputs_node_* choices are pairs i_j with i < j)"
            )
    try:
        concat_nodes = tuple(int(node) for node in concat)
    except (TypeError, ValueError):
        raise MalformedArchitecture(f"{cell}_concat must be a list of node numbers, got {concat!r}") from None
    if concat_nodes != FULL_CONCAT:
        raise MalformedArchitecture(
            f"{cell}_concat is {list(concat_nodes)}; NAS-Bench-301 cells always concatenate nodes {list(FULL_CONCAT)}"
        )
    return parsed


def _parse_pair(cell: str, index: int, pair: Any) -> tuple[str, int]:
    node = index // 2 + 2
    where = f"{cell} cell, node {node}"
    if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
        raise MalformedArchitecture(f"{where}: expected an (op, input) pair, got {pair!r}")
    op, source = pair
    if op == "none":
        raise MalformedArchitecture(
            f"{where}: op 'none' cannot be encoded: NAS-Bench-301 nodes keep two real ops (its ops: {', '.join(OPS)})"
        )
    if op not in OPS:
        raise MalformedArchitecture(
            f"{where}: op {op!r} is not in NAS-Bench-301's search space, so the benchmark cannot score this genotype "
            f"(its ops: {', '.join(OPS)})"
        )
    if isinstance(source, bool) or not isinstance(source, numbers.Integral) or not 0 <= source < node:
        raise MalformedArchitecture(f"{where}: input must be an integer in 0..{node - 1}, got {source!r}")
    return op, int(source)
