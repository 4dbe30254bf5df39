"""The NAS-Bench-201 search cell: every op on every edge, mixed by given weights.

Node 0 is the cell input; node j sums, over its incoming edges (i, j), the
weighted outputs of that edge's candidate ops applied to node i; node 3 is the
cell output. The cell owns the convolutions; the weights come from outside.

Speed (DESIGN.md, "Performance"): all edges leaving a node share their input,
so the kernel works per source node instead of per edge:
  * the ReLU before the convolutions is computed once;
  * the 1x1 (and the 3x3) convolutions of all active outgoing edges run as ONE
    convolution with their filters concatenated, then one BatchNorm, which is
    exact because the search BN (affine=False, batch statistics) is per channel;
  * average pooling and identity are parameter-free, so they are computed once
    and shared by every outgoing edge;
  * an op whose weight is exactly 0 is not computed at all, and `none` never is
    (its output is 0 whatever its weight, and so is its gradient).

Options used by some methods:
  * partial_channels K > 1 (PC-DARTS): only the first C/K channels of the edge
    input go through the mixed op; the rest bypass it, and the two parts are
    concatenated and channel-shuffled with K groups (PC-DARTS, Section 3.1);
  * node_bn (DARTS-PRIME CRB): a BatchNorm without affine after each node's sum;
  * edge_scale [edges] (PC-DARTS edge normalisation): each edge's output,
    bypassed channels included, is multiplied by its edge weight;
  * offsets [edges] (GDAS): a scalar added to each edge's output, forward value 0, which carries
    the weights of the edge's unchosen ops into the graph (methods/components/gumbel.py). An edge
    whose every op is off still takes its offset.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from spaces.nb201.encoding import EDGES, NUM_NODES, OPS
from spaces.ops import channel_shuffle, search_batch_norm

SKIP, CONV1, CONV3, POOL = (OPS.index(n) for n in ("skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"))


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
        # edges leaving each source node, in edge order: [(edge, target), ...]
        self.out_edges = [[(e, j) for e, (i, j) in enumerate(EDGES) if i == src] for src in range(NUM_NODES)]
        self.reset_parameters(None)

    def reset_parameters(self, generator: torch.Generator | None) -> None:
        for weight in list(self.conv1x1) + list(self.conv3x3):
            nn.init.kaiming_uniform_(weight, a=5**0.5, generator=generator)

    def forward(self, x: torch.Tensor, weights: torch.Tensor, active: list[list[bool]],
                edge_scale: torch.Tensor | None = None, offsets: torch.Tensor | None = None) -> torch.Tensor:
        """weights: [edges, ops]; active: host-side [edges][ops] flags (weight != 0); edge_scale and
        offsets: [edges] or None."""
        incoming: list[torch.Tensor | None] = [x] + [None] * (NUM_NODES - 1)
        for src in range(NUM_NODES - 1):
            h = self._node(incoming[src], x) if src > 0 else x
            computed = set()
            for edge, target, out in self._edge_outputs(src, h, weights, active):
                if edge_scale is not None:
                    out = edge_scale[edge] * out
                if offsets is not None:
                    out = out + offsets[edge]
                computed.add(edge)
                incoming[target] = out if incoming[target] is None else incoming[target] + out
            if offsets is not None:
                for edge, target in self.out_edges[src]:
                    if edge not in computed:  # nothing computed on the edge: its output is the offset alone
                        lone = offsets[edge].expand_as(x)
                        incoming[target] = lone if incoming[target] is None else incoming[target] + lone
        return self._node(incoming[NUM_NODES - 1], x)

    def _node(self, total: torch.Tensor | None, like: torch.Tensor) -> torch.Tensor:
        """A node's value from the sum of its incoming edges (zero when every incoming op is off)."""
        if total is None:
            return torch.zeros_like(like)
        return search_batch_norm(total) if self.node_bn else total

    def _edge_outputs(self, src: int, h: torch.Tensor, weights: torch.Tensor, active: list[list[bool]]):
        """(edge, target, output) for every edge leaving `src` that carries anything."""
        edges = self.out_edges[src]
        partial = self.partial_channels > 1
        mixed_in = h[:, : self.mixed_channels] if partial else h
        mixed: dict[int, torch.Tensor] = {}

        def add(edge, op, value):
            term = weights[edge, op] * value
            mixed[edge] = term if edge not in mixed else mixed[edge] + term

        for e, _ in edges:
            if active[e][SKIP]:
                add(e, SKIP, mixed_in)
        if any(active[e][POOL] for e, _ in edges):
            pooled = F.avg_pool2d(mixed_in, 3, stride=1, padding=1, count_include_pad=False)
            for e, _ in edges:
                if active[e][POOL]:
                    add(e, POOL, pooled)
        conv_edges = {op: [e for e, _ in edges if active[e][op]] for op in (CONV1, CONV3)}
        if conv_edges[CONV1] or conv_edges[CONV3]:
            relu_in = F.relu(mixed_in)
            for op, filters, padding in ((CONV1, self.conv1x1, 0), (CONV3, self.conv3x3, 1)):
                chosen = conv_edges[op]
                if not chosen:
                    continue
                kernel = torch.cat([filters[e] for e in chosen]) if len(chosen) > 1 else filters[chosen[0]]
                outputs = search_batch_norm(F.conv2d(relu_in, kernel, padding=padding))
                for e, out in zip(chosen, outputs.split(self.mixed_channels, dim=1)):
                    add(e, op, out)

        outputs = []
        for e, target in edges:
            if partial:
                part = mixed[e] if e in mixed else torch.zeros_like(mixed_in)
                bypass = h[:, self.mixed_channels:]
                outputs.append((e, target, channel_shuffle(torch.cat([part, bypass], dim=1), self.partial_channels)))
            elif e in mixed:
                outputs.append((e, target, mixed[e]))
        return outputs
