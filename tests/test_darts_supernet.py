"""The batched DARTS-space supernet against the plain per-edge reference (float64, small networks)."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F

from spaces.base import EDGE, ArchWeights, CellType, OpChoice
from spaces.darts.channels_last import diagonal_grids, from_polyphase, to_polyphase
from spaces.darts.primitives import DARTS_OPS
from spaces.darts.space import DARTS_EDGES, FIXED_EDGES, reduction_cells
from spaces.darts.supernet import DartsSupernet
from spaces.errors import ConfigError
from tests.test_darts_supernet_reference import (
    ReferenceSupernet,
    cell_types_of,
    copy_into_reference,
    normal_reduce_sequence,
)

DTYPE = torch.float64
CLASSES = 5


def cell_type(edges, lists, reduction, name="cell") -> CellType:
    return CellType(name, tuple(OpChoice(EDGE, edge, tuple(ops)) for edge, ops in zip(edges, lists)), reduction)


def darts_types(ops=DARTS_OPS, edges=DARTS_EDGES):
    return [cell_type(edges, (ops,) * len(edges), reduction, name)
            for name, reduction in (("normal", False), ("reduce", True))]


def supernet(cell_types, sequence, channels=4, classes=CLASSES, noise_seed=0, **options):
    return DartsSupernet(cell_types, sequence, channels, classes, noise_seed, **options)


def build(cell_types, sequence, channels=4, seed=0, **options):
    kernel = supernet(cell_types, sequence, channels, noise_seed=100 + seed, **options).to(DTYPE)
    kernel.reset_parameters(torch.Generator().manual_seed(seed))
    kernel.types, kernel.sequence = cell_types, tuple(sequence)  # for the helpers below
    reference = ReferenceSupernet(cell_types, sequence, channels, CLASSES, **options).to(DTYPE)
    pairs = copy_into_reference(kernel, reference)
    return kernel, reference, pairs


def ops_of_cell(net, cell: int):
    return [choice.ops for choice in net.types[net.sequence[cell]].op_choices]


def random_weights(net, g, zero_fraction=0.0, with_inputs=False, with_offsets=False) -> ArchWeights:
    cells, choices, max_ops = len(net.cells), net.num_choices, net.max_ops
    ops = torch.rand(cells, choices, max_ops, generator=g, dtype=DTYPE) + 0.1
    for cell in range(cells):
        for e, names in enumerate(ops_of_cell(net, cell)):
            ops[cell, e, len(names):] = 0.0
    if zero_fraction:
        ops[torch.rand(ops.shape, generator=g) < zero_fraction] = 0.0
    inputs = torch.rand(cells, choices, generator=g, dtype=DTYPE).add(0.5).requires_grad_() if with_inputs else None
    offsets = torch.zeros(cells, choices, dtype=DTYPE).requires_grad_() if with_offsets else None
    return ArchWeights(ops.requires_grad_(), inputs, None, offsets)


def batch(seed=0, n=4, size=8):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, size, size, generator=g, dtype=DTYPE), torch.randint(0, CLASSES, (n,), generator=g)


def noise_generator(kernel) -> torch.Generator:
    """A CPU generator where the kernel's noise stream is now (the reference draws from it)."""
    generator = torch.Generator()
    generator.set_state(kernel.noise.generator(torch.device("cpu")).get_state())
    return generator


def compare(kernel, reference, pairs, weights, x, y):
    """Same logits; same gradients w.r.t. every network parameter and every architecture weight of an op
    that is computed. Returns the kernel's parameter gradients (None: not in the graph)."""
    noise = noise_generator(kernel)
    ours = kernel(x, weights)
    theirs = reference(x, weights, noise)
    torch.testing.assert_close(ours, theirs)
    arch = [weights.ops, *(t for t in (weights.inputs, weights.offsets) if t is not None)]
    grads_ours = torch.autograd.grad(F.cross_entropy(ours, y), [p for p, _ in pairs] + arch, allow_unused=True)
    grads_theirs = torch.autograd.grad(F.cross_entropy(theirs, y), [q for _, q in pairs] + arch, allow_unused=True)
    n = len(pairs)
    for (p, _), a, b in zip(pairs, grads_ours[:n], grads_theirs[:n]):
        if a is None:  # not computed: its op has weight 0 everywhere it is used, so the reference's gradient is 0
            assert torch.all(b == 0), p.shape
        else:
            torch.testing.assert_close(a, b)
    on = weights.ops.detach() != 0
    torch.testing.assert_close(grads_ours[n][on], grads_theirs[n][on])
    assert torch.all(grads_ours[n][~on] == 0), "a weight of 0 is not computed, so it gets no gradient"
    for a, b in zip(grads_ours[n + 1:], grads_theirs[n + 1:]):
        torch.testing.assert_close(a, b)
    return grads_ours[:n]


def test_darts_space_matches_reference_with_dense_weights():
    types = darts_types()
    sequence = normal_reduce_sequence(5)  # normal, reduce, normal, reduce, normal
    kernel, reference, pairs = build(types, sequence)
    assert len(pairs) == sum(1 for _ in kernel.parameters()) == sum(1 for _ in reference.parameters())
    compare(kernel, reference, pairs, random_weights(kernel, torch.Generator().manual_seed(1)), *batch())


def test_zero_weights_are_not_computed():
    kernel, reference, pairs = build(darts_types(), normal_reduce_sequence(5), seed=2)
    weights = random_weights(kernel, torch.Generator().manual_seed(3), zero_fraction=0.4)
    with torch.no_grad():
        weights.ops[1, 0, :] = 0.0  # the first reduction cell: edge (0, 2) entirely off
    grads = compare(kernel, reference, pairs, weights, *batch(1))
    # exactly the parameters of (cell, edge, op) with weight 0 are left out of the graph
    expected_off = set()
    for i, cell in enumerate(kernel.cells):
        for e, params in enumerate(cell.edge_ops):
            for name, plist in params.items():
                if weights.ops[i, e, cell.slots[e][name]] == 0:
                    expected_off |= {id(p) for p in plist}
    off = {id(p) for (p, _), g in zip(pairs, grads) if g is None}
    assert off == expected_off and off


def test_per_edge_op_lists_with_padding_noise_and_none():
    """RobustDARTS-style spaces: every edge its own candidates (S1), `noise` (S4), `none` (S3)."""
    g = torch.Generator().manual_seed(4)
    pool = [*DARTS_OPS, "noise"]
    types = []
    for reduction in (False, True):
        lists = tuple(tuple(pool[i] for i in torch.randperm(len(pool), generator=g)[: 1 + e % 3].tolist())
                      for e in range(14))
        types.append(cell_type(DARTS_EDGES, lists, reduction))
    assert any("noise" in c.ops for t in types for c in t.op_choices)
    kernel, reference, pairs = build(types, normal_reduce_sequence(5), seed=5)
    weights = random_weights(kernel, g, zero_fraction=0.2)
    with torch.no_grad():  # the reference draws for every noise op, the kernel for those it computes
        for i in range(len(kernel.cells)):
            for e, ops in enumerate(ops_of_cell(kernel, i)):
                if "noise" in ops:
                    weights.ops[i, e, ops.index("noise")] = 0.5
    compare(kernel, reference, pairs, weights, *batch(2))


def test_partial_channels_with_edge_weights_match_reference():
    kernel, reference, pairs = build(darts_types(), normal_reduce_sequence(5), channels=8, seed=6, partial_channels=4)
    assert kernel.cells[0].edge_ops[0]["sep_conv_3x3"][0].shape == (2, 1, 3, 3)
    weights = random_weights(kernel, torch.Generator().manual_seed(7), zero_fraction=0.3, with_inputs=True)
    with torch.no_grad():
        weights.ops[2, 4, :] = 0.0  # an edge whose ops are all off still passes its bypassed channels
        weights.ops[1, 1, :] = 0.0  # ... also a stride-2 edge (max-pooled bypass)
    compare(kernel, reference, pairs, weights, *batch(3))


def test_node_bn_matches_reference():
    kernel, reference, pairs = build(darts_types(), normal_reduce_sequence(5), seed=8, node_bn=True)
    compare(kernel, reference, pairs, random_weights(kernel, torch.Generator().manual_seed(9), 0.2), *batch(4))


def test_offsets_reach_every_edge_as_the_reference_adds_them():
    """GDAS' offsets (spaces/base.py ArchWeights): forward value 0, and each edge's offset gets the summed
    upstream gradient of its target node, computed ops or not (with edge weights, partial channels)."""
    kernel, reference, pairs = build(darts_types(), normal_reduce_sequence(5), channels=8, seed=20, partial_channels=2)
    weights = random_weights(kernel, torch.Generator().manual_seed(21), zero_fraction=0.5, with_inputs=True,
                             with_offsets=True)
    with torch.no_grad():
        weights.ops[0, 3, :] = 0.0  # nothing computed on an edge: its offset still counts
    compare(kernel, reference, pairs, weights, *batch(9))
    logits = kernel(batch(9)[0], weights)
    (grad,) = torch.autograd.grad(logits.sum() ** 2, [weights.offsets])
    assert torch.all(grad[0, 3] != 0)


def test_fixed_edge_cells_with_one_type_per_cell():
    """Amended-DARTS space 2: 8 fixed edges per cell, every cell its own type."""
    layers = 5
    types = [cell_type(FIXED_EDGES, (("skip_connect", "sep_conv_3x3"),) * 8, layer in reduction_cells(layers),
                       f"cell_{layer + 1}") for layer in range(layers)]
    kernel, reference, pairs = build(types, tuple(range(layers)), seed=10, partial_channels=2, node_bn=True)
    assert len(kernel.cells) == layers
    compare(kernel, reference, pairs, random_weights(kernel, torch.Generator().manual_seed(11), 0.2, True), *batch(5))


def test_odd_resolution_matches_reference():
    """12x12 input: the last stage is 3x3, where dilated convs cannot use the pixel-grid layout."""
    types = darts_types(("dil_conv_3x3", "dil_conv_5x5", "sep_conv_5x5", "avg_pool_3x3"))
    kernel, reference, pairs = build(types, normal_reduce_sequence(5), seed=12)
    compare(kernel, reference, pairs, random_weights(kernel, torch.Generator().manual_seed(13)), *batch(6, size=12))


def test_host_side_active_mask_decides_what_is_computed():
    kernel, reference, pairs = build(darts_types(), normal_reduce_sequence(3), seed=14)
    weights = random_weights(kernel, torch.Generator().manual_seed(15))
    active = torch.rand(weights.ops.shape, generator=torch.Generator().manual_seed(16)) < 0.5
    x, _ = batch(7)
    masked = ArchWeights((weights.ops * active).detach())
    torch.testing.assert_close(kernel(x, ArchWeights(weights.ops, active=active)), reference(x, masked))


def test_polyphase_layout_round_trips_and_holds_the_pixel_grids():
    x = torch.randn(2, 3, 6, 4)
    grids = to_polyphase(x)
    assert grids.is_contiguous(memory_format=torch.channels_last)
    for a in range(2):
        for b in range(2):
            torch.testing.assert_close(grids[(2 * a + b) * 2: (2 * a + b + 1) * 2], x[:, :, a::2, b::2], rtol=0, atol=0)
    torch.testing.assert_close(from_polyphase(grids), x, rtol=0, atol=0)


def test_diagonal_grids_hold_the_pixels_a_stride_2_conv_reads_and_pass_gradients_back():
    x = torch.randn(2, 3, 6, 4, dtype=DTYPE, requires_grad=True)
    even, odd = diagonal_grids(x)
    assert even.is_contiguous(memory_format=torch.channels_last) and odd.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(even, x[:, :, 0::2, 0::2], rtol=0, atol=0)
    torch.testing.assert_close(odd, x[:, :, 1::2, 1::2], rtol=0, atol=0)
    assert torch.autograd.gradcheck(lambda t: diagonal_grids(t), (x,))
    (grad,) = torch.autograd.grad(sum(part.sum() for part in diagonal_grids(x)), x)
    assert grad.is_contiguous(memory_format=torch.channels_last)


def test_no_stride_2_pointwise_convolution_reaches_onednn_on_channels_last_input(monkeypatch):
    """oneDNN's stride-2 1x1 backward-weights kernel on channels_last input with few input channels writes
    past its workspace (hung on AVX2, aborted on AVX-512: uxlfoundation/oneDNN issue 6035); the reduction
    cell's FactorizedReduce (skip_connect at stride 2, preprocess0 after a reduction) must not call it."""
    calls = []
    real_conv2d = F.conv2d

    def spy(x, weight, *args, **kwargs):
        stride = kwargs.get("stride", args[1] if len(args) > 1 else 1)
        calls.append((tuple(weight.shape[2:]), stride, x.is_contiguous(memory_format=torch.channels_last)))
        return real_conv2d(x, weight, *args, **kwargs)

    monkeypatch.setattr(F, "conv2d", spy)
    net = supernet(darts_types(("skip_connect", "sep_conv_3x3")), normal_reduce_sequence(5), channels=4,
                   partial_channels=4)
    net.reset_parameters(torch.Generator().manual_seed(0))
    weights = ArchWeights(torch.full((len(net.cells), net.num_choices, net.max_ops), 0.5))
    F.cross_entropy(net(torch.randn(2, 3, 16, 16), weights), torch.tensor([0, 1])).backward()
    pointwise = [call for call in calls if call[0] == (1, 1)]
    assert pointwise and all(stride in (1, (1, 1)) for _, stride, _ in pointwise), pointwise


def test_noise_stream_is_in_the_state_dict_and_resumes_exactly():
    types = darts_types(("noise", "sep_conv_3x3"))  # RobustDARTS S4's pair
    kernel, _, _ = build(types, normal_reduce_sequence(3), seed=17)
    weights = random_weights(kernel, torch.Generator().manual_seed(18))
    x, _ = batch(8)
    with torch.no_grad():
        kernel(x, weights)  # the stream has moved on from its seed
        saved = copy.deepcopy(kernel.state_dict())
        first, second = kernel(x, weights), kernel(x, weights)
        assert not torch.equal(first, second), "every forward draws fresh noise"
        resumed, _, _ = build(types, normal_reduce_sequence(3), seed=17)
        resumed.load_state_dict(saved)
        torch.testing.assert_close(resumed(x, weights), first, rtol=0, atol=0)
        torch.testing.assert_close(resumed(x, weights), second, rtol=0, atol=0)
        state = kernel.noise.generator(torch.device("cpu")).get_state()
        kernel(x, ArchWeights(weights.ops * torch.tensor([0.0, 1.0], dtype=DTYPE)))
        assert torch.equal(kernel.noise.generator(torch.device("cpu")).get_state(), state), \
            "a noise op at weight 0 draws nothing"


def test_parameter_counts_match_the_reference_logs():
    """The search networks at C=16, 8 layers, 10 classes: DARTS `param size = 1.930618MB` (quark0/darts
    train_search.py log), RobustDARTS S1 `param size = 0.405146MB` (automl/RobustDARTS
    experiments/search_logs/s1/cifar10/*/log_1.txt)."""
    for space, count in (("darts", 1930618), ("darts-s1", 405146)):
        net = supernet(cell_types_of(space), normal_reduce_sequence(8), 16, 10)
        assert sum(p.numel() for p in net.parameters()) == count


def test_initialisation_is_reproducible_and_seed_dependent():
    def build_flat(seed):
        net = supernet(darts_types(), normal_reduce_sequence(3))
        net.reset_parameters(torch.Generator().manual_seed(seed))
        return torch.cat([p.flatten() for p in net.parameters()])

    torch.testing.assert_close(build_flat(3), build_flat(3), rtol=0, atol=0)
    assert not torch.equal(build_flat(3), build_flat(4))


def test_malformed_weights_are_rejected():
    narrow = cell_type(DARTS_EDGES, (("skip_connect", "sep_conv_3x3"),) * 13 + (("none", "skip_connect", "sep_conv_3x3"),),
                       False)
    net = supernet([narrow, darts_types()[1]], normal_reduce_sequence(3))
    net.reset_parameters(torch.Generator().manual_seed(0))
    x = torch.randn(2, 3, 8, 8)
    good = torch.zeros(3, 14, 8)
    assert net(x, ArchWeights(good)).shape == (2, CLASSES)
    with pytest.raises(ValueError, match=r"\[cells, choices, max ops\] = \[3, 14, 8\]"):
        net(x, ArchWeights(torch.zeros(2, 14, 8)))
    with pytest.raises(ValueError, match="inputs"):
        net(x, ArchWeights(good, inputs=torch.ones(3, 13)))
    with pytest.raises(ValueError, match="offsets"):
        net(x, ArchWeights(good, offsets=torch.ones(3)))
    with pytest.raises(ValueError, match="active"):
        net(x, ArchWeights(good, active=(good != 0).float()))
    padded = good.clone()
    padded[0, 0, 2] = 1.0  # cell 0 is the narrow type: edge 0 has two ops, slot 2 is padding
    with pytest.raises(ValueError, match="past an edge's op list"):
        net(x, ArchWeights(padded))


def test_impossible_configurations_are_config_errors():
    with pytest.raises(ConfigError, match="partial_channels"):
        supernet(darts_types(), normal_reduce_sequence(3), 6, partial_channels=4)
    with pytest.raises(ConfigError, match="even"):
        supernet(darts_types()[1:], (0,), 3, partial_channels=2)  # reduction cell: 6 channels, 3 mixed
    with pytest.raises(ConfigError, match="edge"):
        supernet([cell_type(((0, 6),), (("skip_connect",),), False)], (0,))
    with pytest.raises(ConfigError, match="no incoming edge"):
        supernet([cell_type(((0, 2), (1, 3), (0, 5)), (("skip_connect",),) * 3, False)], (0,))
    with pytest.raises(ConfigError, match="ops must be"):
        supernet([cell_type(DARTS_EDGES, (("sep_conv_7x7",),) * 14, False)], (0,))
    with pytest.raises(ConfigError, match="type"):
        supernet(darts_types(), (0, 2))
