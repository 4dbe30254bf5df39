"""NAS-Bench-1Shot1 spaces 1-3: the parents tables, architectures and their text, NB101 conversion,
enumeration and derivation. No benchmark data needed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from spaces.errors import ConfigError, MalformedArchitecture
from spaces.nb101.cell import NB101Cell
from spaces.nb1shot1.architecture import OneShotArch
from spaces.nb1shot1.derive import derive
from spaces.nb1shot1.enumeration import arch_at, enumerate_space, index_of
from spaces.nb1shot1.oracle import paper_count
from spaces.nb1shot1.spaces import PRIMITIVES, SPACES, get_space

EXAMPLE_S1 = "conv3x3~0|maxpool3x3~0,1|conv1x1~1,2|conv3x3~0,3|output~2,4"


def test_parents_tables_and_primitives():
    # search_space_{1,2,3}.py num_parents_per_node; genotypes.py PRIMITIVES
    assert {n: s.num_parents for n, s in SPACES.items()} == {1: (1, 2, 2, 2, 2), 2: (1, 1, 2, 2, 3), 3: (1, 1, 1, 2, 2, 2)}
    assert all(sum(s.num_parents) == 9 for s in SPACES.values())  # NB101's edge limit
    assert PRIMITIVES == ("maxpool3x3", "conv3x3-bn-relu", "conv1x1-bn-relu")
    assert [s.scored_nodes for s in SPACES.values()] == [(3, 4, 5), (2, 3, 4, 5), (2, 3, 4, 5, 6)]
    assert get_space("nb1shot1-s2") is SPACES[2] and get_space("s3") is SPACES[3]
    with pytest.raises(ConfigError, match="nb1shot1-s1, nb1shot1-s2, nb1shot1-s3"):
        get_space(4)


def test_sizes():
    # configurations: 3**blocks x parent sets; the paper's counts (6,240 and 363,648) from paper_count
    assert [s.num_configurations for s in SPACES.values()] == [81 * 180, 81 * 360, 243 * 5400]
    assert paper_count(SPACES[1]) == 6_240
    assert paper_count(SPACES[3]) == 363_648
    assert SPACES[2].num_configurations == 29_160


def test_text_round_trip_and_equality():
    arch = OneShotArch.parse(1, EXAMPLE_S1)
    assert str(arch) == EXAMPLE_S1
    assert arch.ops == ("conv3x3-bn-relu", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu")
    assert arch.parents == ((0,), (0, 1), (1, 2), (0, 3), (2, 4))
    same = OneShotArch.parse(1, "conv3x3-bn-relu~0|maxpool3x3~1,0|conv1x1~2,1|conv3x3~3,0|output~4,2")
    assert same == arch and hash(same) == hash(arch) and str(same) == EXAMPLE_S1
    assert OneShotArch.parse(2, str(arch_at(SPACES[2], 12345))) == arch_at(SPACES[2], 12345)


@pytest.mark.parametrize(
    "space, text, message",
    [
        (1, "conv3x3~0|maxpool3x3~0,1|conv1x1~1,2|output~2,4", "expected 5 groups"),
        (1, "conv3x3~0|maxpool3x3~0,1|conv1x1~1|conv3x3~0,3|output~2,4", "node 3 takes exactly 2 parent"),
        (1, "conv3x3~0|maxpool3x3~0,1|conv1x1~1,3|conv3x3~0,3|output~2,4", "node 3 cannot take input from node 3"),
        (1, "conv3x3~0|maxpool3x3~0,1|conv1x1~1,1|conv3x3~0,3|output~2,4", "lists a parent twice"),
        (1, "conv5x5~0|maxpool3x3~0,1|conv1x1~1,2|conv3x3~0,3|output~2,4", "unknown op 'conv5x5'"),
        (1, "conv3x3~0|maxpool3x3~0,1|conv1x1~1,2|conv3x3~0,3|conv3x3~2,4", "must read 'output~parents'"),
        (1, "conv3x3~0|maxpool3x3~0,1|conv1x1~1,2|conv3x3~0,3|output~2,x", "comma-separated node numbers"),
        (2, "conv3x3~0|conv3x3~0|conv1x1~1,2|conv3x3~0,3|output~2,4", "the output node takes exactly 3"),
        (3, "conv3x3", "expected 6 groups"),
    ],
)
def test_text_errors(space, text, message):
    with pytest.raises(MalformedArchitecture, match=message):
        OneShotArch.parse(space, text)


def test_upscale_puts_a_dummy_vertex_before_the_output():
    arch = OneShotArch.parse(1, EXAMPLE_S1)
    expected = np.zeros((7, 7), dtype=int)
    for i, j in [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3), (0, 4), (3, 4), (2, 6), (4, 6)]:
        expected[i, j] = 1  # the output (node 5 of the space) is vertex 6; vertex 5 is unused
    assert np.array_equal(arch.nb101_matrix(), expected)
    assert arch.nb101_ops() == ("input", *arch.ops, "conv1x1-bn-relu", "output")
    space3 = arch_at(SPACES[3], 777)
    assert space3.nb101_matrix().shape == (7, 7) and len(space3.nb101_ops()) == 7


def _ancestor_cell(arch: OneShotArch) -> NB101Cell:
    """search_space.py `_create_adjacency_matrix`: only the output's ancestors, built backwards from it."""
    size = arch.space.output_node + 1
    matrix = np.zeros((size, size), dtype=int)
    todo, seen = [arch.space.output_node], set()
    while todo:
        node = todo.pop()
        if node in seen or node == 0:
            continue
        seen.add(node)
        for parent in arch.parents[node - 1]:
            matrix[parent, node] = 1
            todo.append(parent)
    if arch.space.has_dummy_vertex:
        matrix = np.insert(np.insert(matrix, 5, 0, axis=1), 5, 0, axis=0)
    return NB101Cell(matrix, arch.nb101_ops())


@pytest.mark.parametrize("number", [1, 2, 3])
def test_loose_ends_and_ancestor_construction_give_the_same_cell(number):
    space = SPACES[number]
    rng = np.random.default_rng(number)
    for index in rng.choice(space.num_configurations, size=200, replace=False):
        arch = arch_at(space, int(index))
        assert arch.to_nb101().pruned() == _ancestor_cell(arch).pruned()


@pytest.mark.parametrize("number", [1, 2, 3])
def test_enumeration_hashes_match_the_cell_path(number):
    space = SPACES[number]
    enumeration = enumerate_space(number)
    assert enumeration.num_configurations == space.num_configurations
    rng = np.random.default_rng(0)
    for index in rng.choice(space.num_configurations, size=300, replace=False):
        arch = enumeration.arch(int(index))
        assert index_of(arch) == index
        assert enumeration.cell_hashes[enumeration.cell_ids[index]] == arch.to_nb101().module_hash()
    assert len(enumeration.unique_hashes()) == len(enumeration.cell_hashes)  # each distinct cell listed once


def test_enumeration_lists_every_configuration_once():
    space = SPACES[1]
    seen = {str(arch_at(space, i)) for i in range(space.num_configurations)}
    assert len(seen) == space.num_configurations
    ops = list(itertools.product(PRIMITIVES, repeat=space.num_blocks))
    parents = list(itertools.product(*(itertools.combinations(range(n), space.parents_of(n)) for n in space.nodes)))
    assert len(ops) * len(parents) == len(seen)


def test_derive_top_k_and_argmax():
    space = SPACES[2]
    op_scores = np.array([[0.1, 0.9, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 3.0], [0.5, 0.4, 0.6]])
    inputs = {2: [0.2, 0.1], 3: [0.1, 0.5, 0.7], 4: [[0.9, 0.1, 0.8, 0.2]], 5: [0.0, 0.3, 0.1, 0.4, 0.5]}
    arch = derive(space, op_scores, inputs)
    assert str(arch) == "conv3x3~0|maxpool3x3~0|conv1x1~1,2|conv1x1~0,2|output~1,3,4"
    assert derive(2, op_scores, [inputs[n] for n in space.scored_nodes]) == arch


def test_derive_ties_prefer_the_first_op_and_the_lower_node():
    space = SPACES[3]
    arch = derive(space, np.zeros((5, 3)), {n: np.zeros(n) for n in space.scored_nodes})
    assert str(arch) == "maxpool3x3~0|maxpool3x3~0|maxpool3x3~0|maxpool3x3~0,1|maxpool3x3~0,1|output~0,1"


def test_derive_accepts_tensors():
    torch = pytest.importorskip("torch")
    space = SPACES[1]
    op_scores = torch.tensor([[0.0, 0.0, 1.0]] * 4, requires_grad=True)
    inputs = [torch.tensor([[0.1, 0.3, 0.2]]), torch.tensor([0.4, 0.3, 0.2, 0.1]), torch.tensor([0.0, 0.1, 0.2, 0.3, 0.4])]
    assert str(derive(space, op_scores, inputs)) == "conv1x1~0|conv1x1~0,1|conv1x1~1,2|conv1x1~0,1|output~3,4"


@pytest.mark.parametrize(
    "op_scores, inputs, message",
    [
        (np.zeros((3, 3)), None, r"shape \(4, 3\)"),
        (np.zeros((4, 3)), {3: np.zeros(3), 4: np.zeros(4)}, r"missing \[5\]"),
        (np.zeros((4, 3)), {2: np.zeros(2), 3: np.zeros(3), 4: np.zeros(4), 5: np.zeros(5)}, "have no choice"),
        (np.zeros((4, 3)), {3: np.zeros(2), 4: np.zeros(4), 5: np.zeros(5)}, "needs 3 input scores"),
        (np.full((4, 3), np.nan), {3: np.zeros(3), 4: np.zeros(4), 5: np.zeros(5)}, "finite"),
    ],
)
def test_derive_errors(op_scores, inputs, message):
    with pytest.raises(MalformedArchitecture, match=message):
        derive(1, op_scores, inputs if inputs is not None else {})
