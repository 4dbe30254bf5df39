"""NAS-Bench-101 cells: validation, pruning and the benchmark's graph hash.

A cell is an upper-triangular 0/1 adjacency matrix over V vertices plus one
label per vertex: vertex 0 is `input`, vertex V-1 is `output`, the others one of
OPS. Facts used here, all from google-research/nasbench:

- pruning (nasbench/lib/model_spec.py `ModelSpec._prune`): a vertex survives
  only when it is reachable from the input AND reaches the output; if fewer
  than two vertices survive, input and output are not connected and the spec is
  invalid. Rows/columns of the other vertices are deleted, keeping the order.
- the space (nasbench/api.py `_check_spec`, nasbench/lib/config.py): after
  pruning at most 7 vertices (`module_vertices`) and 9 edges (`max_edges`),
  first op `input`, last op `output`, the others in `available_ops`.
- the hash (nasbench/lib/graph_util.py `hash_module`, model_spec.py
  `hash_spec`): labels are the index in `available_ops` =
  [conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3], with input -1 and output -2.
  Each vertex starts as md5 of the text of the tuple (out-degree, in-degree,
  label); then V rounds replace every vertex hash by md5 of its sorted
  in-neighbour hashes joined, '|', its sorted out-neighbour hashes joined, '|',
  its own hash; the fingerprint is md5 of the text of the sorted list of hashes.
  The texts are Python's `str` of a tuple of ints / a list of str, so they are
  reproduced here with the same `str` calls.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from spaces.errors import MalformedArchitecture

INPUT = "input"
OUTPUT = "output"
CONV3X3 = "conv3x3-bn-relu"
CONV1X1 = "conv1x1-bn-relu"
MAXPOOL3X3 = "maxpool3x3"
# nasbench/lib/config.py `available_ops`: this order IS the hash label (0, 1, 2).
OPS: tuple[str, ...] = (CONV3X3, CONV1X1, MAXPOOL3X3)
LABELS: tuple[str, ...] = (INPUT, *OPS, OUTPUT)
INPUT_LABEL = -1  # nasbench/lib/model_spec.py hash_spec
OUTPUT_LABEL = -2
MAX_VERTICES = 7  # nasbench/lib/config.py module_vertices
MAX_EDGES = 9  # nasbench/lib/config.py max_edges
# Short names a user may type; the canonical text always uses the official labels.
OP_ALIASES = {"conv3x3": CONV3X3, "conv1x1": CONV1X1, "maxpool": MAXPOOL3X3}


@dataclass(frozen=True)
class NB101Cell:
    """A labelled DAG as NAS-Bench-101 takes it (not necessarily pruned).

    `matrix` is a tuple of row tuples of 0/1 ints, `ops` the vertex labels
    (official names). Construction checks the form only; `pruned()` and
    `module_hash()` apply the benchmark's pruning and space limits.
    """

    matrix: tuple[tuple[int, ...], ...]
    ops: tuple[str, ...]

    def __post_init__(self):
        object.__setattr__(self, "matrix", _as_matrix(self.matrix))
        object.__setattr__(self, "ops", _as_ops(self.ops, len(self.matrix)))

    @classmethod
    def from_arrays(cls, matrix, ops: Sequence[str]) -> "NB101Cell":
        return cls(matrix, tuple(ops))

    @property
    def num_vertices(self) -> int:
        return len(self.ops)

    @property
    def num_edges(self) -> int:
        return sum(map(sum, self.matrix))

    def array(self) -> np.ndarray:
        return np.array(self.matrix, dtype=np.int8)

    def pruned(self) -> "NB101Cell":
        """The cell without vertices off every input->output path; MalformedArchitecture if disconnected."""
        keep = live_vertices(self.matrix)
        if keep is None:
            raise MalformedArchitecture(f"NB101 cell {self}: the input is not connected to the output")
        if len(keep) == self.num_vertices:
            return self
        return NB101Cell(
            tuple(tuple(self.matrix[i][j] for j in keep) for i in keep), tuple(self.ops[i] for i in keep)
        )

    def in_space(self) -> "NB101Cell":
        """The pruned cell, checked against NAS-Bench-101's limits (MalformedArchitecture when outside)."""
        cell = self.pruned()
        if cell.num_vertices > MAX_VERTICES:
            raise MalformedArchitecture(
                f"NB101 cell {self}: {cell.num_vertices} vertices after pruning; NAS-Bench-101 allows at most {MAX_VERTICES}"
            )
        if cell.num_edges > MAX_EDGES:
            raise MalformedArchitecture(
                f"NB101 cell {self}: {cell.num_edges} edges after pruning; NAS-Bench-101 allows at most {MAX_EDGES}"
            )
        return cell

    def labels(self) -> list[int]:
        return [INPUT_LABEL] + [OPS.index(op) for op in self.ops[1:-1]] + [OUTPUT_LABEL]

    def module_hash(self) -> str:
        """The benchmark's module hash of the pruned cell (32 hex chars)."""
        cell = self.in_space()
        return hash_module(cell.matrix, cell.labels())

    def __str__(self) -> str:
        from spaces.nb101.text import format_cell  # text.py imports this module

        return format_cell(self)


def _as_matrix(matrix) -> tuple[tuple[int, ...], ...]:
    try:
        array = np.asarray(matrix)
    except (TypeError, ValueError) as error:
        raise MalformedArchitecture(f"an NB101 adjacency matrix must be a square 0/1 array ({error})") from None
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        raise MalformedArchitecture(f"an NB101 adjacency matrix must be square, got shape {array.shape}")
    if array.shape[0] < 2:
        raise MalformedArchitecture("an NB101 cell needs at least an input and an output vertex")
    if array.dtype.kind not in "biuf" or not np.all((array == 0) | (array == 1)):
        raise MalformedArchitecture("an NB101 adjacency matrix holds only 0 and 1")
    if np.any(np.tril(array) != 0):
        i, j = (int(k[0]) for k in np.nonzero(np.tril(array)))
        raise MalformedArchitecture(
            f"an NB101 adjacency matrix is upper triangular (edges go from lower to higher vertex), "
            f"but entry [{i}][{j}] is 1"
        )
    return tuple(tuple(int(v) for v in row) for row in array)


def _as_ops(ops, size: int) -> tuple[str, ...]:
    if isinstance(ops, str) or not isinstance(ops, Sequence):
        raise MalformedArchitecture(f"NB101 ops are a list of labels, got {type(ops).__name__}")
    ops = tuple(OP_ALIASES.get(op, op) if isinstance(op, str) else op for op in ops)
    if len(ops) != size:
        raise MalformedArchitecture(f"an NB101 cell with {size} vertices needs {size} ops, got {len(ops)}")
    if ops[0] != INPUT or ops[-1] != OUTPUT:
        raise MalformedArchitecture(
            f"the first NB101 op must be {INPUT!r} and the last {OUTPUT!r}, got {ops[0]!r} and {ops[-1]!r}"
        )
    for vertex, op in enumerate(ops[1:-1], start=1):
        if op not in OPS:
            raise MalformedArchitecture(
                f"vertex {vertex} has op {op!r}; NB101 ops between input and output are {', '.join(OPS)}"
            )
    return ops


def live_vertices(matrix: Sequence[Sequence[int]]) -> list[int] | None:
    """Vertices on some input->output path, in order; None when input and output are not connected."""
    size = len(matrix)
    from_input = _reach(size, 0, lambda v: (w for w in range(v + 1, size) if matrix[v][w]))
    to_output = _reach(size, size - 1, lambda v: (w for w in range(v) if matrix[w][v]))
    keep = sorted(from_input & to_output)
    # model_spec.py: fewer than 2 survivors means no input->output path.
    return keep if len(keep) >= 2 else None


def _reach(size: int, start: int, neighbours) -> set[int]:
    seen, frontier = {start}, [start]
    while frontier:
        for w in neighbours(frontier.pop()):
            if w not in seen:
                seen.add(w)
                frontier.append(w)
    return seen


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def hash_module(matrix: Sequence[Sequence[int]], labels: Sequence[int]) -> str:
    """NB101's `hash_module` of an (already pruned) matrix and integer labeling."""
    size = len(labels)
    in_degree = [sum(matrix[w][v] for w in range(size)) for v in range(size)]
    out_degree = [sum(matrix[v]) for v in range(size)]
    in_neighbours = [[w for w in range(size) if matrix[w][v]] for v in range(size)]
    out_neighbours = [[w for w in range(size) if matrix[v][w]] for v in range(size)]
    hashes = [_md5(str((out_degree[v], in_degree[v], int(labels[v])))) for v in range(size)]
    for _ in range(size):
        hashes = [
            _md5(
                "".join(sorted(hashes[w] for w in in_neighbours[v]))
                + "|"
                + "".join(sorted(hashes[w] for w in out_neighbours[v]))
                + "|"
                + hashes[v]
            )
            for v in range(size)
        ]
    return _md5(str(sorted(hashes)))


def cell_hash(matrix, ops: Sequence[str]) -> str:
    """Module hash of a (matrix, ops) cell after pruning; MalformedArchitecture when outside NB101."""
    return NB101Cell.from_arrays(matrix, ops).module_hash()
