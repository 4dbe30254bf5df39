"""Every architecture of a 1Shot1 space, once, with its NB101 module hash.

The space enumerated is the one the one-shot model parameterizes and
`derive` can return (search_space.py `get_configuration_space`): every op per
choice block (3 each) times every allowed parent set per node, loose ends
included. Loose ends are not separate cells: NB101 pruning removes them, so
several configurations share one NB101 cell (`unique_hashes`).

Configuration index: parent-set choice major, ops minor --
`index = parent_code * 3**blocks + op_code`, where `parent_code` is the
mixed-radix number of each node's position in `space.parent_sets(node)`
(node 1 most significant) and `op_code` the mixed-radix number of each block's
op position in PRIMITIVES (block 1 most significant).

Speed: configurations are grouped by pruned graph, and pruned graphs by
isomorphism class (a canonical vertex numbering found by brute force over the
<= 5! renumberings of the interior vertices), so each (class, op labelling) is
hashed once: 59k md5 walks instead of 1.3 million for space 3 (~5 s on one
core; spaces 1 and 2 well under a second).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from itertools import permutations, product

import numpy as np

from spaces.nb101.cell import INPUT_LABEL, OPS, OUTPUT_LABEL, live_vertices
from spaces.nb1shot1.architecture import OneShotArch, upscale_to_nb101
from spaces.nb1shot1.spaces import PRIMITIVES, OneShotSpace, get_space

# NB101 hash label of each PRIMITIVES index (the two orders differ).
_LABEL_OF_PRIMITIVE = tuple(OPS.index(op) for op in PRIMITIVES)


@dataclass(frozen=True)
class Enumeration:
    space: OneShotSpace
    cell_ids: np.ndarray  # int32 [num_configurations]: index into cell_hashes
    cell_hashes: np.ndarray  # '<U32' [distinct cells]: NB101 module hashes, each once

    @property
    def num_configurations(self) -> int:
        return len(self.cell_ids)

    @property
    def hashes(self) -> np.ndarray:
        """Module hash of every configuration (a large array for space 3: 1.3 million strings)."""
        return self.cell_hashes[self.cell_ids]

    def unique_hashes(self) -> np.ndarray:
        return np.unique(self.cell_hashes)

    def arch(self, index: int) -> OneShotArch:
        return arch_at(self.space, index)


def arch_at(space: OneShotSpace, index: int) -> OneShotArch:
    if not 0 <= index < space.num_configurations:
        raise IndexError(f"{space.name} configuration index {index} outside 0..{space.num_configurations - 1}")
    num_ops = len(PRIMITIVES) ** space.num_blocks
    parent_code, op_code = divmod(index, num_ops)
    ops = _digits(op_code, [len(PRIMITIVES)] * space.num_blocks)
    choice = _digits(parent_code, [len(space.parent_sets(node)) for node in space.nodes])
    parents = tuple(space.parent_sets(node)[c] for node, c in zip(space.nodes, choice))
    return OneShotArch(space.number, tuple(PRIMITIVES[o] for o in ops), parents)


def index_of(arch: OneShotArch) -> int:
    space = arch.space
    op_code = 0
    for op in arch.ops:
        op_code = op_code * len(PRIMITIVES) + PRIMITIVES.index(op)
    parent_code = 0
    for node, parents in zip(space.nodes, arch.parents):
        sets = space.parent_sets(node)
        parent_code = parent_code * len(sets) + sets.index(parents)
    return parent_code * len(PRIMITIVES) ** space.num_blocks + op_code


def _digits(code: int, radices: list[int]) -> list[int]:
    digits = []
    for radix in reversed(radices):
        code, digit = divmod(code, radix)
        digits.append(digit)
    return digits[::-1]


def enumerate_space(space_or_number) -> Enumeration:
    space = space_or_number if isinstance(space_or_number, OneShotSpace) else get_space(space_or_number)
    return _enumerate(space.number)


@lru_cache(maxsize=None)
def _enumerate(number: int) -> Enumeration:
    space = get_space(number)
    blocks = space.num_blocks
    num_ops = len(PRIMITIVES) ** blocks
    op_tuples = np.array(list(product(range(len(PRIMITIVES)), repeat=blocks)), dtype=np.int64)  # [num_ops, blocks]
    cell_ids = np.empty(space.num_configurations, dtype=np.int32)
    cells = _CellIds()
    parent_choices = product(*(space.parent_sets(node) for node in space.nodes))
    for parent_code, parents in enumerate(parent_choices):
        matrix = _nb101_matrix(space, parents)
        keep = live_vertices(matrix.tolist())
        canonical, order = _canonical(matrix[np.ix_(keep, keep)])
        # NB101 vertex v <= blocks is choice block v; only live blocks' ops matter, in canonical vertex order
        live_blocks = [keep[order[k]] - 1 for k in range(1, len(keep) - 1)]
        codes = _live_op_codes(op_tuples, live_blocks)
        start = parent_code * num_ops
        cell_ids[start : start + num_ops] = cells.ids(canonical, len(live_blocks))[codes]
    return Enumeration(space, cell_ids, np.array(cells.hashes, dtype="<U32"))


@lru_cache(maxsize=None)
def _canonical_of(key: bytes, size: int) -> tuple[bytes, tuple[int, ...]]:
    matrix = np.frombuffer(key, dtype=np.int8).reshape(size, size)
    best = None
    for interior in permutations(range(1, size - 1)):
        order = (0, *interior, size - 1)
        candidate = matrix[np.ix_(order, order)]
        if np.any(np.tril(candidate)):
            continue  # not a topological numbering
        text = candidate.tobytes()
        if best is None or text < best[0]:
            best = (text, order)
    return best


def _canonical(pruned: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    """(canonical matrix, order) with canonical vertex k = pruned vertex order[k]; isomorphic graphs share it."""
    size = len(pruned)
    text, order = _canonical_of(np.ascontiguousarray(pruned, dtype=np.int8).tobytes(), size)
    return np.frombuffer(text, dtype=np.int8).reshape(size, size), order


def _nb101_matrix(space: OneShotSpace, parents) -> np.ndarray:
    size = space.output_node + 1
    matrix = np.zeros((size, size), dtype=np.int8)
    for node, node_parents in enumerate(parents, start=1):
        matrix[list(node_parents), node] = 1
    return upscale_to_nb101(matrix) if space.has_dummy_vertex else matrix


def _live_op_codes(op_tuples: np.ndarray, live_blocks: list[int]) -> np.ndarray:
    """For each full op assignment, the mixed-radix code of the ops of the live blocks only."""
    codes = np.zeros(len(op_tuples), dtype=np.int64)
    for block in live_blocks:
        codes = codes * len(PRIMITIVES) + op_tuples[:, block]
    return codes


class _CellIds:
    """Global ids of distinct module hashes; per canonical graph, the id of every op labelling."""

    def __init__(self):
        self.hashes: list[str] = []
        self._id_of: dict[str, int] = {}
        self._cache: dict[bytes, np.ndarray] = {}

    def ids(self, canonical: np.ndarray, num_live: int) -> np.ndarray:
        key = canonical.tobytes() + bytes([len(canonical)])
        if key not in self._cache:
            graph = _Graph(canonical)
            labellings = product(_LABEL_OF_PRIMITIVE, repeat=num_live)  # PRIMITIVES-index order
            self._cache[key] = np.array([self._id(graph.hash([INPUT_LABEL, *labels, OUTPUT_LABEL])) for labels in labellings])
        return self._cache[key]

    def _id(self, module_hash: str) -> int:
        if module_hash not in self._id_of:
            self._id_of[module_hash] = len(self.hashes)
            self.hashes.append(module_hash)
        return self._id_of[module_hash]


class _Graph:
    """graph_util.hash_module for one matrix and many labelings (neighbour lists computed once)."""

    def __init__(self, matrix: np.ndarray):
        self.size = len(matrix)
        self.in_degree = matrix.sum(axis=0).tolist()
        self.out_degree = matrix.sum(axis=1).tolist()
        self.ins = [np.flatnonzero(matrix[:, v]).tolist() for v in range(self.size)]
        self.outs = [np.flatnonzero(matrix[v]).tolist() for v in range(self.size)]

    def hash(self, labels) -> str:
        md5 = hashlib.md5
        hashes = [
            md5(str((self.out_degree[v], self.in_degree[v], labels[v])).encode()).hexdigest() for v in range(self.size)
        ]
        for _ in range(self.size):
            hashes = [
                md5(
                    (
                        "".join(sorted([hashes[w] for w in self.ins[v]]))
                        + "|"
                        + "".join(sorted([hashes[w] for w in self.outs[v]]))
                        + "|"
                        + hashes[v]
                    ).encode()
                ).hexdigest()
                for v in range(self.size)
            ]
        return md5(str(sorted(hashes)).encode()).hexdigest()
