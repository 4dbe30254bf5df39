"""NAS-Bench-201 macro network with search cells (the supernet).

stem 3x3 conv + BN -> N cells (C) -> residual reduction -> N cells (2C) ->
residual reduction -> N cells (4C) -> BN + ReLU -> global pool -> linear,
as in the benchmark (C=16, N=5 by default). Only the 3N search cells take
architecture weights; the network owns no architecture parameters.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from spaces.init import reset_parameters
from spaces.nb201.search_cell import NB201SearchCell
from spaces.ops import ResidualReduction


class NB201Supernet(nn.Module):
    def __init__(self, channels: int = 16, cells_per_stage: int = 5, num_classes: int = 10,
                 partial_channels: int = 1, node_bn: bool = False):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))
        layers: list[nn.Module] = []
        width = channels
        for stage in range(3):
            if stage > 0:
                layers.append(ResidualReduction(width, width * 2))
                width *= 2
            layers.extend(NB201SearchCell(width, partial_channels, node_bn) for _ in range(cells_per_stage))
        self.layers = nn.ModuleList(layers)
        self.head_bn = nn.BatchNorm2d(width)
        self.classifier = nn.Linear(width, num_classes)
        self.num_cells = 3 * cells_per_stage

    def reset_parameters(self, generator: torch.Generator) -> None:
        reset_parameters(self, generator)
        for layer in self.layers:
            if isinstance(layer, NB201SearchCell):
                layer.reset_parameters(generator)

    def forward(self, x: torch.Tensor, weights: torch.Tensor, active: torch.Tensor | None = None,
                edge_scale: torch.Tensor | None = None) -> torch.Tensor:
        """Logits of `x` under architecture weights [cells, edges, ops].

        `active` is an optional host-side bool mask of the ops to compute. Without
        it the mask is read off `weights` (one small device-to-host copy per
        forward); methods that sample on the host pass it to avoid that copy.
        `edge_scale` [cells, edges] multiplies each edge's output (PC-DARTS edge
        normalisation); None means 1.
        """
        if weights.dim() != 3 or weights.shape[0] != self.num_cells:
            raise ValueError(f"weights must be [cells={self.num_cells}, edges, ops], got {tuple(weights.shape)}")
        mask = (weights.detach() != 0).cpu() if active is None else active
        mask = mask.tolist()
        h = self.stem(x)
        cell = 0
        for layer in self.layers:
            if isinstance(layer, NB201SearchCell):
                h = layer(h, weights[cell], mask[cell], None if edge_scale is None else edge_scale[cell])
                cell += 1
            else:
                h = layer(h)
        h = F.relu(self.head_bn(h))
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))
