"""NAS-Bench-201 architecture encoding.

The benchmark's own string is `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`: one group
per node 1..3, each listing the op on the edge from every earlier node
(`op~i` = the op on edge i -> node). We number the six edges in that reading
order, which is also the edge order of the supernet's weight tensor:

    edge 0: 0->1   edge 1: 0->2   edge 2: 1->2   edge 3: 0->3   edge 4: 1->3   edge 5: 2->3

`ordinal` is a mixed-radix number of the op indices (edge 0 most significant).
It is NOT the official benchmark index: the official order is the one of the
benchmark's meta file and is only known from an oracle store.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spaces.derived_cell import DerivedCell
from spaces.errors import MalformedArchitecture

OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
NUM_NODES = 4  # input node 0, intermediate nodes 1, 2, output node 3
EDGES: tuple[tuple[int, int], ...] = tuple((i, j) for j in range(1, NUM_NODES) for i in range(j))
NUM_EDGES = len(EDGES)
NUM_ARCHS = len(OPS) ** NUM_EDGES
PARAMETRIC_OPS = frozenset({"nor_conv_1x1", "nor_conv_3x3"})
CELL_TYPE = "cell"  # the space's one cell type: every cell of the network shares it
_RADIX = np.array([len(OPS) ** (NUM_EDGES - 1 - e) for e in range(NUM_EDGES)], dtype=np.int64)


@dataclass(frozen=True, order=True)
class NB201Arch:
    """One cell of NAS-Bench-201: the op index on each of the six edges."""

    ops: tuple[int, ...]

    def __post_init__(self):
        if len(self.ops) != NUM_EDGES or any(not 0 <= o < len(OPS) for o in self.ops):
            raise MalformedArchitecture(
                f"an NB201 architecture has {NUM_EDGES} edges with op indices in 0..{len(OPS) - 1}, got {self.ops}"
            )

    @classmethod
    def parse(cls, text: str) -> "NB201Arch":
        return cls(parse_ops(text))

    @classmethod
    def from_ordinal(cls, ordinal: int) -> "NB201Arch":
        if not 0 <= ordinal < NUM_ARCHS:
            raise MalformedArchitecture(f"ordinal {ordinal} is outside 0..{NUM_ARCHS - 1}")
        return cls(tuple(int(ordinal // r) % len(OPS) for r in _RADIX))

    @property
    def ordinal(self) -> int:
        return int(np.dot(self.ops, _RADIX))

    @property
    def op_names(self) -> tuple[str, ...]:
        return tuple(OPS[o] for o in self.ops)

    def count(self, op_name: str) -> int:
        return sum(1 for name in self.op_names if name == op_name)

    @property
    def num_parametric(self) -> int:
        return sum(1 for name in self.op_names if name in PARAMETRIC_OPS)

    def op_counts(self) -> dict[str, dict[str, int]]:
        """Skip-connections and parametric ops of the one cell type (the space contract's form)."""
        return {CELL_TYPE: {"skip": self.count("skip_connect"), "parametric": self.num_parametric}}

    def one_hot(self) -> np.ndarray:
        """[types=1, edges, ops]: 1 on each edge's op (DARTS-PRIME's projection Pi_S)."""
        table = np.zeros((1, NUM_EDGES, len(OPS)))
        table[0, np.arange(NUM_EDGES), list(self.ops)] = 1.0
        return table

    def derived_cells(self) -> tuple[DerivedCell, ...]:
        """The one cell: nodes 0 (input) .. 3 (output), an edge per pair with its op (`none` included: the
        drawing shows what the zero op means)."""
        nodes = tuple((node, str(node)) for node in range(NUM_NODES))
        edges = tuple((source, target, name) for (source, target), name in zip(EDGES, self.op_names))
        return (DerivedCell(CELL_TYPE, nodes, edges),)

    def __str__(self) -> str:
        groups = []
        edge = 0
        for node in range(1, NUM_NODES):
            groups.append("|" + "|".join(f"{OPS[self.ops[edge + i]]}~{i}" for i in range(node)) + "|")
            edge += node
        return "+".join(groups)


def parse_ops(text: str) -> tuple[int, ...]:
    """Op indices of an official NB201 string; the error says exactly what is wrong."""
    if not isinstance(text, str):
        raise MalformedArchitecture(f"an NB201 architecture string is text, got {type(text).__name__}")
    shown = text if len(text) <= 120 else text[:117] + "..."
    groups = text.strip().split("+")
    if len(groups) != NUM_NODES - 1:
        raise MalformedArchitecture(
            f"malformed NB201 architecture {shown!r}: expected {NUM_NODES - 1} node groups joined by '+' "
            f"like '|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|none~0|skip_connect~1|avg_pool_3x3~2|', "
            f"found {len(groups)}"
        )
    ops: list[int] = []
    for node, group in enumerate(groups, start=1):
        if len(group) < 2 or not group.startswith("|") or not group.endswith("|"):
            raise MalformedArchitecture(
                f"malformed NB201 architecture {shown!r}: node {node} group {group!r} must start and end with '|'"
            )
        items = group[1:-1].split("|")
        if len(items) != node:
            raise MalformedArchitecture(
                f"malformed NB201 architecture {shown!r}: node {node} needs {node} inputs, found {len(items)} in {group!r}"
            )
        for source, item in enumerate(items):
            name, sep, src = item.partition("~")
            if not sep:
                raise MalformedArchitecture(
                    f"malformed NB201 architecture {shown!r}: {item!r} should be 'op~source'"
                )
            if name not in OPS:
                raise MalformedArchitecture(
                    f"malformed NB201 architecture {shown!r}: unknown op {name!r}; ops are {', '.join(OPS)}"
                )
            if src != str(source):
                raise MalformedArchitecture(
                    f"malformed NB201 architecture {shown!r}: input {source} of node {node} is written as {item!r}, "
                    f"expected source '~{source}'"
                )
            ops.append(OPS.index(name))
    return tuple(ops)


def ordinals(op_indices: np.ndarray) -> np.ndarray:
    """Vectorised ordinal of an array [n, 6] of op indices."""
    return np.asarray(op_indices, dtype=np.int64) @ _RADIX


def all_archs() -> list[NB201Arch]:
    return [NB201Arch.from_ordinal(k) for k in range(NUM_ARCHS)]
