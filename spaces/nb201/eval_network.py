"""NAS-Bench-201's own network for one cell, trained from scratch (D-X-Y/AutoDL-Projects
lib/models/cell_infers/tiny_network.py TinyNetwork, cells.py InferCell, ../cell_operations.py).

  stem     3x3 conv to C + BN
  stages   N cells (C), a ResNet basic block of stride 2 (2C), N cells (2C), another (4C), N cells (4C)
  cell     node j sums op(i -> j)(node i) over i < j; the cell's output is node 3. Ops: nor_conv_kxk =
           ReLU-conv-BN (padding k // 2), avg_pool_3x3 = 3x3 average pool, padding 1, count_include_pad=False
           (no preprocessing: inside a cell C_in = C_out), skip_connect = identity, none = zeros
  head     BN + ReLU, global average pool, linear
BatchNorm is affine with running statistics (the benchmark's training; the OPS defaults affine=True,
track_running_stats=True). C=16, N=5 are the benchmark's (NAS-Bench-201 Section 2.1).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from spaces.errors import ConfigError
from spaces.evaluation_network import Output
from spaces.init import reset_parameters
from spaces.nb201.encoding import EDGES, NUM_NODES, NB201Arch
from spaces.ops import ReLUConvBN, ResidualReduction

NETWORK_DEFAULTS: dict[str, Any] = {"channels": 16, "cells_per_stage": 5}  # NAS-Bench-201 Section 2.1


def _op(name: str, channels: int) -> nn.Module | None:
    """The edge's module; None for `none`, which adds nothing to its node."""
    if name == "none":
        return None
    if name == "skip_connect":
        return nn.Identity()
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    kernel = {"nor_conv_1x1": 1, "nor_conv_3x3": 3}[name]
    return ReLUConvBN(channels, channels, kernel, stride=1, padding=kernel // 2)


class InferCell(nn.Module):
    def __init__(self, arch: NB201Arch, channels: int):
        super().__init__()
        self.edges = nn.ModuleDict()
        for (source, target), name in zip(EDGES, arch.op_names):
            op = _op(name, channels)
            if op is not None:
                self.edges[f"{source}_{target}"] = op

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for target in range(1, NUM_NODES):
            total = None
            for source in range(target):
                op = self.edges[f"{source}_{target}"] if f"{source}_{target}" in self.edges else None
                if op is not None:
                    total = op(nodes[source]) if total is None else total + op(nodes[source])
            nodes.append(torch.zeros_like(x) if total is None else total)
        return nodes[-1]


class NB201EvalNetwork(nn.Module):
    def __init__(self, arch: NB201Arch, channels: int, cells_per_stage: int, num_classes: int):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))
        layers: list[nn.Module] = []
        width = channels
        for stage in range(3):
            if stage > 0:
                layers.append(ResidualReduction(width, 2 * width))
                width *= 2
            layers.extend(InferCell(arch, width) for _ in range(cells_per_stage))
        self.cells = nn.ModuleList(layers)
        self.lastact = nn.BatchNorm2d(width)
        self.classifier = nn.Linear(width, num_classes)

    def start_epoch(self, epoch: int, epochs: int) -> None:
        """Nothing changes over NAS-Bench-201's training (no drop-path)."""

    def forward(self, x: torch.Tensor) -> Output:
        h = self.stem(x)
        for cell in self.cells:
            h = cell(h)
        h = F.relu(self.lastact(h))
        return Output(self.classifier(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1)), None)


def check_network_config(config: dict[str, Any]) -> None:
    for key in ("channels", "cells_per_stage"):
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"network.{key} must be a positive integer, got {value!r}")


def build_eval_network(arch: NB201Arch, config: dict[str, Any], num_classes: int,
                       generator: torch.Generator) -> NB201EvalNetwork:
    check_network_config(config)
    net = NB201EvalNetwork(arch, config["channels"], config["cells_per_stage"], num_classes)
    reset_parameters(net, generator)
    return net
