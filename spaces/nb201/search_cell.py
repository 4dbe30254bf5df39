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
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from spaces.nb201.encoding import EDGES, NUM_NODES, OPS
from spaces.ops import search_batch_norm

SKIP, CONV1, CONV3, POOL = (OPS.index(n) for n in ("skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"))


class NB201SearchCell(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.channels = channels
        self.conv1x1 = nn.ParameterList(
            nn.Parameter(torch.empty(channels, channels, 1, 1)) for _ in EDGES
        )
        self.conv3x3 = nn.ParameterList(
            nn.Parameter(torch.empty(channels, channels, 3, 3)) for _ in EDGES
        )
        # edges leaving each source node, in edge order: [(edge, target), ...]
        self.out_edges = [[(e, j) for e, (i, j) in enumerate(EDGES) if i == src] for src in range(NUM_NODES)]
        self.reset_parameters(None)

    def reset_parameters(self, generator: torch.Generator | None) -> None:
        for weight in list(self.conv1x1) + list(self.conv3x3):
            nn.init.kaiming_uniform_(weight, a=5**0.5, generator=generator)

    def forward(self, x: torch.Tensor, weights: torch.Tensor, active: list[list[bool]]) -> torch.Tensor:
        """weights: [edges, ops] for this cell; active: host-side [edges][ops] flags (weight != 0)."""
        incoming: list[torch.Tensor | None] = [x] + [None] * (NUM_NODES - 1)
        for src in range(NUM_NODES - 1):
            h = incoming[src] if incoming[src] is not None else torch.zeros_like(x)
            for edge, target, out in self._outputs_from(src, h, weights, active):
                incoming[target] = out if incoming[target] is None else incoming[target] + out
        out = incoming[NUM_NODES - 1]
        return out if out is not None else torch.zeros_like(x)

    def _outputs_from(self, src: int, h: torch.Tensor, weights: torch.Tensor, active: list[list[bool]]):
        """Weighted contributions (edge, target, tensor) of every active op on edges leaving `src`."""
        edges = self.out_edges[src]
        contributions = []

        def add(edge, target, op, value):
            contributions.append((edge, target, weights[edge, op] * value))

        if any(active[e][SKIP] for e, _ in edges):
            for e, t in edges:
                if active[e][SKIP]:
                    add(e, t, SKIP, h)
        if any(active[e][POOL] for e, _ in edges):
            pooled = F.avg_pool2d(h, 3, stride=1, padding=1, count_include_pad=False)
            for e, t in edges:
                if active[e][POOL]:
                    add(e, t, POOL, pooled)
        conv_edges = {op: [(e, t) for e, t in edges if active[e][op]] for op in (CONV1, CONV3)}
        if conv_edges[CONV1] or conv_edges[CONV3]:
            relu_h = F.relu(h)
            for op, filters, padding in ((CONV1, self.conv1x1, 0), (CONV3, self.conv3x3, 1)):
                chosen = conv_edges[op]
                if not chosen:
                    continue
                kernel = torch.cat([filters[e] for e, _ in chosen]) if len(chosen) > 1 else filters[chosen[0][0]]
                outputs = search_batch_norm(F.conv2d(relu_h, kernel, padding=padding))
                for (e, t), out in zip(chosen, outputs.split(self.channels, dim=1)):
                    add(e, t, op, out)
        return contributions
