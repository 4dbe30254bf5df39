"""The NB201 supernet kernel against a plain per-edge implementation."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from spaces.base import ArchWeights
from spaces.nb201.encoding import EDGES, NUM_NODES, OPS
from spaces.nb201.network import NB201Supernet
from spaces.nb201.search_cell import NB201SearchCell
from spaces.ops import search_batch_norm


def reference_cell(cell: NB201SearchCell, x: torch.Tensor, weights: torch.Tensor, edge_scale=None) -> torch.Tensor:
    """Textbook mixed op: every op of every edge computed separately, then the weighted sum.

    With partial channels: the mixed op sees the first C/K channels, the rest bypass it,
    and the concatenation is channel-shuffled (written with explicit indexing here).
    """
    k = cell.partial_channels

    def shuffle(t):
        groups = torch.arange(t.shape[1]).reshape(k, -1).T.reshape(-1)  # channel c*K+g <- group g, index c
        return t[:, groups]

    def edge_output(edge: int, h: torch.Tensor) -> torch.Tensor:
        part = h[:, : h.shape[1] // k]
        mixed = sum(weights[edge, o] * op_output(name, edge, part) for o, name in enumerate(OPS))
        out = shuffle(torch.cat([mixed, h[:, h.shape[1] // k:]], 1)) if k > 1 else mixed
        return out if edge_scale is None else edge_scale[edge] * out

    def op_output(op: str, edge: int, h: torch.Tensor) -> torch.Tensor:
        if op == "none":
            return h * 0
        if op == "skip_connect":
            return h
        if op == "avg_pool_3x3":
            return F.avg_pool2d(h, 3, 1, 1, count_include_pad=False)
        kernel = cell.conv1x1[edge] if op == "nor_conv_1x1" else cell.conv3x3[edge]
        return search_batch_norm(F.conv2d(F.relu(h), kernel, padding=kernel.shape[-1] // 2))

    nodes = [x]
    for j in range(1, NUM_NODES):
        total = sum(edge_output(e, nodes[i]) for e, (i, target) in enumerate(EDGES) if target == j)
        nodes.append(search_batch_norm(total) if cell.node_bn else total)
    return nodes[-1]


def _cell_and_input(seed=0, channels=4, **options):
    g = torch.Generator().manual_seed(seed)
    cell = NB201SearchCell(channels, **options).double()
    cell.reset_parameters(g)
    x = torch.randn(5, channels, 6, 6, generator=g, dtype=torch.float64)
    return cell, x, g


def test_cell_matches_reference_with_dense_weights():
    cell, x, g = _cell_and_input()
    weights = torch.softmax(torch.randn(6, 5, generator=g, dtype=torch.float64), -1).requires_grad_()
    mask = (weights != 0).tolist()
    ours = cell(x, weights, mask)
    theirs = reference_cell(cell, x, weights)
    torch.testing.assert_close(ours, theirs)
    grad_ours = torch.autograd.grad(ours.square().sum(), [weights, *cell.parameters()])
    grad_theirs = torch.autograd.grad(theirs.square().sum(), [weights, *cell.parameters()])
    for a, b in zip(grad_ours, grad_theirs):
        torch.testing.assert_close(a, b)


def test_zero_weights_are_not_computed_and_change_nothing():
    cell, x, g = _cell_and_input(seed=1)
    weights = torch.rand(6, 5, generator=g, dtype=torch.float64)
    weights[0, OPS.index("nor_conv_3x3")] = 0.0  # edge 0 -> 1 without its 3x3 conv
    weights[5, :] = 0.0  # edge 2 -> 3 entirely off
    weights.requires_grad_()
    out = cell(x, weights, (weights != 0).tolist())
    torch.testing.assert_close(out, reference_cell(cell, x, weights))
    out.sum().backward()
    assert cell.conv3x3[0].grad is None, "a conv whose weight is 0 must not be computed"
    assert cell.conv1x1[5].grad is None and cell.conv3x3[5].grad is None
    assert cell.conv3x3[3].grad is not None  # edge 0 -> 3 (edge 0 -> 2 feeds node 2, whose one way out is off)


def test_one_hot_weights_give_a_single_path_network():
    cell, x, _ = _cell_and_input(seed=2)
    ops = [3, 1, 2, 0, 4, 3]
    weights = F.one_hot(torch.tensor(ops), 5).double()
    out = cell(x, weights, (weights != 0).tolist())
    torch.testing.assert_close(out, reference_cell(cell, x, weights))


def test_partial_channels_edge_scale_and_node_bn_match_reference():
    for options in ({"partial_channels": 4}, {"node_bn": True}, {"partial_channels": 2, "node_bn": True}):
        cell, x, g = _cell_and_input(seed=3, channels=8, **options)
        weights = torch.softmax(torch.randn(6, 5, generator=g, dtype=torch.float64), -1)
        weights[2, :] = 0.0  # an edge whose ops are all off still passes its bypassed channels
        weights.requires_grad_()
        scale = torch.rand(6, generator=g, dtype=torch.float64).requires_grad_()
        ours = cell(x, weights, (weights != 0).tolist(), scale)
        theirs = reference_cell(cell, x, weights, scale)
        torch.testing.assert_close(ours, theirs, msg=str(options))
        (w_ours, s_ours), (w_theirs, s_theirs) = (torch.autograd.grad(out.sum(), [weights, scale])
                                                  for out in (ours, theirs))
        torch.testing.assert_close(s_ours, s_theirs, msg=str(options))
        # ops at weight 0 are not computed, so by design their weight gets no gradient
        on = weights.detach() != 0
        torch.testing.assert_close(w_ours[on], w_theirs[on], msg=str(options))
        assert torch.all(w_ours[~on] == 0)


def test_partial_channel_convs_are_narrower():
    cell = NB201SearchCell(16, partial_channels=4)
    assert cell.conv3x3[0].shape == (4, 4, 3, 3)


def test_supernet_shapes_and_parameter_count():
    g = torch.Generator().manual_seed(0)
    net = NB201Supernet(channels=16, cells_per_stage=5, num_classes=10)
    net.reset_parameters(g)
    weights = torch.full((15, 6, 5), 0.2)
    assert net(torch.randn(2, 3, 32, 32), ArchWeights(weights)).shape == (2, 10)
    # every cell holds a 1x1 and a 3x3 conv per edge: 6 * (C^2 + 9 C^2) per cell of width C
    cell_params = 5 * 6 * 10 * (16**2 + 32**2 + 64**2)
    assert sum(p.numel() for n, p in net.named_parameters() if "conv1x1" in n or "conv3x3" in n) == cell_params


def test_initialisation_is_reproducible_and_seed_dependent():
    def build(seed):
        net = NB201Supernet(8, 1, 10)
        net.reset_parameters(torch.Generator().manual_seed(seed))
        return torch.cat([p.flatten() for p in net.parameters()])

    torch.testing.assert_close(build(3), build(3), rtol=0, atol=0)
    assert not torch.equal(build(3), build(4))


def test_wrong_weight_shape_is_rejected():
    net = NB201Supernet(4, 1, 10)
    try:
        net(torch.randn(1, 3, 8, 8), ArchWeights(torch.ones(2, 6, 5)))
    except ValueError as error:
        assert "cells=3" in str(error)
    else:
        raise AssertionError("a weight tensor for the wrong number of cells must be rejected")
