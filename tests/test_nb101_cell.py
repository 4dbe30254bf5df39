"""NB101 cells: pruning, the space's limits, the module hash's invariances, and the text form."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from spaces.errors import MalformedArchitecture
from spaces.nb101.cell import NB101Cell, hash_module, live_vertices
from spaces.nb101.table import decode_cell, encode_cell
from spaces.nb101.text import EXAMPLE, format_cell, parse_arch_text

C3, C1, MP = "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"
INCEPTION = NB101Cell(
    [[0, 1, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 1, 0, 0],
     [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
    ["input", C1, C3, C3, C3, MP, "output"],
)


def permuted(cell: NB101Cell, order: list[int]) -> NB101Cell:
    """The same graph with interior vertices renumbered (order[new] = old); kept upper triangular."""
    full = [0, *order, cell.num_vertices - 1]
    matrix = np.array(cell.matrix)[np.ix_(full, full)]
    return NB101Cell(matrix, [cell.ops[v] for v in full])


def topological_orders(cell: NB101Cell):
    interior = list(range(1, cell.num_vertices - 1))
    for order in itertools.permutations(interior):
        position = {v: i for i, v in enumerate(order)}
        if all(position[i] < position[j] for i in interior for j in interior if cell.matrix[i][j]):
            yield list(order)


def test_hash_is_invariant_under_vertex_renumbering():
    orders = list(topological_orders(INCEPTION))
    assert len(orders) > 10
    hashes = {permuted(INCEPTION, order).module_hash() for order in orders}
    assert hashes == {INCEPTION.module_hash()}


def test_hash_sees_labels_and_edges():
    base = INCEPTION.module_hash()
    relabelled = NB101Cell(INCEPTION.matrix, ["input", C3, C3, C3, C3, MP, "output"])
    matrix = [list(row) for row in INCEPTION.matrix]
    matrix[0][5], matrix[1][5] = 0, 1  # 0->5 becomes 1->5: same edge count, another graph
    assert len({base, relabelled.module_hash(), NB101Cell(matrix, INCEPTION.ops).module_hash()}) == 3


def test_label_order_is_nb101s_own():
    # conv3x3 is label 0 and conv1x1 label 1 (nasbench/lib/config.py available_ops); swapping them changes the hash
    chain = [[0, 1, 0], [0, 0, 1], [0, 0, 0]]
    assert NB101Cell(chain, ["input", C3, "output"]).module_hash() == hash_module(chain, [-1, 0, -2])
    assert NB101Cell(chain, ["input", C1, "output"]).module_hash() == hash_module(chain, [-1, 1, -2])
    assert NB101Cell(chain, ["input", MP, "output"]).module_hash() == hash_module(chain, [-1, 2, -2])


def test_pruning_drops_vertices_off_every_path():
    # vertex 1 has no input (unreachable from the input), vertex 3 feeds nothing
    matrix = [[0, 0, 1, 1, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]
    cell = NB101Cell(matrix, ["input", MP, C3, C1, "output"])
    assert live_vertices(matrix) == [0, 2, 4]
    pruned = cell.pruned()
    assert pruned.matrix == ((0, 1, 0), (0, 0, 1), (0, 0, 0)) and pruned.ops == ("input", C3, "output")
    assert cell.module_hash() == pruned.module_hash()


def test_pruning_happens_before_the_edge_limit():
    # 10 edges as written; vertex 5 reaches no output, so pruning removes it and its 2 edges
    matrix = np.zeros((7, 7), dtype=int)
    for i, j in [(0, 1), (1, 2), (2, 3), (3, 4), (4, 6), (0, 2), (0, 3), (1, 3), (0, 5), (2, 5)]:
        matrix[i, j] = 1
    cell = NB101Cell(matrix, ["input", C3, C3, C3, C3, C3, "output"])
    assert cell.num_edges == 10
    assert cell.pruned().num_edges == 8 and cell.pruned().num_vertices == 6
    assert len(cell.module_hash()) == 32


@pytest.mark.parametrize(
    "matrix, ops, message",
    [
        (np.triu(np.ones((7, 7), dtype=int), 1), ["input"] + [C3] * 5 + ["output"], "21 edges after pruning"),
        (np.diag(np.ones(7, dtype=int), 1)[:8, :8], ["input"] + [C3] * 6 + ["output"], "8 vertices after pruning"),
        ([[0, 1, 0], [0, 0, 0], [0, 0, 0]], ["input", C3, "output"], "not connected"),
    ],
)
def test_cells_outside_nb101(matrix, ops, message):
    with pytest.raises(MalformedArchitecture, match=message):
        NB101Cell(matrix, ops).module_hash()


@pytest.mark.parametrize(
    "matrix, ops, message",
    [
        ([[0, 1], [1, 0]], ["input", "output"], "upper triangular"),
        ([[0, 2], [0, 0]], ["input", "output"], "only 0 and 1"),
        ([[0, 1, 1], [0, 0, 1]], ["input", C3, "output"], "square"),
        ([[0, 1], [0, 0]], ["input", C3, "output"], "needs 2 ops"),
        ([[0, 1, 1], [0, 0, 1], [0, 0, 0]], [C3, C3, "output"], "first NB101 op must be 'input'"),
        ([[0, 1, 1], [0, 0, 1], [0, 0, 0]], ["input", "conv5x5", "output"], "vertex 1 has op 'conv5x5'"),
    ],
)
def test_malformed_cells(matrix, ops, message):
    with pytest.raises(MalformedArchitecture, match=message):
        NB101Cell(matrix, ops)


def test_text_round_trip_and_example():
    cell = parse_arch_text(EXAMPLE)
    assert cell == INCEPTION
    assert format_cell(cell) == EXAMPLE and str(cell) == EXAMPLE
    assert parse_arch_text(str(cell)) == cell
    short = EXAMPLE.replace("conv1x1-bn-relu", "conv1x1").replace(";", " ; ")
    assert parse_arch_text(short) == INCEPTION
    assert parse_arch_text("02E5A0247BBDCF2860B7E96F74961594 ") == "02e5a0247bbdcf2860b7e96f74961594"


@pytest.mark.parametrize(
    "text, message",
    [
        ("02e5a0247bbdcf2860b7e96f7496159", "expected a 32-hex module hash"),
        ("matrix=01/00", "no ops= part"),
        ("matrix=01/00;ops=input,output;ops=input,output", "given twice"),
        ("matrix=012/000/000;ops=input,conv3x3,output", "matrix row 0 is '012'"),
        ("matrix=01/000;ops=input,output", "row 1 has 3"),
        ("matrix=011/001/000;ops=input,conv7x7,output", "unknown op 'conv7x7'"),
        ("matrix=011/001/000;ops=input,output", "needs 3 ops"),
    ],
)
def test_text_errors(text, message):
    with pytest.raises(MalformedArchitecture, match=message):
        parse_arch_text(text)


def test_cell_codes_round_trip():
    pruned = INCEPTION.pruned()
    labels = pruned.labels()[1:-1]
    matrix, ops = decode_cell(encode_cell(pruned.matrix, labels))
    assert NB101Cell(matrix, ops) == pruned
    tiny = NB101Cell([[0, 1], [0, 0]], ["input", "output"])
    assert NB101Cell(*decode_cell(encode_cell(tiny.matrix, []))) == tiny
