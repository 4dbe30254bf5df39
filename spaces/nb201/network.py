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

from spaces.base import ArchWeights
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

    def forward(self, x: torch.Tensor, weights: ArchWeights) -> torch.Tensor:
        """Logits of `x` under architecture weights (spaces/base.py ArchWeights): ops [cells, edges, ops],
        optional input weights [cells, edges] (PC-DARTS edge normalisation), host-side active mask and
        per-edge offsets [cells, edges] (GDAS)."""
        ops = weights.ops
        if ops.dim() != 3 or ops.shape[0] != self.num_cells:
            raise ValueError(f"weights.ops must be [cells={self.num_cells}, edges, ops], got {tuple(ops.shape)}")
        mask = weights.host_active()
        # channels_last: measured 1.5x faster a search step in fp32 and bf16 (2-core CPUs, README
        # "Step times"); the cells keep the layout, and their concatenations and shuffles keep it
        # in the backward pass too (spaces/channels_last.py)
        h = self.stem(x.contiguous(memory_format=torch.channels_last))
        cell = 0
        for layer in self.layers:
            if isinstance(layer, NB201SearchCell):
                h = layer(h, ops[cell], mask[cell], _row(weights.inputs, cell), _row(weights.offsets, cell))
                cell += 1
            else:
                h = layer(h)
        h = F.relu(self.head_bn(h))
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))


def _row(table: torch.Tensor | None, cell: int) -> torch.Tensor | None:
    return None if table is None else table[cell]
