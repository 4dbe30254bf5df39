"""A discrete NAS-Bench-1Shot1 architecture: one op per choice block and the chosen parents of every node.

Canonical text (one group per node 1..output, joined by '|'):

    <op>~<parents>|<op>~<parents>|...|output~<parents>

`<op>` is conv3x3, conv1x1 or maxpool3x3 (the official labels conv3x3-bn-relu,
conv1x1-bn-relu and maxpool3x3 are accepted on input); `<parents>` are the
node's parents as ascending comma-separated node numbers (0 = cell input).
Example in space 1 (node 1 always takes 0; node 2 of space 1 always takes 0,1):

    conv3x3~0|maxpool3x3~0,1|conv1x1~1,2|conv3x3~0,3|output~2,4

`str(parse(text)) == text` for canonical text; parents given out of order are
sorted. The space is not part of the text (it is the --space of the query).

`to_nb101()` builds the 7x7 NB101 cell exactly as the repository does:
spaces 1 and 2 build the 6x6 matrix of nodes 0..5 and pass it through
`upscale_to_nasbench_format` (dummy vertex 5 with op conv1x1-bn-relu, output at
6); space 3 is 7x7 already. The matrix keeps every chosen edge ("with loose
ends"); the NB101 lookup prunes it. The repository's evaluation builds only the
output's ancestors (search_space.py `_create_adjacency_matrix`) instead; both
prune to the same cell, because every node has a parent below it (so all nodes
are reachable from the input) and pruning keeps exactly the output's ancestors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spaces.derived_cell import PLAIN, DerivedCell
from spaces.errors import MalformedArchitecture
from spaces.nb101.cell import CONV1X1, CONV3X3, INPUT, MAXPOOL3X3, OUTPUT, NB101Cell
from spaces.nb1shot1.spaces import DUMMY_OP, PRIMITIVES, OneShotSpace, get_space

SHORT_NAMES = {CONV3X3: "conv3x3", CONV1X1: "conv1x1", MAXPOOL3X3: "maxpool3x3"}
_FROM_TEXT = {**{short: official for official, short in SHORT_NAMES.items()}, **{op: op for op in SHORT_NAMES}}
NB101_VERTICES = 7
CELL_TYPE = "cell"  # the one cell type of every 1Shot1 space (all cells are normal cells, model_search.py Cell)
PARAMETRIC_OPS = frozenset({CONV3X3, CONV1X1})  # the ops with weights; 1Shot1 has no skip and no zero op


@dataclass(frozen=True)
class OneShotArch:
    """`ops[b]` is the official op label of choice block b+1; `parents[j-1]` the parent set of node j."""

    space_number: int
    ops: tuple[str, ...]
    parents: tuple[tuple[int, ...], ...]

    def __post_init__(self):
        space = get_space(self.space_number)
        ops = tuple(self.ops)
        if len(ops) != space.num_blocks:
            raise MalformedArchitecture(f"{space.name} has {space.num_blocks} choice blocks, got {len(ops)} ops")
        for block, op in enumerate(ops, start=1):
            if op not in SHORT_NAMES:
                raise MalformedArchitecture(
                    f"{space.name}: choice block {block} has op {op!r}; ops are {', '.join(PRIMITIVES)}"
                )
        parents = tuple(tuple(sorted(int(p) for p in node_parents)) for node_parents in self.parents)
        if len(parents) != space.output_node:
            raise MalformedArchitecture(
                f"{space.name} has {space.output_node} nodes that take inputs (1..{space.output_node}), "
                f"got parent sets for {len(parents)}"
            )
        for node, node_parents in zip(space.nodes, parents):
            _check_parents(space, node, node_parents)
        object.__setattr__(self, "space_number", space.number)  # "s1" and 1 make equal architectures
        object.__setattr__(self, "ops", ops)
        object.__setattr__(self, "parents", parents)

    @property
    def space(self) -> OneShotSpace:
        return get_space(self.space_number)

    @classmethod
    def parse(cls, space_number: int, text: str) -> "OneShotArch":
        space = get_space(space_number)
        if not isinstance(text, str):
            raise MalformedArchitecture(f"a {space.name} architecture text is a string, got {type(text).__name__}")
        shown = text if len(text) <= 160 else text[:157] + "..."
        groups = [group.strip() for group in text.strip().split("|")]
        if len(groups) != space.output_node:
            raise MalformedArchitecture(
                f"malformed {space.name} architecture {shown!r}: expected {space.output_node} groups "
                f"'op~parents' (choice blocks 1..{space.num_blocks}, then 'output~parents') joined by '|', "
                f"found {len(groups)}"
            )
        ops, parents = [], []
        for node, group in zip(space.nodes, groups):
            name, sep, sources = group.partition("~")
            name = name.strip()
            if not sep:
                raise MalformedArchitecture(f"malformed {space.name} architecture {shown!r}: {group!r} should be 'op~parents'")
            is_output = node == space.output_node
            if is_output and name != OUTPUT:
                raise MalformedArchitecture(
                    f"malformed {space.name} architecture {shown!r}: the last group is the output node and must "
                    f"read 'output~parents', got {group!r}"
                )
            if not is_output:
                if name not in _FROM_TEXT:
                    raise MalformedArchitecture(
                        f"malformed {space.name} architecture {shown!r}: node {node} has unknown op {name!r}; "
                        f"ops are {', '.join(SHORT_NAMES.values())}"
                    )
                ops.append(_FROM_TEXT[name])
            try:
                node_parents = tuple(int(p) for p in sources.split(","))
            except ValueError:
                raise MalformedArchitecture(
                    f"malformed {space.name} architecture {shown!r}: the parents of node {node} must be "
                    f"comma-separated node numbers, got {sources!r}"
                ) from None
            parents.append(node_parents)
        return cls(space.number, tuple(ops), tuple(parents))

    def __str__(self) -> str:
        groups = [f"{SHORT_NAMES[op]}~{_join(p)}" for op, p in zip(self.ops, self.parents)]
        groups.append(f"{OUTPUT}~{_join(self.parents[-1])}")
        return "|".join(groups)

    def __repr__(self) -> str:
        return f"OneShotArch(s{self.space_number}, {str(self)!r})"

    def op_counts(self) -> dict[str, dict[str, int]]:
        """The space contract's counts (spaces/base.py Architecture): no skip op exists; the parametric ops
        are counted over every choice block, loose ends included (each is a decision the search made)."""
        return {CELL_TYPE: {"skip": 0, "parametric": sum(op in PARAMETRIC_OPS for op in self.ops)}}

    def derived_cells(self) -> tuple[DerivedCell, ...]:
        """The cell as a DAG: the input, each choice block labelled with its op (ops sit on nodes here), the
        output, and a plain edge from every chosen parent; loose ends are drawn, as the matrix keeps them."""
        space = self.space
        nodes = ((0, INPUT), *((block, SHORT_NAMES[op]) for block, op in enumerate(self.ops, start=1)),
                 (space.output_node, OUTPUT))
        edges = tuple((parent, node, PLAIN) for node, parents in zip(space.nodes, self.parents) for parent in parents)
        return (DerivedCell(CELL_TYPE, nodes, edges),)

    def one_hot(self) -> np.ndarray:
        """[types=1, choice blocks, ops]: 1 on each block's op, columns in PRIMITIVES order."""
        table = np.zeros((1, len(self.ops), len(PRIMITIVES)))
        table[0, np.arange(len(self.ops)), [PRIMITIVES.index(op) for op in self.ops]] = 1.0
        return table

    def adjacency(self) -> np.ndarray:
        """The space's own (output_node+1)-square matrix with every chosen edge."""
        size = self.space.output_node + 1
        matrix = np.zeros((size, size), dtype=np.int8)
        for node, node_parents in enumerate(self.parents, start=1):
            matrix[list(node_parents), node] = 1
        return matrix

    def nb101_matrix(self) -> np.ndarray:
        matrix = self.adjacency()
        if self.space.has_dummy_vertex:
            matrix = upscale_to_nb101(matrix)
        return matrix

    def nb101_ops(self) -> tuple[str, ...]:
        dummy = (DUMMY_OP,) if self.space.has_dummy_vertex else ()
        return (INPUT, *self.ops, *dummy, OUTPUT)

    def to_nb101(self) -> NB101Cell:
        return NB101Cell.from_arrays(self.nb101_matrix(), self.nb101_ops())


def upscale_to_nb101(matrix: np.ndarray) -> np.ndarray:
    """utils.py `upscale_to_nasbench_format`: zero column inserted at index 5, then a zero row at index 5."""
    if matrix.shape != (6, 6):
        raise ValueError(f"upscaling takes the 6x6 matrix of spaces 1 and 2, got {matrix.shape}")
    widened = np.insert(matrix, 5, 0, axis=1)  # 6x7: the output column moves to 6
    return np.insert(widened, 5, 0, axis=0)  # 7x7: the output row moves to 6


def _check_parents(space: OneShotSpace, node: int, parents: tuple[int, ...]) -> None:
    what = "the output node" if node == space.output_node else f"node {node}"
    if len(parents) != space.parents_of(node):
        raise MalformedArchitecture(
            f"{space.name}: {what} takes exactly {space.parents_of(node)} parent(s), got {len(parents)} ({_join(parents)})"
        )
    if len(set(parents)) != len(parents):
        raise MalformedArchitecture(f"{space.name}: {what} lists a parent twice ({_join(parents)})")
    bad = [p for p in parents if not 0 <= p < node]
    if bad:
        raise MalformedArchitecture(
            f"{space.name}: {what} cannot take input from node {bad[0]}; its candidates are nodes 0..{node - 1}"
        )


def _join(parents) -> str:
    return ",".join(str(p) for p in parents)
