"""A plain per-edge DARTS search network, the yardstick of the batched kernel (spaces/darts).

One module per op per edge, every op computed and weighted, as the reference search
model does (quark0/darts cnn/model_search.py MixedOp/Cell/Network, the ops of
RobustDARTS src/operations.py with their literal paddings, PC-DARTS model_search.py
MixedOp for partial channels). Written here from those definitions, independently of
the kernel; `parameter_pairs` maps the kernel's parameters onto these modules.

The tests in this file check the reference itself against facts of the reference code.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from spaces.base import ArchWeights, CellType
from spaces.darts.space import LAYOUTS, reduction_cells


def cell_types_of(space: str, reductions=(False, True)) -> list[CellType]:
    """The space's normal and reduction cell types (spaces/darts/space.py) as the reference builds them."""
    layout = LAYOUTS[space][1]
    return [CellType(name, tuple(_choice(edge, ops) for edge, ops in zip(layout.edges, per_edge)), reduction)
            for name, per_edge, reduction in (("normal", layout.normal_ops, False), ("reduce", layout.reduce_ops, True))
            if reduction in reductions]


def _choice(edge, ops):
    from spaces.base import EDGE, OpChoice

    return OpChoice(EDGE, edge, tuple(ops))


def normal_reduce_sequence(layers: int) -> tuple[int, ...]:
    """DARTS: type 0 (normal) everywhere but the reduction cells (type 1) at layers//3 and 2*layers//3."""
    return tuple(1 if layer in reduction_cells(layers) else 0 for layer in range(layers))


class ReLUConvBN(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.op = nn.Sequential(nn.ReLU(), nn.Conv2d(c_in, c_out, 1, bias=False), nn.BatchNorm2d(c_out, affine=False))

    def forward(self, x):
        return self.op(x)


class FactorizedReduce(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(c_out, affine=False)

    def forward(self, x):
        x = F.relu(x)
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(x[:, :, 1:, 1:])], dim=1))


def sep_conv(c, kernel, stride, padding):
    return nn.Sequential(
        nn.ReLU(), nn.Conv2d(c, c, kernel, stride, padding, groups=c, bias=False), nn.Conv2d(c, c, 1, bias=False),
        nn.BatchNorm2d(c, affine=False),
        nn.ReLU(), nn.Conv2d(c, c, kernel, 1, padding, groups=c, bias=False), nn.Conv2d(c, c, 1, bias=False),
        nn.BatchNorm2d(c, affine=False))


def dil_conv(c, kernel, stride, padding):
    return nn.Sequential(
        nn.ReLU(), nn.Conv2d(c, c, kernel, stride, padding, dilation=2, groups=c, bias=False),
        nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c, affine=False))


class Zero(nn.Module):
    def __init__(self, stride):
        super().__init__()
        self.stride = stride

    def forward(self, x):
        return x[:, :, :: self.stride, :: self.stride].mul(0.0)


class Noise(nn.Module):
    """N(0, 1) of the subsampled input's shape; draws from the generator given to the network."""

    def __init__(self, stride):
        super().__init__()
        self.stride = stride
        self.generator = None

    def forward(self, x):
        shape = x[:, :, :: self.stride, :: self.stride].shape
        return torch.randn(shape, generator=self.generator, dtype=x.dtype, device=x.device)


def make_op(name, c, stride):
    # paddings as passed in RobustDARTS src/operations.py OPS
    if name == "none":
        return Zero(stride)
    if name == "noise":
        return Noise(stride)
    if name == "max_pool_3x3":
        return nn.Sequential(nn.MaxPool2d(3, stride, padding=1), nn.BatchNorm2d(c, affine=False))
    if name == "avg_pool_3x3":
        return nn.Sequential(nn.AvgPool2d(3, stride, padding=1, count_include_pad=False),
                             nn.BatchNorm2d(c, affine=False))
    if name == "skip_connect":
        return nn.Identity() if stride == 1 else FactorizedReduce(c, c)
    kernel, padding = {"sep_conv_3x3": (3, 1), "sep_conv_5x5": (5, 2),
                       "dil_conv_3x3": (3, 2), "dil_conv_5x5": (5, 4)}[name]
    return (sep_conv if name.startswith("sep") else dil_conv)(c, kernel, stride, padding)


class MixedOp(nn.Module):
    def __init__(self, c, stride, names, partial_channels):
        super().__init__()
        self.k = partial_channels
        self.stride = stride
        self.ops = nn.ModuleList(make_op(name, c // partial_channels, stride) for name in names)

    def forward(self, x, weights):
        part = x[:, : x.shape[1] // self.k]
        mixed = sum(w * op(part) for w, op in zip(weights, self.ops))
        if self.k == 1:
            return mixed
        rest = x[:, x.shape[1] // self.k:]
        if self.stride == 2:
            rest = F.max_pool2d(rest, 2, 2)
        both = torch.cat([mixed, rest], dim=1)
        order = torch.arange(both.shape[1]).reshape(self.k, -1).T.reshape(-1)  # channel c*K+g <- group g, index c
        return both[:, order]


class Cell(nn.Module):
    def __init__(self, cell_type: CellType, steps, c_prev_prev, c_prev, c, reduction_prev, partial_channels,
                 node_bn):
        super().__init__()
        self.edge_list = [choice.at for choice in cell_type.op_choices]
        self.ops_per_edge = [choice.ops for choice in cell_type.op_choices]
        self.steps = steps
        self.preprocess0 = FactorizedReduce(c_prev_prev, c) if reduction_prev else ReLUConvBN(c_prev_prev, c)
        self.preprocess1 = ReLUConvBN(c_prev, c)
        self.edges = nn.ModuleList(
            MixedOp(c, 2 if cell_type.reduction and i < 2 else 1, names, partial_channels)
            for (i, _), names in zip(self.edge_list, self.ops_per_edge))
        self.node_bns = nn.ModuleList(nn.BatchNorm2d(c, affine=False) for _ in range(steps)) if node_bn else None

    def forward(self, s0, s1, weights, edge_scale, offsets):
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for j in range(2, 2 + self.steps):
            total = 0
            for e, (i, target) in enumerate(self.edge_list):
                if target == j:
                    out = self.edges[e](states[i], weights[e, : len(self.ops_per_edge[e])])
                    out = out if edge_scale is None else edge_scale[e] * out
                    total = total + (out if offsets is None else out + offsets[e])
            states.append(self.node_bns[j - 2](total) if self.node_bns is not None else total)
        return torch.cat(states[2:], dim=1)


class ReferenceSupernet(nn.Module):
    def __init__(self, cell_types, cell_types_of_cells, channels=16, num_classes=10, steps=4, stem_multiplier=3,
                 partial_channels=1, node_bn=False):
        super().__init__()
        c = stem_multiplier * channels
        self.stem = nn.Sequential(nn.Conv2d(3, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        c_prev_prev, c_prev, c_cell, reduction_prev = c, c, channels, False
        self.cells = nn.ModuleList()
        for t in cell_types_of_cells:
            if cell_types[t].reduction:
                c_cell *= 2
            self.cells.append(Cell(cell_types[t], steps, c_prev_prev, c_prev, c_cell, reduction_prev,
                                   partial_channels, node_bn))
            reduction_prev = cell_types[t].reduction
            c_prev_prev, c_prev = c_prev, steps * c_cell
        self.classifier = nn.Linear(c_prev, num_classes)

    def forward(self, x, weights: ArchWeights, noise: torch.Generator | None = None):
        for module in self.modules():
            if isinstance(module, Noise):
                module.generator = noise
        s0 = s1 = self.stem(x)
        for i, cell in enumerate(self.cells):
            scale = None if weights.inputs is None else weights.inputs[i]
            offsets = None if weights.offsets is None else weights.offsets[i]
            s0, s1 = s1, cell(s0, s1, weights.ops[i], scale, offsets)
        return self.classifier(F.adaptive_avg_pool2d(s1, 1).flatten(1))


def parameter_pairs(kernel, reference) -> list[tuple[nn.Parameter, nn.Parameter]]:
    """(kernel parameter, reference parameter) for every parameter of both networks."""
    pairs = [(kernel.stem[0].weight, reference.stem[0].weight), (kernel.stem[1].weight, reference.stem[1].weight),
             (kernel.stem[1].bias, reference.stem[1].bias), (kernel.classifier.weight, reference.classifier.weight),
             (kernel.classifier.bias, reference.classifier.bias)]
    for ours, theirs in zip(kernel.cells, reference.cells):
        if isinstance(theirs.preprocess0, FactorizedReduce):
            pairs += [(ours.preprocess0[0], theirs.preprocess0.conv_1.weight),
                      (ours.preprocess0[1], theirs.preprocess0.conv_2.weight)]
        else:
            pairs.append((ours.preprocess0[0], theirs.preprocess0.op[1].weight))
        pairs.append((ours.preprocess1[0], theirs.preprocess1.op[1].weight))
        for e, names in enumerate(ours.ops_per_edge):
            for name, module in zip(names, theirs.edges[e].ops):
                if name not in ours.edge_ops[e]:
                    continue
                if isinstance(module, FactorizedReduce):
                    convs = [module.conv_1, module.conv_2]
                else:
                    convs = [layer for layer in module if isinstance(layer, nn.Conv2d)]
                pairs += [(p, conv.weight) for p, conv in zip(ours.edge_ops[e][name], convs, strict=True)]
    return pairs


def copy_into_reference(kernel, reference) -> list[tuple[nn.Parameter, nn.Parameter]]:
    pairs = parameter_pairs(kernel, reference)
    with torch.no_grad():
        for ours, theirs in pairs:
            theirs.copy_(ours)
    return pairs


# --- tests of the reference itself ---------------------------------------------------------------

DARTS_OPS = ["none", "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5",
             "dil_conv_3x3", "dil_conv_5x5"]


def test_reference_ops_keep_size_at_stride_1_and_halve_it_at_stride_2():
    x = torch.randn(2, 4, 8, 8)
    for name in DARTS_OPS + ["noise"]:
        assert make_op(name, 4, 1)(x).shape == (2, 4, 8, 8), name
        assert make_op(name, 4, 2)(x).shape == (2, 4, 4, 4), name


def test_reference_search_network_has_the_darts_parameter_count():
    """quark0/darts prints `param size = 1.930618MB` (count_parameters_in_MB, cnn/utils.py) for the search
    network at its defaults: C=16, 8 layers, 10 classes (a log line quoted in a copy of cnn/train_search.py)."""
    net = ReferenceSupernet(cell_types_of("darts"), normal_reduce_sequence(8), 16, 10)
    assert sum(p.numel() for p in net.parameters()) == 1930618
