"""The NAS-Bench-1Shot1 one-shot cell: every candidate edge and every op of every choice block at once.

Structure (automl/nasbench-1shot1 optimizers/darts/model_search.py `Cell`, `ChoiceBlock`, `MixedOp`,
commit 05b378b; it follows google-research/nasbench lib/model_builder.py):
  * the cell input s0 reaches choice block b through its own 1x1 ConvBnRelu projection (c_in -> C),
    and the output through one more projection (c_in -> C * blocks);
  * choice block b (node b+1) sums its candidate inputs -- the projected s0 and every earlier
    block's output -- each multiplied by its input weight when the node has a choice of parents
    (cell_graph.py), then applies the mixed op: sum over PRIMITIVES (maxpool3x3, conv3x3-bn-relu,
    conv1x1-bn-relu) of op weight x op(input);
  * the output is the concatenation of the blocks' outputs (each C channels, multiplied by its
    output weight) plus the weighted output projection of s0: C * blocks channels. The channels are
    NOT divided among the blocks as NAS-Bench-101's evaluation network divides them
    (model_builder.py `compute_vertex_channels`): every block has the stage's full C.
  * BatchNorm as optimizers/darts/operations.py `ConvBnRelu` builds it: affine, running statistics,
    eps 1e-5 and momentum 0.997 (operations.py BN_MOMENTUM, NAS-Bench-101's TF decay) passed as
    PyTorch's momentum. In PyTorch that is the weight of the NEW batch, so the running statistics
    follow mostly the latest batch (TF's decay 0.997 would be PyTorch's 0.003); we keep the
    repository's value, since its search results are what this space reproduces. The `affine=False`
    the MixedOp passes to OPS is ignored by the NAS-Bench ops (operations.py Conv3x3BnRelu).
  * maxpool3x3 is nn.MaxPool2d(3, stride 1, padding 1) without BN (operations.py OPS; model_search.py
    leaves the DARTS "pool + BN" commented out as "Not used in NASBench").

Harness additions, each a no-op at its default:
  * an op whose weight is exactly 0 (per the host-side active mask) is not computed;
  * partial_channels K > 1 (PC-DARTS, nasbench-1shot1 optimizers/pc_darts/model_search.py
    `MixedOpPCDARTS`, K = 4): only the first C/K channels of a block's summed input go through its
    ops (built for C/K channels), the rest bypass them, then the two parts are concatenated and
    channel-shuffled with K groups;
  * offsets [blocks] (GDAS' unchosen-op weights, spaces/base.py ArchWeights): a scalar added to each
    block's output.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from spaces.nb1shot1.cell_graph import CellGraph
from spaces.nb1shot1.spaces import PRIMITIVES, OneShotSpace
from spaces.nb101.cell import CONV1X1, CONV3X3, MAXPOOL3X3
from spaces.channels_last import cat_channels, channel_shuffle
from spaces.ops import search_batch_norm

POOL, CONV3, CONV1 = (PRIMITIVES.index(op) for op in (MAXPOOL3X3, CONV3X3, CONV1X1))
BN_MOMENTUM = 0.997  # nasbench-1shot1 optimizers/darts/operations.py BN_MOMENTUM (as PyTorch momentum, see above)
BN_EPSILON = 1e-5  # nasbench-1shot1 optimizers/darts/operations.py BN_EPSILON


class ConvBnRelu(nn.Module):
    """Conv (no bias, 'same' padding) -> affine BN -> ReLU (operations.py ConvBnRelu; nasbench base_ops.py)."""

    def __init__(self, c_in: int, c_out: int, kernel: int):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False)
        self.bn = nn.BatchNorm2d(c_out, eps=BN_EPSILON, momentum=BN_MOMENTUM)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)))


class ChoiceBlock(nn.Module):
    """The mixed op of one node over PRIMITIVES, on the first channels / partial_channels of its input."""

    def __init__(self, channels: int, partial_channels: int = 1):
        super().__init__()
        if partial_channels < 1 or channels % partial_channels:
            raise ValueError(f"partial_channels={partial_channels} must divide the block width {channels}")
        self.partial_channels = partial_channels
        self.mixed_channels = channels // partial_channels
        self.conv3x3 = ConvBnRelu(self.mixed_channels, self.mixed_channels, 3)
        self.conv1x1 = ConvBnRelu(self.mixed_channels, self.mixed_channels, 1)

    def forward(self, x: torch.Tensor, weights: torch.Tensor, active: list[bool]) -> torch.Tensor:
        """weights [ops] in PRIMITIVES order; active: host-side flags of the ops to compute."""
        mixed_in = x[:, : self.mixed_channels] if self.partial_channels > 1 else x
        mixed = None
        for op, compute in ((POOL, self._pool), (CONV3, self.conv3x3), (CONV1, self.conv1x1)):
            if active[op]:
                term = weights[op] * compute(mixed_in)
                mixed = term if mixed is None else mixed + term
        if mixed is None:  # every op off: the block outputs zeros (its bypassed channels still pass)
            mixed = torch.zeros_like(mixed_in)
        if self.partial_channels == 1:
            return mixed
        # cat_channels and this shuffle keep the network's channels_last layout, gradients included
        return channel_shuffle(cat_channels([mixed, x[:, self.mixed_channels:]]), self.partial_channels)

    @staticmethod
    def _pool(x: torch.Tensor) -> torch.Tensor:
        return F.max_pool2d(x, 3, stride=1, padding=1)


class OneShotCell(nn.Module):
    def __init__(self, space: OneShotSpace, c_in: int, channels: int, partial_channels: int = 1,
                 node_bn: bool = False):
        super().__init__()
        self.node_bn = node_bn
        self.graph = CellGraph(space)
        self.num_blocks = space.num_blocks
        self.output_node = space.output_node
        self.projections = nn.ModuleList(ConvBnRelu(c_in, channels, 1) for _ in range(self.num_blocks))
        self.output_projection = ConvBnRelu(c_in, channels * self.num_blocks, 1)
        self.blocks = nn.ModuleList(ChoiceBlock(channels, partial_channels) for _ in range(self.num_blocks))
        # per node: [(edge index, source)] of its candidate edges, and whether their weights apply
        self.sources = {node: [(e, self.graph.edges[e][0]) for e in self.graph.incoming(node)]
                        for node in range(1, self.output_node + 1)}
        self.is_weighted = {node: self.graph.weighted(node) for node in self.sources}

    def forward(self, s0: torch.Tensor, ops: torch.Tensor, active: list[list[bool]],
                inputs: torch.Tensor | None = None, offsets: torch.Tensor | None = None) -> torch.Tensor:
        """ops [blocks, ops]; active host-side [blocks][ops]; inputs [edges] or None (every weight 1);
        offsets [blocks] or None."""
        states: list[torch.Tensor | None] = [None]  # node 0 enters each block through its own projection
        for block in range(self.num_blocks):
            node = block + 1
            total = None
            for edge, source in self.sources[node]:
                value = self.projections[block](s0) if source == 0 else states[source]
                value = self._weigh(value, node, edge, inputs)
                total = value if total is None else total + value
            out = self.blocks[block](total, ops[block], active[block])
            if self.node_bn:
                out = search_batch_norm(out)
            if offsets is not None:
                out = out + offsets[block]
            states.append(out)
        output = self.output_node
        edges = dict((source, edge) for edge, source in self.sources[output])
        concatenated = torch.cat([self._weigh(states[node], output, edges[node], inputs)
                                  for node in range(1, output)], dim=1)
        return concatenated + self._weigh(self.output_projection(s0), output, edges[0], inputs)

    def _weigh(self, value: torch.Tensor, node: int, edge: int, inputs: torch.Tensor | None) -> torch.Tensor:
        if inputs is None or not self.is_weighted[node]:
            return value
        return inputs[edge] * value
