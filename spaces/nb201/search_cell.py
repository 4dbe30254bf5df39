"""The NAS-Bench-201 search cell: every op on every edge, mixed by given weights.

Node 0 is the cell input; node j sums, over its incoming edges (i, j), the
weighted outputs of that edge's candidate ops applied to node i; node 3 is the
cell output. The cell owns the convolutions; the weights come from outside.

Speed (DESIGN.md, "Performance"): all edges leaving a node share their input,
so the kernel works per source node instead of per edge:
  * the ReLU before the convolutions is computed once;
  * each edge's 1x1 and 3x3 convolutions run as separate calls, each followed by
    a BN whose per-channel weight is the edge's op weight (ops.scaled_batch_norm),
    which saves a multiplication of the output and its backward. In channels_last
    one convolution per source node with the edges' filters concatenated measured
    10% slower a step (the channel slices of its output made every later op strided);
  * average pooling and identity are parameter-free, so they are computed once
    and shared by every outgoing edge (the pooling as a depthwise convolution, ops.avg_pool_3x3);
  * a node's terms are accumulated in place (ops.RunningSum), with no per-edge sum;
  * an op whose weight is exactly 0 is not computed at all, and `none` never is
    (its output is 0 whatever its weight, and so is its gradient);
  * the network computes channels_last (network.py says why).

Options used by some methods:
  * partial_channels K > 1 (PC-DARTS): only the first C/K channels of the edge
    input go through the mixed op; the rest bypass it, and the two parts are
    concatenated and channel-shuffled with K groups (PC-DARTS, Section 3.1).
    Concatenation and shuffle are linear, so a node sums the mixed parts and the
    bypasses of its incoming edges separately and shuffles once;
  * node_bn (DARTS-PRIME CRB): a BatchNorm without affine after each node's sum;
  * edge_scale [edges] (PC-DARTS edge normalisation): each edge's output,
    bypassed channels included, is multiplied by its edge weight (folded into
    the coefficients of its terms);
  * offsets [edges] (GDAS): a scalar added to each edge's output, forward value 0, which carries
    the weights of the edge's unchosen ops into the graph (methods/components/gumbel.py). A node
    adds the offsets of its incoming edges once, whatever was computed on them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from spaces.channels_last import CHANNELS_LAST, cat_channels, channel_shuffle
from spaces.nb201.encoding import EDGES, NUM_NODES, OPS
from spaces.ops import RunningSum, avg_pool_3x3, scaled_batch_norm, search_batch_norm

SKIP, CONV1, CONV3, POOL = (OPS.index(n) for n in ("skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"))


class _NodeSum:
    """A node's incoming terms: the mixed channels, and (PC-DARTS) the bypassed ones."""

    def __init__(self) -> None:
        self.mixed, self.bypass = RunningSum(), RunningSum()


class NB201SearchCell(nn.Module):
    def __init__(self, channels: int, partial_channels: int = 1, node_bn: bool = False):
        super().__init__()
        if partial_channels < 1 or channels % partial_channels:
            raise ValueError(f"partial_channels={partial_channels} must divide the cell width {channels}")
        self.channels = channels
        self.partial_channels = partial_channels
        self.node_bn = node_bn
        self.mixed_channels = channels // partial_channels
        width = self.mixed_channels
        self.conv1x1 = nn.ParameterList(nn.Parameter(torch.empty(width, width, 1, 1)) for _ in EDGES)
        self.conv3x3 = nn.ParameterList(nn.Parameter(torch.empty(width, width, 3, 3)) for _ in EDGES)
        # edges leaving each source node, in edge order: [(edge, target), ...]; edges entering each node
        self.out_edges = [[(e, j) for e, (i, j) in enumerate(EDGES) if i == src] for src in range(NUM_NODES)]
        self.entering = [[e for e, (_, j) in enumerate(EDGES) if j == node] for node in range(NUM_NODES)]
        self.reset_parameters(None)

    def reset_parameters(self, generator: torch.Generator | None) -> None:
        for weight in list(self.conv1x1) + list(self.conv3x3):
            nn.init.kaiming_uniform_(weight, a=5**0.5, generator=generator)

    def forward(self, x: torch.Tensor, weights: torch.Tensor, active: list[list[bool]],
                edge_scale: torch.Tensor | None = None, offsets: torch.Tensor | None = None) -> torch.Tensor:
        """weights: [edges, ops]; active: host-side [edges][ops] flags (weight != 0); edge_scale and
        offsets: [edges] or None."""
        sums = [_NodeSum() for _ in range(NUM_NODES)]
        h = x
        for src in range(NUM_NODES - 1):
            if src > 0:
                h = self._node(src, sums[src], x, offsets)
            self._leave(src, h, weights, active, edge_scale, sums)
        return self._node(NUM_NODES - 1, sums[NUM_NODES - 1], x, offsets)

    def _node(self, node: int, terms: _NodeSum, like: torch.Tensor, offsets: torch.Tensor | None) -> torch.Tensor:
        """A node's value from its incoming terms (zero when every incoming op is off)."""
        mixed = terms.mixed.value
        if self.partial_channels > 1:
            if mixed is None:
                mixed = like.new_zeros((like.shape[0], self.mixed_channels, *like.shape[2:])).contiguous(
                    memory_format=CHANNELS_LAST)
            value = channel_shuffle(cat_channels([mixed, terms.bypass.value]), self.partial_channels)
        else:
            value = torch.zeros_like(like) if mixed is None else mixed
        if offsets is not None:
            value = value + offsets[self.entering[node]].sum()
        return search_batch_norm(value) if self.node_bn else value

    def _leave(self, src: int, h: torch.Tensor, weights: torch.Tensor, active: list[list[bool]],
               edge_scale: torch.Tensor | None, sums: list[_NodeSum]) -> None:
        """Add the terms of the edges leaving `src` to their target nodes' sums."""
        edges = self.out_edges[src]
        if self.partial_channels > 1:
            bypass = h[:, self.mixed_channels:]
            for e, j in edges:
                sums[j].bypass.add(bypass, None if edge_scale is None else edge_scale[e], private=False)
            h = h[:, : self.mixed_channels].contiguous(memory_format=CHANNELS_LAST)

        def coef(e: int, op: int) -> torch.Tensor:
            """The op's weight on edge e (times the edge's weight)."""
            return weights[e, op] if edge_scale is None else weights[e, op] * edge_scale[e]

        for e, j in edges:
            if active[e][SKIP]:
                sums[j].mixed.add(h, coef(e, SKIP), private=False)
        if any(active[e][POOL] for e, _ in edges):
            pooled = avg_pool_3x3(h)
            for e, j in edges:
                if active[e][POOL]:
                    sums[j].mixed.add(pooled, coef(e, POOL), private=False)
        conv_edges = {op: [(e, j) for e, j in edges if active[e][op]] for op in (CONV1, CONV3)}
        if not (conv_edges[CONV1] or conv_edges[CONV3]):
            return
        relu_h = F.relu(h)
        for op, filters, padding in ((CONV1, self.conv1x1, 0), (CONV3, self.conv3x3, 1)):
            for e, j in conv_edges[op]:
                out = scaled_batch_norm(F.conv2d(relu_h, filters[e], padding=padding), coef(e, op))
                sums[j].mixed.add(out, None, private=True)
