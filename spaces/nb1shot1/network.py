"""The NAS-Bench-1Shot1 one-shot network (the supernet of spaces nb1shot1-s1..s3).

As automl/nasbench-1shot1 optimizers/darts/model_search.py `Network` (commit 05b378b) builds it:
  stem 3x3 ConvBnRelu (3 -> C) -> 3 stages of N cells (C, 2C, 4C; the repository's `layers` = 3N,
  its stage boundaries at layers // 3 and 2 * layers // 3) with a 2x2 max-pool of stride 2 and
  padding 1 before the first cell of stages 2 and 3 (so 32 -> 17 -> 9 pixels; NAS-Bench-101's own
  network pads 'same', 32 -> 16 -> 8) -> ReLU, 1x1 conv (C_last * blocks -> C_last), BN without
  affine (operations.py ReLUConvBN, affine=False) -> global average pool -> linear.
A cell's input has C_prev channels for the first cell and C_prev * blocks after it (the previous
cell's output width, search_cell.py). Only the cells take architecture weights; the network owns none.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from spaces.base import ArchWeights
from spaces.init import reset_parameters
from spaces.nb1shot1.cell_graph import CellGraph
from spaces.nb1shot1.search_cell import ConvBnRelu, OneShotCell
from spaces.nb1shot1.spaces import PRIMITIVES, OneShotSpace


class OneShotSupernet(nn.Module):
    def __init__(self, space: OneShotSpace, channels: int = 16, cells_per_stage: int = 3, num_classes: int = 10,
                 partial_channels: int = 1, node_bn: bool = False):
        super().__init__()
        self.space = space
        self.num_edges = len(CellGraph(space).edges)
        self.stem = ConvBnRelu(3, channels, 3)
        blocks = space.num_blocks
        cells: list[OneShotCell] = []
        downsample: list[bool] = []
        width, c_in = channels, channels
        for stage in range(3):
            if stage > 0:
                width *= 2
            for position in range(cells_per_stage):
                cells.append(OneShotCell(space, c_in, width, partial_channels, node_bn))
                downsample.append(stage > 0 and position == 0)
                c_in = width * blocks
        self.cells = nn.ModuleList(cells)
        self.downsample = tuple(downsample)
        self.post_conv = nn.Conv2d(c_in, width, 1, bias=False)
        self.post_bn = nn.BatchNorm2d(width, affine=False)
        self.classifier = nn.Linear(width, num_classes)
        self.num_cells = len(cells)

    def reset_parameters(self, generator: torch.Generator) -> None:
        reset_parameters(self, generator)

    def forward(self, x: torch.Tensor, weights: ArchWeights) -> torch.Tensor:
        """Logits of `x` under ArchWeights: ops [cells, blocks, 3] (PRIMITIVES order), inputs [cells, edges]
        (cell_graph.py order) or None, host-side active mask, offsets [cells, blocks] or None."""
        ops = weights.ops
        expected = (self.num_cells, self.space.num_blocks, len(PRIMITIVES))
        if tuple(ops.shape) != expected:
            raise ValueError(f"weights.ops must be [cells, blocks, ops] = {list(expected)}, got {list(ops.shape)}")
        if weights.inputs is not None and tuple(weights.inputs.shape) != (self.num_cells, self.num_edges):
            raise ValueError(f"weights.inputs must be [cells, edges] = [{self.num_cells}, {self.num_edges}], "
                             f"got {list(weights.inputs.shape)}")
        mask = weights.host_active()
        # harness choice: channels-last activations (the convolutions follow their input's layout), measured
        # ~1.7x faster forward+backward on CPU at C=16, batch 96, mostly in the 3x3 max-pools
        h = self.stem(x.contiguous(memory_format=torch.channels_last))
        for cell, (layer, pool) in enumerate(zip(self.cells, self.downsample)):
            if pool:
                h = F.max_pool2d(h, 2, stride=2, padding=1)
            h = layer(h, ops[cell], mask[cell], _row(weights.inputs, cell), _row(weights.offsets, cell))
        h = self.post_bn(self.post_conv(F.relu(h)))
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))


def _row(table: torch.Tensor | None, cell: int) -> torch.Tensor | None:
    return None if table is None else table[cell]
