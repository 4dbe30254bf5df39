"""The DARTS space family's discrete side: decisions, genotype text, derivation, projections."""

from __future__ import annotations

import pytest
import torch

from spaces.darts import primitives as P
from spaces.darts.space import DARTS_EDGES, FIXED_EDGES
from spaces.errors import MalformedArchitecture
from spaces.registry import get_space
from tests.fixtures.darts_genotypes import DARTS_V1, DARTS_V2

FAMILY = ("darts", "darts-s1", "darts-s2", "darts-s3", "darts-s4", "amended-s1", "amended-s2")


def test_darts_edges_are_in_dartss_order():
    # quark0/darts cnn/model_search.py Cell: for i in range(steps): for j in range(2 + i)
    assert DARTS_EDGES[:5] == ((0, 2), (1, 2), (0, 3), (1, 3), (2, 3)) and DARTS_EDGES[-1] == (4, 5)
    assert len(DARTS_EDGES) == P.NUM_EDGES == 14
    assert FIXED_EDGES == ((0, 2), (1, 2), (0, 3), (2, 3), (0, 4), (3, 4), (0, 5), (4, 5))


@pytest.mark.parametrize("name", FAMILY)
def test_every_space_of_the_family_is_registered_with_its_decisions(name):
    space = get_space(name)
    decisions = space.decisions(space.supernet_defaults())
    layers = space.supernet_defaults()["layers"]
    assert decisions.num_cells == layers
    reductions = [cell for cell in range(layers) if decisions.cell_types[decisions.cell_type_of[cell]].reduction]
    assert reductions == [layers // 3, 2 * layers // 3]
    if name == "amended-s2":
        assert layers == 20 and decisions.num_types == 20 and decisions.input_choices == ()
    else:
        assert [t.name for t in decisions.cell_types] == ["normal", "reduce"]
    if name.startswith("darts"):
        assert [c.keep for c in decisions.input_choices] == [2, 2, 2, 2]
        assert [len(c.edges) for c in decisions.input_choices] == [2, 3, 4, 5]


def test_s1_has_its_own_pair_on_every_edge():
    decisions = get_space("darts-s1").decisions({"layers": 8})
    assert decisions.ops_of(0, 5) == ("max_pool_3x3", "skip_connect")  # RobustDARTS src/spaces.py e5
    assert decisions.ops_of(1, 1) == ("max_pool_3x3", "dil_conv_3x3")
    assert decisions.shape == (2, 14, 2)


@pytest.mark.parametrize("text", [DARTS_V1, DARTS_V2])
def test_official_genotypes_round_trip(text):
    space = get_space("darts")
    genotype = space.parse(text)
    assert space.parse(str(genotype)) == genotype and str(space.parse(str(genotype))) == str(genotype)
    assert str(genotype).startswith("Genotype(normal=[('sep_conv_3x3', ")
    assert "normal_concat=[2, 3, 4, 5]" in str(genotype)  # range(2, 6) normalised


def test_op_counts_and_projection_of_darts_v2():
    genotype = get_space("darts").parse(DARTS_V2)
    assert genotype.op_counts() == {"normal": {"skip": 2, "parametric": 6}, "reduce": {"skip": 3, "parametric": 0}}
    table = genotype.one_hot()
    assert table.shape == (2, 14, 8) and table.sum() == 16
    # node 5 (edges 9..13) of the normal cell takes skip_connect from 0 and dil_conv_3x3 from 2
    assert table[0, 9, P.DARTS_OPS.index("skip_connect")] == 1 and table[0, 11, P.DARTS_OPS.index("dil_conv_3x3")] == 1
    assert table[0, 10].sum() == 0  # an edge the node did not keep


@pytest.mark.parametrize("text, message", [
    ("Genotype(normal=[('sep_conv_3x3', 0)])", "fields"),
    ("Genotype(normal=[('sep_conv_3x3', 0)], normal_concat=[2, 3, 4, 5], reduce=[], reduce_concat=[2, 3, 4, 5])",
     "8 .op, input. pairs"),
    (DARTS_V2.replace("('dil_conv_3x3', 2)", "('dil_conv_3x3', 5)"), "cannot take input 5"),
    (DARTS_V2.replace("('dil_conv_3x3', 2)", "('conv_7x1_1x7', 2)"), "not a candidate"),
    (DARTS_V2.replace("normal_concat=range(2, 6)", "normal_concat=[2, 3]"), "concat"),
    ("normal=[]", "expected Genotype"),
    ("Genotype(normal=[('a', 0)] + [], normal_concat=1, reduce=2, reduce_concat=3)", "literals"),
])
def test_malformed_genotypes_say_what_is_wrong(text, message):
    with pytest.raises(MalformedArchitecture, match=message):
        get_space("darts").parse(text)


def test_an_s2_genotype_rejects_an_op_outside_its_pair():
    with pytest.raises(MalformedArchitecture, match="not a candidate"):
        get_space("darts-s2").parse(DARTS_V2)


def independent_darts_genotype(weights: torch.Tensor, ops=P.DARTS_OPS):
    """quark0/darts genotype() written out plainly, for one cell type [14, ops]."""
    gene, start, n = [], 0, 2
    none = ops.index("none") if "none" in ops else None
    for _ in range(4):
        rows = weights[start:start + n]
        strength = [max(float(rows[j][k]) for k in range(len(ops)) if k != none) for j in range(n)]
        for j in sorted(range(n), key=lambda j: -strength[j])[:2]:
            best = max((k for k in range(len(ops)) if k != none), key=lambda k: (float(rows[j][k]), -k))
            gene.append((ops[best], j))
        start += n
        n += 1
    return tuple(gene)


def test_derivation_is_dartss_genotype():
    space = get_space("darts")
    scores = torch.softmax(torch.randn(2, 14, 8, generator=torch.Generator().manual_seed(3)), -1)
    scores[0, :, 0] = 0.9  # `none` strongest everywhere: never derived
    genotype = space.derive(scores)
    assert genotype.genes == (independent_darts_genotype(scores[0]), independent_darts_genotype(scores[1]))
    assert "'none'" not in str(genotype)


def test_pc_darts_edge_scores_multiply_the_op_weights():
    space = get_space("darts")
    scores = torch.full((2, 14, 8), 0.1)
    scores[:, :, 4] = 0.3  # sep_conv_3x3 strongest on every edge
    edge_scores = torch.ones(2, 14)
    edge_scores[:, 4] = 5.0  # edge 2 -> 3 (index 4) dominates node 3
    genotype = space.derive(scores, input_scores=edge_scores)
    assert (("sep_conv_3x3", 2) in genotype.genes[0][2:4]) and space.derive(scores).genes[0][2:4] == (
        ("sep_conv_3x3", 0), ("sep_conv_3x3", 1))


def test_top_ops_rule_can_take_two_ops_from_one_input():
    """PR-DARTS Section 5: the top two (edge, op) pairs of a node over all its incoming edges."""
    space = get_space("darts")
    scores = torch.zeros(2, 14, 8)
    scores[:, 0, 4], scores[:, 0, 5], scores[:, 1, 6] = 0.9, 0.8, 0.7  # node 2: two ops on input 0
    genotype = space.derive(scores, rule="top-ops")
    assert genotype.genes[0][:2] == (("sep_conv_3x3", 0), ("sep_conv_5x5", 0))
    assert space.derive(scores).genes[0][:2] == (("sep_conv_3x3", 0), ("dil_conv_3x3", 1))


def test_fixed_edge_cells_keep_both_inputs_and_a_type_per_cell():
    space = get_space("amended-s2")
    decisions = space.decisions({"layers": 5})
    scores = torch.randn(5, 8, 2, generator=torch.Generator().manual_seed(1))
    genotype = space.derive(scores)
    assert len(genotype.genes) == 5
    for gene in genotype.genes:
        assert sorted(source for _, source in gene) == [0, 0, 0, 0, 1, 2, 3, 4]
    assert space.parse(str(genotype)) == genotype
    assert decisions.cell_types[1].reduction and decisions.cell_types[3].reduction
