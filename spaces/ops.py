"""Operations shared by the search spaces' supernets."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def search_batch_norm(x: torch.Tensor) -> torch.Tensor:
    """BatchNorm with affine=False and no running statistics, as inside search cells.

    It normalises each channel with its own batch statistics, so convolutions of
    several edges can be concatenated along channels and normalised in one call.
    """
    return F.batch_norm(x, None, None, training=True, eps=1e-5)


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """PC-DARTS' channel shuffle: channel c of group g moves to c * groups + g."""
    batch, channels, height, width = x.shape
    return x.view(batch, groups, channels // groups, height, width).transpose(1, 2).reshape(
        batch, channels, height, width)


class ReLUConvBN(nn.Module):
    """ReLU -> Conv -> BN, the NAS-Bench-201 convolution block (affine BN, running stats)."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, padding: int):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(F.relu(x)))


class ResidualReduction(nn.Module):
    """NAS-Bench-201's residual block between stages: halves resolution, changes width."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride=2, padding=1)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, stride=1, padding=1)
        self.shortcut = nn.Sequential(nn.AvgPool2d(2, stride=2), nn.Conv2d(c_in, c_out, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))
