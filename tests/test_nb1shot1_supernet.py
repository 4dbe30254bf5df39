"""The 1Shot1 one-shot network against a plain per-block reference written as the repository's
model_search.py is (automl/nasbench-1shot1 optimizers/darts/model_search.py, commit 05b378b):
equal logits and gradients in float64 on a tiny network, for every space."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from spaces.base import ArchWeights
from spaces.registry import get_space

SPACE_NAMES = ("nb1shot1-s1", "nb1shot1-s2", "nb1shot1-s3")
CHANNELS, CELLS_PER_STAGE, BATCH, SIZE = 4, 1, 3, 8


# --- the reference: the repository's structure, written out -------------------------------------


def conv_bn_relu(module, x, kernel):
    """operations.py ConvBnRelu in training mode (batch statistics)."""
    h = F.conv2d(x, module.conv.weight, padding=kernel // 2)
    return F.relu(F.batch_norm(h, None, None, module.bn.weight, module.bn.bias, training=True, eps=1e-5))


def shuffle(x, groups):
    """PC-DARTS channel_shuffle: [B, g * c, H, W] -> [B, c * g, H, W]."""
    b, c, h, w = x.shape
    return x.view(b, groups, c // groups, h, w).transpose(1, 2).contiguous().view(b, c, h, w)


def mixed_op(block, x, weights, partial):
    """MixedOp over PRIMITIVES = [maxpool3x3, conv3x3-bn-relu, conv1x1-bn-relu]; MixedOpPCDARTS when partial > 1."""
    ops = [lambda t: F.max_pool2d(t, 3, stride=1, padding=1),
           lambda t: conv_bn_relu(block.conv3x3, t, 3),
           lambda t: conv_bn_relu(block.conv1x1, t, 1)]
    if partial == 1:
        return sum(w * op(x) for w, op in zip(weights, ops))
    c = x.shape[1]
    part = sum(w * op(x[:, : c // partial]) for w, op in zip(weights, ops))
    return shuffle(torch.cat([part, x[:, c // partial:]], dim=1), partial)


def reference_cell(cell, space_number, s0, mixed_weights, output_weights, input_weights, partial, offsets=None):
    """Cell.forward: input_weights is the list of [1, n] vectors of blocks 3.. (space 1) or 2.. (spaces 2, 3)."""
    steps = mixed_weights.shape[0]
    remaining = list(input_weights)
    states = []
    for idx in range(steps):
        weight = None if idx == 0 or (idx == 1 and space_number == 1) else remaining.pop(0)
        inputs = [conv_bn_relu(cell.projections[idx], s0, 1), *states]
        if weight is not None:
            inputs = [w * t for w, t in zip(weight.squeeze(0), inputs)]
        out = mixed_op(cell.blocks[idx], sum(inputs), mixed_weights[idx], partial)
        if offsets is not None:  # the harness's GDAS extension: a scalar on each block's output
            out = out + offsets[idx]
        states.append(out)
    assert not remaining
    tensor_list = [w * t for w, t in zip(output_weights[0][1:], states)]
    return output_weights[0][0] * conv_bn_relu(cell.output_projection, s0, 1) + torch.cat(tensor_list, dim=1)


def reference_logits(net, space_number, x, per_cell, partial=1, offsets=None):
    """Network.forward with one (mixed, output, inputs) triple per cell."""
    layers = len(net.cells)
    s0 = conv_bn_relu(net.stem, x, 3)
    for i, cell in enumerate(net.cells):
        if i in [layers // 3, 2 * layers // 3]:
            s0 = F.max_pool2d(s0, kernel_size=2, stride=2, padding=1)
        mixed, output, inputs = per_cell[i]
        s0 = reference_cell(cell, space_number, s0, mixed, output, inputs, partial,
                            None if offsets is None else offsets[i])
    h = F.batch_norm(F.conv2d(F.relu(s0), net.post_conv.weight), None, None, training=True, eps=1e-5)
    out = h.view(*h.shape[:2], -1).mean(-1)
    return F.linear(out, net.classifier.weight, net.classifier.bias)


# --- helpers -------------------------------------------------------------------------------------------


def build(name, partial=1, seed=0, cells_per_stage=CELLS_PER_STAGE, channels=CHANNELS):
    space = get_space(name)
    config = {"channels": channels, "cells_per_stage": cells_per_stage, "partial_channels": partial, "node_bn": False}
    net = space.supernet(config, 10, torch.Generator().manual_seed(seed)).double()
    return space, net, space.decisions(config)


def random_weights(decisions, generator):
    """Per-node softmaxes on every candidate edge (those of nodes without a choice too: the supernet must
    ignore them) and per-block op softmaxes, different in every cell."""
    cells, blocks, num_ops = decisions.num_cells, decisions.num_choices, decisions.max_ops
    ops = torch.softmax(torch.randn(cells, blocks, num_ops, generator=generator, dtype=torch.float64), -1)
    inputs = torch.zeros(cells, len(decisions.edges), dtype=torch.float64)
    for choice in decisions.input_choices:
        logits = torch.randn(cells, len(choice.edges), generator=generator, dtype=torch.float64)
        inputs[:, list(choice.edges)] = torch.softmax(logits, -1)
    return ops, inputs


def repo_format(space, decisions, ops, inputs):
    """The repository's alphas for each cell: mixed [steps, 3], output [1, steps + 1], inputs [[1, n], ...]."""
    oneshot = space.space
    index = {edge: e for e, edge in enumerate(decisions.edges)}

    def node_vector(node):
        return inputs[:, [index[(source, node)] for source in range(node)]]

    first_scored = 3 if oneshot.number == 1 else 2  # model_search.py _initialize_alphas: `begin`
    per_node = {node: node_vector(node) for node in range(first_scored, oneshot.output_node + 1)}
    return [(ops[c], per_node[oneshot.output_node][c : c + 1],
             [per_node[node][c : c + 1] for node in range(first_scored, oneshot.output_node)])
            for c in range(decisions.num_cells)]


def images(generator):
    return torch.randn(BATCH, 3, SIZE, SIZE, generator=generator, dtype=torch.float64)


def all_active(ops):
    return torch.ones(ops.shape, dtype=torch.bool)


# --- tests ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SPACE_NAMES)
@pytest.mark.parametrize("partial", [1, 2])
def test_logits_and_gradients_equal_the_reference(name, partial):
    space, net, decisions = build(name, partial)
    generator = torch.Generator().manual_seed(1)
    ops, inputs = random_weights(decisions, generator)
    x = images(generator)
    projection = torch.randn(BATCH, 10, generator=generator, dtype=torch.float64)
    params = list(net.parameters())

    ops_h, inputs_h = ops.clone().requires_grad_(), inputs.clone().requires_grad_()
    logits = net(x, ArchWeights(ops_h, inputs_h, all_active(ops)))
    grads = torch.autograd.grad((logits * projection).sum(), [ops_h, inputs_h, *params])

    ops_r, inputs_r = ops.clone().requires_grad_(), inputs.clone().requires_grad_()
    expected = reference_logits(net, space.space.number, x, repo_format(space, decisions, ops_r, inputs_r), partial)
    expected_grads = torch.autograd.grad((expected * projection).sum(), [ops_r, inputs_r, *params],
                                         allow_unused=True)

    torch.testing.assert_close(logits, expected, rtol=1e-10, atol=1e-12)
    for (name_, _), got, want in zip([("ops", None), ("inputs", None), *net.named_parameters()], grads, expected_grads):
        torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-12, msg=lambda m, n=name_: f"{n}: {m}")
    # the inputs of nodes without a choice (node 1, node 2 of space 1) are not weighed
    fixed = [e for choice in decisions.input_choices if len(choice.edges) == choice.keep for e in choice.edges]
    assert torch.all(grads[1][:, fixed] == 0) and torch.all(grads[1][:, [e for e in range(len(decisions.edges))
                                                                       if e not in fixed]] != 0)


@pytest.mark.parametrize("name", SPACE_NAMES)
def test_ops_with_weight_zero_are_not_computed(name):
    """One op per block (GDAS-like), the others exactly 0: equal to the reference, and the unchosen
    convolutions get no gradient at all (they are not in the graph)."""
    space, net, decisions = build(name)
    generator = torch.Generator().manual_seed(2)
    _, inputs = random_weights(decisions, generator)
    chosen = torch.randint(0, 3, (decisions.num_cells, decisions.num_choices), generator=generator)
    chosen[0, 0], chosen[-1, 0] = 0, 1  # some pool, some conv3x3: the network has both
    ops = F.one_hot(chosen, 3).double()
    offsets = torch.randn(decisions.num_cells, decisions.num_choices, generator=generator, dtype=torch.float64)
    x = images(generator)
    logits = net(x, ArchWeights(ops, inputs, ops.bool(), offsets))
    expected = reference_logits(net, space.space.number, x, repo_format(space, decisions, ops, inputs),
                                offsets=offsets)
    torch.testing.assert_close(logits, expected, rtol=1e-10, atol=1e-12)
    logits.sum().backward()
    for c, cell in enumerate(net.cells):
        for b, block in enumerate(cell.blocks):
            for slot, conv in ((1, block.conv3x3), (2, block.conv1x1)):
                computed = bool(chosen[c, b] == slot)
                assert (conv.conv.weight.grad is not None) == computed, (c, b, slot)


def test_no_input_weights_means_every_weight_one():
    space, net, decisions = build("nb1shot1-s2")
    generator = torch.Generator().manual_seed(3)
    ops, _ = random_weights(decisions, generator)
    x = images(generator)
    ones = torch.ones(decisions.num_cells, len(decisions.edges), dtype=torch.float64)
    torch.testing.assert_close(net(x, ArchWeights(ops, None)), net(x, ArchWeights(ops, ones)), rtol=0, atol=0)


@pytest.mark.parametrize("name, blocks", [("nb1shot1-s1", 4), ("nb1shot1-s3", 5)])
def test_parameter_count_and_widths_are_the_repositorys(name, blocks):
    """model_search.py: every block has the stage's full C; the cell input is C_prev (first cell) or
    C_prev * blocks; projections 1x1 to C (blocks) and to C * blocks (output); 3 stages C, 2C, 4C;
    max-pool 2x2 stride 2 padding 1 between them; post 1x1 conv to C_last; linear."""
    _, net, _ = build(name, cells_per_stage=2, channels=4)

    def conv_bn(c_in, c_out, k):
        return c_in * c_out * k * k + 2 * c_out

    expected = conv_bn(3, 4, 3)
    c_in = 4
    for width in (4, 4, 8, 8, 16, 16):
        expected += blocks * conv_bn(c_in, width, 1) + conv_bn(c_in, width * blocks, 1)
        expected += blocks * (conv_bn(width, width, 3) + conv_bn(width, width, 1))
        c_in = width * blocks
    expected += c_in * 16 + 16 * 10 + 10
    assert sum(p.numel() for p in net.parameters()) == expected

    shapes = []
    hooks = [cell.register_forward_hook(lambda m, i, out: shapes.append(tuple(out.shape))) for cell in net.cells]
    ops = torch.full((6, blocks, 3), 1 / 3, dtype=torch.float64)
    net(torch.zeros(2, 3, 32, 32, dtype=torch.float64), ArchWeights(ops))
    for hook in hooks:
        hook.remove()
    assert shapes == [(2, 4 * blocks, 32, 32)] * 2 + [(2, 8 * blocks, 17, 17)] * 2 + [(2, 16 * blocks, 9, 9)] * 2


def test_batch_norm_is_the_repositorys():
    """operations.py ConvBnRelu: affine BN, eps 1e-5, momentum 0.997 as PyTorch reads it (the new batch's
    weight); the post-processing BN has no affine parameters (ReLUConvBN affine=False)."""
    _, net, decisions = build("nb1shot1-s1")
    bn = net.stem.bn
    assert bn.affine and bn.track_running_stats and bn.eps == 1e-5 and bn.momentum == 0.997
    assert not net.post_bn.affine
    x = images(torch.Generator().manual_seed(4))
    net(x, ArchWeights(torch.full((3, 4, 3), 1 / 3, dtype=torch.float64)))
    batch_mean = F.conv2d(x, net.stem.conv.weight, padding=1).mean(dim=(0, 2, 3))
    torch.testing.assert_close(bn.running_mean, 0.997 * batch_mean.detach(), rtol=1e-12, atol=1e-12)


def test_initialisation_is_deterministic_and_from_the_generator():
    _, first, _ = build("nb1shot1-s3", seed=5)
    _, second, _ = build("nb1shot1-s3", seed=5)
    _, other, _ = build("nb1shot1-s3", seed=6)
    state, again, different = first.state_dict(), second.state_dict(), other.state_dict()
    assert all(torch.equal(state[k], again[k]) for k in state)
    assert not torch.equal(state["cells.0.blocks.0.conv3x3.conv.weight"], different["cells.0.blocks.0.conv3x3.conv.weight"])


def test_weights_of_the_wrong_shape_are_rejected():
    _, net, decisions = build("nb1shot1-s1")
    x = images(torch.Generator().manual_seed(7))
    with pytest.raises(ValueError, match=r"\[cells, blocks, ops\] = \[3, 4, 3\]"):
        net(x, ArchWeights(torch.ones(3, 6, 5, dtype=torch.float64)))
    with pytest.raises(ValueError, match=r"\[cells, edges\] = \[3, 15\]"):
        net(x, ArchWeights(torch.ones(3, 4, 3, dtype=torch.float64), torch.ones(3, 6, dtype=torch.float64)))


def test_node_bn_normalises_every_block_output_without_parameters(monkeypatch):
    """supernet.node_bn (DARTS-PRIME S1.1's node BN in the node-anchored cell): each block's weighted sum of
    ops is batch-normalised without affine parameters: zero mean and unit variance per channel."""
    import spaces.nb1shot1.search_cell as search_cell

    space = get_space("nb1shot1-s2")
    config = {"channels": CHANNELS, "cells_per_stage": CELLS_PER_STAGE, "partial_channels": 1}
    plain = space.supernet({**config, "node_bn": False}, 10, torch.Generator().manual_seed(0)).double()
    normed = space.supernet({**config, "node_bn": True}, 10, torch.Generator().manual_seed(0)).double()
    assert sum(p.numel() for p in plain.parameters()) == sum(p.numel() for p in normed.parameters())
    decisions = space.decisions(config)
    generator = torch.Generator().manual_seed(3)
    ops, inputs = random_weights(decisions, generator)
    x = images(generator)
    normalised = []
    original = search_cell.search_batch_norm
    monkeypatch.setattr(search_cell, "search_batch_norm", lambda out: normalised.append(original(out)) or normalised[-1])
    logits = normed(x, ArchWeights(ops, inputs, all_active(ops)))
    assert len(normalised) == decisions.num_cells * decisions.num_choices  # every block of every cell
    for out in normalised:
        torch.testing.assert_close(out.mean(dim=(0, 2, 3)), torch.zeros(out.shape[1], dtype=out.dtype), atol=1e-9,
                                   rtol=0)
        assert torch.all((out.var(dim=(0, 2, 3), unbiased=False) - 1).abs() < 1e-3)
    assert not torch.allclose(plain(x, ArchWeights(ops, inputs, all_active(ops))), logits)
