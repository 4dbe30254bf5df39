"""The ops of a DARTS-family evaluation cell: one module per kept edge, BatchNorm affine with running stats.

Structures as quark0/darts cnn/operations.py (OPS with affine=True, the evaluation network's
setting in cnn/model.py) and automl/RobustDARTS src/operations.py for `noise`:
  skip_connect   identity; on a reduction edge (stride 2) FactorizedReduce(C, C)
  max_pool_3x3   MaxPool 3x3, padding 1          avg_pool_3x3  AvgPool 3x3, padding 1, count_include_pad=False
  sep_conv_kxk   twice [ReLU, depthwise kxk (stride on the first only), 1x1, BN], padding k // 2
  dil_conv_kxk   ReLU, depthwise kxk dilation 2 (padding k - 1), 1x1, BN
  none           zeros of the (strided) input's shape
  noise          N(0, 1) samples of the (strided) input's shape, in training and at test time alike:
                 RobustDARTS' evaluation network builds its cells from the same OPS table as its search
                 (src/evaluation/model.py imports src/operations.py), and NoiseOp draws in every mode
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from spaces.errors import ConfigError
from spaces.random_source import RandomSource


class ReLUConvBN(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel: int = 1, stride: int = 1, padding: int = 0):
        super().__init__(nn.ReLU(inplace=False), nn.Conv2d(c_in, c_out, kernel, stride, padding, bias=False),
                         nn.BatchNorm2d(c_out))


class FactorizedReduce(nn.Module):
    """Halves the resolution with two stride-2 1x1 convolutions, the second on the input shifted by one pixel,
    their outputs concatenated (C_out / 2 channels each), then BN."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        if c_out % 2:
            raise ConfigError(f"a factorized reduction needs an even channel count, got {c_out}; use even channels")
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(x)
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(x[:, :, 1:, 1:])], dim=1))


def _separable(c: int, kernel: int, stride: int, padding: int, dilation: int) -> list[nn.Module]:
    return [nn.ReLU(inplace=False),
            nn.Conv2d(c, c, kernel, stride, padding, dilation=dilation, groups=c, bias=False),
            nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c)]


class SepConv(nn.Sequential):
    def __init__(self, c: int, kernel: int, stride: int):
        padding = kernel // 2
        super().__init__(*_separable(c, kernel, stride, padding, 1), *_separable(c, kernel, 1, padding, 1))


class DilConv(nn.Sequential):
    def __init__(self, c: int, kernel: int, stride: int):
        super().__init__(*_separable(c, kernel, stride, kernel - 1, 2))


class Identity(nn.Module):
    """The one op drop-path spares (quark0/darts cnn/model.py Cell.forward)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class Zero(nn.Module):
    def __init__(self, stride: int):
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(x[:, :, ::self.stride, ::self.stride])


class Noise(nn.Module):
    def __init__(self, stride: int, source: RandomSource):
        super().__init__()
        self.stride = stride
        self._source = (source,)  # the network's one source, held without registering it here again

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._source[0].normal(x[:, :, ::self.stride, ::self.stride])


def _pool(kind):
    def build(c, stride, source):
        if kind == "max":
            return nn.MaxPool2d(3, stride=stride, padding=1)
        return nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)
    return build


OPS: dict[str, Callable[[int, int, RandomSource], nn.Module]] = {
    "none": lambda c, stride, source: Zero(stride),
    "noise": lambda c, stride, source: Noise(stride, source),
    "max_pool_3x3": _pool("max"),
    "avg_pool_3x3": _pool("avg"),
    "skip_connect": lambda c, stride, source: Identity() if stride == 1 else FactorizedReduce(c, c),
    "sep_conv_3x3": lambda c, stride, source: SepConv(c, 3, stride),
    "sep_conv_5x5": lambda c, stride, source: SepConv(c, 5, stride),
    "dil_conv_3x3": lambda c, stride, source: DilConv(c, 3, stride),
    "dil_conv_5x5": lambda c, stride, source: DilConv(c, 5, stride),
}


def build_op(name: str, channels: int, stride: int, source: RandomSource) -> nn.Module:
    if name not in OPS:
        raise ConfigError(f"op {name!r} has no evaluation form; ops: {', '.join(OPS)}")
    return OPS[name](channels, stride, source)
