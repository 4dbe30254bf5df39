"""The 1Shot1 spaces on the space contract: decisions, derivation, parsing, the Architecture protocol,
supernet options and the registry. No benchmark data needed."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spaces.base import NODE, architecture_columns
from spaces.errors import ConfigError, MalformedArchitecture
from spaces.nb1shot1.enumeration import arch_at
from spaces.registry import get_benchmark, get_space, list_spaces

# nasbench_analysis/search_spaces/search_space_{1,2,3}.py num_parents_per_node (nodes 1..output)
PARENTS = {"nb1shot1-s1": (1, 2, 2, 2, 2), "nb1shot1-s2": (1, 1, 2, 2, 3), "nb1shot1-s3": (1, 1, 1, 2, 2, 2)}
PRIMITIVES = ("maxpool3x3", "conv3x3-bn-relu", "conv1x1-bn-relu")  # optimizers/darts/genotypes.py


def expected_edges(output):
    return tuple((source, node) for node in range(1, output + 1) for source in range(node))


@pytest.mark.parametrize("name", list(PARENTS))
def test_decisions(name):
    space = get_space(name)
    parents = PARENTS[name]
    blocks, output = len(parents) - 1, len(parents)
    decisions = space.decisions({"channels": 16, "cells_per_stage": 3, "partial_channels": 1})
    assert decisions.shape == (1, blocks, 3) and decisions.num_cells == 9
    assert [cell_type.name for cell_type in decisions.cell_types] == ["cell"]
    assert [(c.anchor, c.at, c.ops) for c in decisions.choices] == [(NODE, b, PRIMITIVES) for b in range(1, blocks + 1)]
    assert decisions.edges == expected_edges(output)
    assert [(c.node, [decisions.edges[e] for e in c.edges], c.keep, c.learned) for c in decisions.input_choices] == [
        (node, [(s, node) for s in range(node)], parents[node - 1], True) for node in range(1, output + 1)]
    assert decisions.roles.skip is None and decisions.roles.zero is None
    assert decisions.roles.parametric == {"conv3x3-bn-relu", "conv1x1-bn-relu"}
    assert decisions.chain_choices() == tuple(range(blocks))
    assert space.decisions({"cells_per_stage": 2}).num_cells == 6


def scores_for(space, arch, generator):
    """Op scores and input scores under which `arch` is the unique best choice."""
    decisions = space.decisions({"cells_per_stage": 1})
    ops = torch.as_tensor(arch.one_hot()) + 0.1 * torch.rand(decisions.shape, generator=generator, dtype=torch.float64)
    inputs = 0.1 * torch.rand(1, len(decisions.edges), generator=generator, dtype=torch.float64)
    for node, node_parents in zip(range(1, len(arch.parents) + 1), arch.parents):
        for source in node_parents:
            inputs[0, decisions.edges.index((source, node))] += 1.0
    return ops, inputs


@pytest.mark.parametrize("name", list(PARENTS))
def test_derive_finds_the_scored_architecture_and_text_round_trips(name):
    space = get_space(name)
    generator = torch.Generator().manual_seed(0)
    indices = torch.randint(0, space.space.num_configurations, (40,), generator=generator)
    for index in indices.tolist():
        arch = arch_at(space.space, index)
        ops, inputs = scores_for(space, arch, generator)
        for rule in ("per-choice", "top-ops"):
            derived = space.derive(ops, None, inputs, rule)
            assert derived == arch
            assert space.parse(str(derived)) == derived and str(space.parse(str(derived))) == str(derived)


def test_derive_respects_allowed_ops_and_ignores_inputs_of_nodes_without_a_choice():
    space = get_space("nb1shot1-s1")
    arch = space.parse("conv3x3~0|maxpool3x3~0,1|conv1x1~1,2|conv3x3~0,3|output~2,4")
    ops, inputs = scores_for(space, arch, torch.Generator().manual_seed(1))
    allowed = torch.ones(1, 4, 3, dtype=torch.bool)
    allowed[0, 0, 1] = False  # block 1 may not take conv3x3, its best op
    second = PRIMITIVES[int(np.argsort(-ops[0, 0].numpy())[1])]
    assert space.derive(ops, allowed, inputs).ops[0] == second
    # node 2 of space 1 takes both candidates whatever its input scores say
    inputs[0, 1:3] = torch.tensor([-5.0, 7.0], dtype=torch.float64)
    assert space.derive(ops, None, inputs) == arch


def test_derive_errors():
    space = get_space("nb1shot1-s2")
    ops, inputs = torch.rand(1, 4, 3), torch.rand(1, 15)
    with pytest.raises(ConfigError, match="learned input weights"):
        space.derive(ops, None, None)
    with pytest.raises(MalformedArchitecture, match=r"\[1, blocks, ops\]"):
        space.derive(torch.rand(1, 6, 5), None, inputs)
    with pytest.raises(MalformedArchitecture, match=r"\[1, edges\] = \[1, 15\]"):
        space.derive(ops, None, torch.rand(1, 21))
    allowed = torch.ones(1, 4, 3, dtype=torch.bool)
    allowed[0, 2] = False
    with pytest.raises(MalformedArchitecture, match="choice block 3 has no allowed op"):
        space.derive(ops, allowed, inputs)
    with pytest.raises(ConfigError, match="unknown derivation rule"):
        space.derive(ops, None, inputs, "strongest")


def test_architecture_protocol():
    space = get_space("nb1shot1-s3")
    arch = space.parse("conv3x3~0|conv1x1~1|maxpool3x3~0|conv3x3~2,3|conv3x3~1,4|output~0,5")
    assert arch.op_counts() == {"cell": {"skip": 0, "parametric": 4}}
    one_hot = arch.one_hot()
    assert one_hot.shape == (1, 5, 3) and one_hot.sum() == 5
    assert [PRIMITIVES[i] for i in one_hot[0].argmax(-1)] == list(arch.ops)
    decisions = space.decisions({"cells_per_stage": 3})
    assert architecture_columns(arch, decisions) == {"arch": str(arch), "skip_count": 0, "parametric_count": 4}
    assert arch == space.parse(" conv3x3~0 | conv1x1-bn-relu~1|maxpool3x3~0|conv3x3~3,2|conv3x3~1,4|output~5,0")
    assert hash(arch) == hash(space.parse(str(arch)))


def test_supernet_options():
    space = get_space("nb1shot1-s1")
    generator = torch.Generator().manual_seed(0)
    defaults = space.supernet_defaults()
    assert defaults == {"channels": 16, "cells_per_stage": 3, "partial_channels": 1, "node_bn": False}
    net = space.supernet({**defaults, "channels": 8, "cells_per_stage": 1, "partial_channels": 4}, 10, generator)
    assert net.num_cells == 3 and net.cells[0].blocks[0].mixed_channels == 2
    with pytest.raises(ConfigError, match="has no option stem"):
        space.supernet({**defaults, "stem": 3}, 10, generator)
    with pytest.raises(ConfigError, match="must divide supernet.channels=6"):
        space.supernet({**defaults, "channels": 6, "cells_per_stage": 1, "partial_channels": 4}, 10, generator)
    with pytest.raises(ConfigError, match="cells_per_stage must be a positive integer"):
        space.supernet({**defaults, "channels": 8, "cells_per_stage": 0}, 10, generator)
    with pytest.raises(ConfigError, match="node_bn must be true or false"):
        space.supernet({**defaults, "node_bn": "yes"}, 10, generator)


def test_registry():
    assert {"nb1shot1-s1", "nb1shot1-s2", "nb1shot1-s3", "nb101", "nb201"} <= set(list_spaces())
    for name in PARENTS:
        space = get_space(name)
        assert space.name == name and space.oracle_benchmark == "nb101" and "NAS-Bench-1Shot1" in space.summary
    assert get_benchmark("nb101").file_name == "nb101.h5"
    with pytest.raises(ConfigError, match="for `harness query` only"):
        get_space("nb101").supernet_defaults()
