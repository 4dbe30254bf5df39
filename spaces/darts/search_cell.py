"""The DARTS-space search cell: every candidate op on every edge, mixed by given weights.

Inputs c_{k-2}, c_{k-1} are preprocessed to the cell width (ReLU-conv1x1-BN, or
FactorizedReduce for c_{k-2} after a reduction cell); each intermediate node sums
its incoming edges; the output concatenates the intermediate nodes
(quark0/darts cnn/model_search.py Cell). The cell owns the convolutions; the
weights come from outside.

BatchNorm: every BN inside the cell is affine=False and uses batch statistics,
always. quark0/darts tracks running statistics in the search network, but in
training mode its BNs normalise with batch statistics too, so training is the
same; only evaluation differs (harness choice, shared with the NB201 kernel:
no hidden state that depends on which ops a sampling method ran, and exact
per-channel normalisation of anything).

Speed (DESIGN.md, "Performance"; measured on the 2-core CPU of the team's machine, torch 2.13,
see tests/benchmarks/test_bench_darts_supernet.py):
  * an op whose weight is exactly 0 is not computed, and `none` never is;
  * every edge leaving a node applies its ops to the same tensor at the same
    stride, so the cell works per source node: the ReLU in front of the
    convolutions, the pools and their BNs are computed once and shared by all
    outgoing edges (BN without affine of one tensor is one result);
  * everything is channels_last: depthwise convolutions ran 2.5-8x faster
    (forward + backward) and max pooling ~5x faster than in NCHW;
  * the convolutions run one call per edge and op: concatenating the edges of a
    source node into grouped convolutions (or a depthwise channel multiplier)
    measured 1.4-5x slower than separate calls;
  * a stride-1 dilated depthwise convolution runs as a dilation-1 convolution on
    the four pixel grids of its input (layout.to_polyphase), made once per source
    node; the 1x1 convs and BNs that follow work on that layout, and a node's
    dilated terms are summed there and converted back once. oneDNN's weight
    gradient of a dilated (or 5x5) depthwise convolution is 25-35x slower than of a
    3x3 one; this saved about a quarter of a search step;
  * an op ending in BN gets its architecture weight as the BN's weight (ops.scaled_batch_norm),
    and a node's sum is accumulated in place.

Options used by some methods:
  * partial_channels K > 1 (PC-DARTS; yuhuixu1993/PC-DARTS model_search.py MixedOp, K = 4
    there): only the first C/K channels of an edge's input go through the mixed op; the
    rest bypass it (2x2 max-pooled on stride-2 edges), and the two parts are concatenated
    and channel-shuffled with K groups. Shuffle and concatenation are linear, so a node
    sums the mixed parts and the bypasses of its edges separately and shuffles once;
  * node_bn (DARTS-PRIME CRB, Maile et al. 2021 Supplementary S1.1): a BN without affine
    after each intermediate node's sum;
  * edge_scale [edges] (PC-DARTS edge normalisation, the same file's Cell.forward
    weights2): multiplies each edge's output, bypassed channels included;
  * offsets [edges] (GDAS, spaces/base.py ArchWeights): a scalar added to each edge's output, forward
    value 0; a node adds the offsets of its incoming edges once, whatever was computed on them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from spaces.base import CellType
from spaces.channels_last import cat_channels, channel_shuffle
from spaces.darts.channels_last import from_polyphase, to_polyphase
from spaces.darts.search_ops import CONV_OPS, KNOWN_OPS, NOISE, POOLS, factorized_reduce, pool
from spaces.errors import ConfigError
from spaces.ops import RunningSum, scaled_batch_norm, search_batch_norm
from spaces.random_source import RandomSource

SKIP = "skip_connect"


class _NodeSum:
    """A node's incoming terms: normal layout, polyphase layout (ops.to_polyphase), bypassed channels."""

    def __init__(self) -> None:
        self.total, self.polyphase, self.bypass = RunningSum(), RunningSum(), RunningSum()


class _DilatedInput:
    """What the dilation-2 depthwise convolutions of the edges leaving one node read.

    At stride 2 only the even pixel grid is ever read (tap 2i + 2k - pad with even pad), so
    they are dilation-1 convolutions of x[:, :, ::2, ::2]; at stride 1 with even sizes,
    dilation-1 convolutions of the four pixel grids (to_polyphase); otherwise of x itself.
    """

    def __init__(self, relu_h: torch.Tensor, stride: int):
        if stride == 2:
            self.mode, self.x = "grid", relu_h[:, :, ::2, ::2].contiguous(memory_format=torch.channels_last)
        elif relu_h.shape[2] % 2 == 0 and relu_h.shape[3] % 2 == 0:
            self.mode, self.x = "polyphase", to_polyphase(relu_h)
        else:
            self.mode, self.x = "direct", relu_h

    def conv(self, params, spec, scale: torch.Tensor) -> torch.Tensor:
        depthwise, pointwise = params
        if self.mode == "direct":
            padding, dilation = spec.padding, spec.dilation
        else:
            padding, dilation = (spec.kernel - 1) // 2, 1
        y = F.conv2d(self.x, depthwise, padding=padding, dilation=dilation, groups=self.x.shape[1])
        return scaled_batch_norm(F.conv2d(y, pointwise), scale)


class DartsSearchCell(nn.Module):
    def __init__(self, cell_type: CellType, steps: int, c_prev_prev: int, c_prev: int, channels: int,
                 reduction_prev: bool, partial_channels: int = 1, node_bn: bool = False):
        super().__init__()
        self.edges = tuple(choice.at for choice in cell_type.op_choices)
        self.ops_per_edge = tuple(choice.ops for choice in cell_type.op_choices)
        self.reduction = cell_type.reduction
        _check_cell(self.edges, self.ops_per_edge, steps)
        if partial_channels < 1 or channels % partial_channels:
            raise ConfigError(f"partial_channels={partial_channels} must divide the cell width {channels}")
        self.steps = steps
        self.channels = channels
        self.partial_channels = partial_channels
        self.node_bn = node_bn
        self.mixed_channels = width = channels // partial_channels
        needs_even = reduction_prev or any(SKIP in ops for (i, _), ops in zip(self.edges, self.ops_per_edge)
                                           if self.stride(i) == 2)
        if needs_even and (channels % 2 or width % 2):
            raise ConfigError(f"FactorizedReduce splits channels in halves: the cell width {channels} and its mixed "
                              f"part {width} (partial_channels={partial_channels}) must be even")

        def conv(c_out, c_in, kernel=1):
            return nn.Parameter(torch.empty(c_out, c_in, kernel, kernel))

        # c_{k-2} after a reduction cell is at twice the resolution: FactorizedReduce brings it down
        self.preprocess0 = nn.ParameterList(
            [conv(channels // 2, c_prev_prev), conv(channels // 2, c_prev_prev)] if reduction_prev
            else [conv(channels, c_prev_prev)])
        self.preprocess1 = nn.ParameterList([conv(channels, c_prev)])
        # edge_ops[e][op]: [depthwise, pointwise] per block of a conv op; [conv_a, conv_b] of a stride-2 skip
        self.edge_ops = nn.ModuleList()
        for (source, _), ops in zip(self.edges, self.ops_per_edge):
            params = nn.ModuleDict()
            for op in ops:
                if op in CONV_OPS:
                    spec = CONV_OPS[op]
                    params[op] = nn.ParameterList(
                        [p for _ in range(spec.blocks) for p in (conv(width, 1, spec.kernel), conv(width, width))])
                elif op == SKIP and self.stride(source) == 2:
                    params[op] = nn.ParameterList([conv(width // 2, width), conv(width // 2, width)])
            self.edge_ops.append(params)
        self.slots = [{op: slot for slot, op in enumerate(ops)} for ops in self.ops_per_edge]
        sources = sorted({i for i, _ in self.edges})
        self.leaving = {src: [(e, j) for e, (i, j) in enumerate(self.edges) if i == src] for src in sources}
        self.entering = {node: [e for e, (_, j) in enumerate(self.edges) if j == node] for node in range(2, 2 + steps)}
        self.reset_parameters(None)

    def stride(self, source: int) -> int:
        """Edges leaving the cell inputs of a reduction cell halve the resolution (quark0/darts
        cnn/model_search.py Cell: stride 2 if reduction and j < 2), so the stride depends on the source only."""
        return 2 if self.reduction and source < 2 else 1

    def reset_parameters(self, generator: torch.Generator | None) -> None:
        # PyTorch's Conv2d default (kaiming-uniform, a = sqrt(5)), as spaces/init.py
        for weight in self.parameters():
            nn.init.kaiming_uniform_(weight, a=5**0.5, generator=generator)

    def forward(self, s0: torch.Tensor, s1: torch.Tensor, weights: torch.Tensor, active: list[list[bool]],
                edge_scale: torch.Tensor | None, offsets: torch.Tensor | None, noise: RandomSource) -> torch.Tensor:
        """weights: [edges, max_ops] in each edge's op order; active: host-side [edges][max_ops];
        edge_scale and offsets: [edges] or None."""
        states = [self._preprocess0(s0), search_batch_norm(F.conv2d(F.relu(s1), self.preprocess1[0]))]
        batch, _, height, width = states[1].shape
        if self.reduction:
            height, width = (height + 1) // 2, (width + 1) // 2
        node_shape = (batch, self.channels, height, width)
        coef = weights if edge_scale is None else weights * edge_scale[:, None]
        on = [[op for op, slot in self.slots[e].items() if active[e][slot]] for e in range(len(self.slots))]
        noises = self._draw_noise(on, states, node_shape, noise)
        sums = [_NodeSum() for _ in range(2 + self.steps)]
        states += [None] * self.steps
        for src, leaving in self.leaving.items():
            if src >= 2:
                states[src] = self._finish(src, sums[src], node_shape, offsets, like=states[1])
            self._leave(src, states[src], leaving, coef, on, edge_scale, noises, sums)
        for node in range(2, 2 + self.steps):
            if states[node] is None:  # no edge leaves it
                states[node] = self._finish(node, sums[node], node_shape, offsets, like=states[1])
        return cat_channels(states[2:])

    def _preprocess0(self, s0: torch.Tensor) -> torch.Tensor:
        if len(self.preprocess0) == 2:
            return factorized_reduce(F.relu(s0), self.preprocess0[0], self.preprocess0[1])
        return search_batch_norm(F.conv2d(F.relu(s0), self.preprocess0[0]))

    def _draw_noise(self, on, states, node_shape, noise) -> dict[int, torch.Tensor]:
        """The noise op's samples, drawn in edge order (the order of the per-edge reference)."""
        draws = {}
        for e, (source, _) in enumerate(self.edges):
            if NOISE in on[e]:
                batch, _, height, width = states[source].shape if source < 2 else node_shape
                stride = self.stride(source)
                shape = (batch, self.mixed_channels, -(-height // stride), -(-width // stride))
                draws[e] = noise.normal_of(shape, like=states[1]).contiguous(memory_format=torch.channels_last)
        return draws

    def _finish(self, index: int, node: _NodeSum, shape, offsets: torch.Tensor | None,
                like: torch.Tensor) -> torch.Tensor:
        """A node's value from its sums (zero where every incoming op is off), plus its edges' offsets."""
        mixed, polyphase = node.total.value, node.polyphase.value
        if polyphase is not None:
            mixed = from_polyphase(polyphase) if mixed is None else mixed + from_polyphase(polyphase)
        if self.partial_channels > 1:
            if mixed is None:
                mixed = like.new_zeros((shape[0], self.mixed_channels, *shape[2:])).contiguous(
                    memory_format=torch.channels_last)
            value = channel_shuffle(cat_channels([mixed, node.bypass.value]), self.partial_channels)
        elif mixed is None:
            value = like.new_zeros(shape).contiguous(memory_format=torch.channels_last)
        else:
            value = mixed
        if offsets is not None:
            value = value + offsets[self.entering[index]].sum()
        return search_batch_norm(value) if self.node_bn else value

    def _leave(self, src, h, leaving, coef, on, edge_scale, noises, sums) -> None:
        """Add the outputs of the edges leaving `src` to their target nodes' sums."""
        stride = self.stride(src)
        if self.partial_channels > 1:
            bypass = h[:, self.mixed_channels:]
            if stride == 2:
                bypass = F.max_pool2d(bypass, 2, 2)  # PC-DARTS MixedOp: self.mp = nn.MaxPool2d(2, 2)
            for e, j in leaving:
                sums[j].bypass.add(bypass, None if edge_scale is None else edge_scale[e], private=False)
            h = h[:, : self.mixed_channels].contiguous(memory_format=torch.channels_last)
        uses = {op: [(e, j) for e, j in leaving if op in on[e]] for op in (*POOLS, SKIP, NOISE, *CONV_OPS)}

        for name in POOLS:
            if uses[name]:
                pooled = pool(h, name, stride)
                for e, j in uses[name]:
                    sums[j].total.add(pooled, coef[e, self.slots[e][name]], private=False)
        for e, j in uses[NOISE]:
            sums[j].total.add(noises[e], coef[e, self.slots[e][NOISE]], private=False)
        if stride == 1:
            for e, j in uses[SKIP]:
                sums[j].total.add(h, coef[e, self.slots[e][SKIP]], private=False)
        if not (any(uses[op] for op in CONV_OPS) or (stride == 2 and uses[SKIP])):
            return
        relu_h = F.relu(h)
        if stride == 2:
            for e, j in uses[SKIP]:
                conv_a, conv_b = self.edge_ops[e][SKIP]
                reduced = factorized_reduce(relu_h, conv_a, conv_b, coef[e, self.slots[e][SKIP]])
                sums[j].total.add(reduced, None, private=True)
        dilated = None
        for name, spec in CONV_OPS.items():
            for e, j in uses[name]:
                scale = coef[e, self.slots[e][name]]
                if spec.blocks == 2:
                    term = self._separable(relu_h, self.edge_ops[e][name], spec, stride, scale)
                    sums[j].total.add(term, None, private=True)
                    continue
                dilated = dilated or _DilatedInput(relu_h, stride)
                term = dilated.conv(self.edge_ops[e][name], spec, scale)
                (sums[j].polyphase if dilated.mode == "polyphase" else sums[j].total).add(term, None, private=True)

    @staticmethod
    def _separable(relu_h, params, spec, stride, scale) -> torch.Tensor:
        depthwise_1, pointwise_1, depthwise_2, pointwise_2 = params
        groups = relu_h.shape[1]
        y = F.conv2d(relu_h, depthwise_1, stride=stride, padding=spec.padding, groups=groups)
        y = F.relu(search_batch_norm(F.conv2d(y, pointwise_1)), inplace=True)  # BN's backward does not read its output
        y = F.conv2d(y, depthwise_2, padding=spec.padding, groups=groups)
        return scaled_batch_norm(F.conv2d(y, pointwise_2), scale)


def _check_cell(edges, ops_per_edge, steps: int) -> None:
    for (source, target), ops in zip(edges, ops_per_edge):
        if not (0 <= source < target and 2 <= target < 2 + steps):
            raise ConfigError(f"edge ({source}, {target}) is not an edge of a cell with {steps} intermediate "
                              f"nodes (0 <= source < target, 2 <= target <= {steps + 1})")
        unknown = [op for op in ops if op not in KNOWN_OPS]
        if unknown or not ops or len(set(ops)) != len(ops):
            raise ConfigError(f"edge ({source}, {target}) has op list {list(ops)}: ops must be distinct names "
                              f"from {list(KNOWN_OPS)}")
    if len(set(edges)) != len(edges):
        raise ConfigError(f"a cell type lists an edge twice: {list(edges)}")
    orphans = [node for node in range(2, 2 + steps) if node not in {target for _, target in edges}]
    if orphans:
        raise ConfigError(f"intermediate nodes {orphans} have no incoming edge")
