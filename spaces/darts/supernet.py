"""The DARTS-space search network (the supernet) for every cell-type layout of the family.

stem 3x3 conv to stem_multiplier*C channels + BN -> cells -> global average pool -> linear
(quark0/darts cnn/model_search.py Network). A cell of a reduction type halves the resolution
and doubles the width; DARTS puts them at layers//3 and 2*layers//3 (space.py reduction_cells).
Cell i of the network reads row i of the architecture weights (spaces/base.py ArchWeights,
[cells, choices, max ops]); the method expands its per-type weights to the cells.

The network owns no architecture parameters; it owns the `noise` op's random stream, part of
its state_dict (spaces/random_source.py), so a resumed run draws the noise it would have drawn.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from spaces.base import ArchWeights, CellType
from spaces.darts.primitives import STEPS
from spaces.darts.search_cell import DartsSearchCell
from spaces.errors import ConfigError
from spaces.init import reset_parameters
from spaces.random_source import RandomSource

STEM_MULTIPLIER = 3  # quark0/darts cnn/model_search.py Network(stem_multiplier=3)


class DartsSupernet(nn.Module):
    def __init__(self, cell_types: Sequence[CellType], cell_type_of: Sequence[int], channels: int,
                 num_classes: int, noise_seed: int, steps: int = STEPS, stem_multiplier: int = STEM_MULTIPLIER,
                 partial_channels: int = 1, node_bn: bool = False):
        super().__init__()
        if not cell_type_of or any(not 0 <= t < len(cell_types) for t in cell_type_of):
            raise ConfigError(f"every network cell needs a type among 0..{len(cell_types) - 1}, got {list(cell_type_of)}")
        if channels < 1 or steps < 1:
            raise ConfigError(f"channels and steps must be >= 1, got {channels}, {steps}")
        self.cell_type_of = tuple(cell_type_of)
        width = stem_multiplier * channels
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, padding=1, bias=False), nn.BatchNorm2d(width))
        c_prev_prev, c_prev, c_cell = width, width, channels
        reduction_prev = False
        cells = []
        for t in self.cell_type_of:
            reduction = cell_types[t].reduction
            if reduction:
                c_cell *= 2
            cells.append(DartsSearchCell(cell_types[t], steps, c_prev_prev, c_prev, c_cell, reduction_prev,
                                         partial_channels, node_bn))
            reduction_prev = reduction
            c_prev_prev, c_prev = c_prev, steps * c_cell
        self.cells = nn.ModuleList(cells)
        self.classifier = nn.Linear(c_prev, num_classes)
        self.noise = RandomSource(noise_seed)
        self.num_choices = len(cell_types[0].op_choices)
        self.max_ops = max(t.max_ops for t in cell_types)
        # slots past an edge's own op list carry weight 0 and must stay off: [cells, choices, max ops]
        # (host lists: checked in Python, which a compiled forward runs once, when it traces)
        self._padding = [[[slot >= len(choice.ops) for slot in range(self.max_ops)]
                          for choice in cell_types[t].op_choices] for t in self.cell_type_of]

    def reset_parameters(self, generator: torch.Generator) -> None:
        reset_parameters(self, generator)
        for cell in self.cells:
            cell.reset_parameters(generator)

    def forward(self, x: torch.Tensor, weights: ArchWeights) -> torch.Tensor:
        ops = weights.ops
        expected = (len(self.cells), self.num_choices, self.max_ops)
        if tuple(ops.shape) != expected:
            raise ValueError(f"weights.ops must be [cells, choices, max ops] = {list(expected)}, got {list(ops.shape)}")
        for name, table in (("inputs", weights.inputs), ("offsets", weights.offsets)):
            if table is not None and tuple(table.shape) != (len(self.cells), self.num_choices):
                raise ValueError(f"weights.{name} must be [cells, edges] = {[len(self.cells), self.num_choices]}, "
                                 f"got {list(table.shape)}")
        active = weights.host_active()
        self._check_mask(weights.active, active, tuple(ops.shape))
        # channels_last: the depthwise convolutions and pools measured 5-10x faster so on CPU
        s0 = s1 = self.stem(x.contiguous(memory_format=torch.channels_last))
        for i, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1, ops[i], active[i], _row(weights.inputs, i), _row(weights.offsets, i), self.noise)
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(s1, 1), 1))

    def _check_mask(self, given, active, shape) -> None:
        """`given`: weights.active as the method passed it; `active`: its host lists (or tuples)."""
        if isinstance(given, torch.Tensor) and (given.dtype != torch.bool or given.device.type != "cpu"):
            raise ValueError(f"weights.active must be a CPU bool tensor, got {given.dtype} on {given.device}")
        if (len(active), len(active[0]), len(active[0][0])) != shape:
            raise ValueError(f"weights.active must have the shape of weights.ops, {list(shape)}")
        if any(on and padding for cell, pads in zip(active, self._padding) for ops, pad_row in zip(cell, pads)
               for on, padding in zip(ops, pad_row)):
            raise ValueError("the architecture weights switch on slots past an edge's op list")


def _row(table: torch.Tensor | None, cell: int) -> torch.Tensor | None:
    return None if table is None else table[cell]
