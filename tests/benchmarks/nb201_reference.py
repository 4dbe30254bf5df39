"""A plain per-edge NB201 search network, the shape of NAS-Bench-201's TinyNetworkDarts (which the seed
repositories vendor): one module per op per edge, every op computed, the edge output the weighted sum.
Written here so the benchmark measures the harness supernet against it in one run (issue 13); it is a
timing reference, not a numerics one (tests/test_supernet.py checks the kernel's numerics).

Shape (AutoDL-Projects, TinyNetworkDarts): stem 3x3 conv + BN; N search cells at C, a residual
reduction, N cells at 2C, a reduction, N cells at 4C; BN, ReLU, global average pool, linear. Cells: 4
nodes, an edge per pair i < j; ops none (zeros), skip_connect, nor_conv_1x1 and nor_conv_3x3 (ReLU,
conv, BN without affine parameters, as in search cells), avg_pool_3x3 (count_include_pad=False).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from spaces.ops import ResidualReduction

EDGES = [(i, j) for j in range(1, 4) for i in range(j)]  # 6 edges, in the NB201 string's order


class Zero(nn.Module):
    def forward(self, x):
        return x.mul(0.0)


class ReLUConvBN(nn.Module):
    def __init__(self, c: int, kernel: int):
        super().__init__()
        self.op = nn.Sequential(nn.ReLU(), nn.Conv2d(c, c, kernel, padding=kernel // 2, bias=False),
                                nn.BatchNorm2d(c, affine=False))

    def forward(self, x):
        return self.op(x)


def edge_ops(c: int) -> nn.ModuleList:
    return nn.ModuleList([Zero(), nn.Identity(), ReLUConvBN(c, 1), ReLUConvBN(c, 3),
                          nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)])


class SearchCell(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.edges = nn.ModuleList([edge_ops(c) for _ in EDGES])

    def forward(self, x, weights):  # weights: [6 edges, 5 ops]
        nodes = [x]
        for j in range(1, 4):
            nodes.append(sum(sum(w * op(nodes[i]) for w, op in zip(weights[e], self.edges[e]))
                             for e, (i, target) in enumerate(EDGES) if target == j))
        return nodes[-1]


class PerEdgeNB201(nn.Module):
    def __init__(self, channels: int = 16, cells_per_stage: int = 5, classes: int = 10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))
        layers, c = [], channels
        for stage in range(3):
            if stage:
                layers.append(ResidualReduction(c, 2 * c))
                c *= 2
            layers.extend(SearchCell(c) for _ in range(cells_per_stage))
        self.layers = nn.ModuleList(layers)
        self.lastact = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU())
        self.classifier = nn.Linear(c, classes)

    def forward(self, x, weights):
        h = self.stem(x)
        for layer in self.layers:
            h = layer(h, weights) if isinstance(layer, SearchCell) else layer(h)
        return self.classifier(F.adaptive_avg_pool2d(self.lastact(h), 1).flatten(1))


class FirstOrderDartsStep:
    """One first-order DARTS step on the reference: weight step (SGD 0.025, momentum 0.9, wd 3e-4, clip 5)
    and architecture step (Adam 3e-4, betas (0.5, 0.999), wd 1e-3), as NB201's DARTS-V1 search has them."""

    def __init__(self, net: PerEdgeNB201, batches, generator: torch.Generator):
        self.net, self.batches = net, batches
        device = next(net.parameters()).device
        self.alphas = (1e-3 * torch.randn(len(EDGES), 5, generator=generator)).to(device).requires_grad_()
        self.w_optimizer = torch.optim.SGD(net.parameters(), lr=0.025, momentum=0.9, weight_decay=3e-4)
        self.a_optimizer = torch.optim.Adam([self.alphas], lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3)

    def __call__(self) -> torch.Tensor:
        (x, y), (x_val, y_val) = self.batches
        self.w_optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.net(x, torch.softmax(self.alphas.detach(), dim=-1)), y)
        loss.backward()
        nn.utils.clip_grad_norm_(self.net.parameters(), 5.0)
        self.w_optimizer.step()
        self.a_optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(self.net(x_val, torch.softmax(self.alphas, dim=-1)), y_val).backward()
        self.a_optimizer.step()
        return loss.detach()
