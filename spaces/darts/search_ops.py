"""The DARTS-space candidate operations: their names and shapes, as the search cell computes them.

Definitions (RobustDARTS src/operations.py, which is quark0/darts cnn/operations.py plus `noise`;
search-cell use from quark0/darts cnn/model_search.py MixedOp, every BN there has affine=False):
  none           zero; never computed here (its output and gradient are 0 whatever its weight)
  max_pool_3x3   3x3 max pool, padding 1, stride s, then BN (MixedOp adds the BN after pools)
  avg_pool_3x3   3x3 average pool, padding 1, count_include_pad=False, stride s, then BN
  skip_connect   identity at stride 1; FactorizedReduce at stride 2
  sep_conv_kxk   (ReLU, depthwise kxk at stride s, pointwise 1x1, BN), then the same block at stride 1
  dil_conv_kxk   ReLU, depthwise kxk with dilation 2 at stride s, pointwise 1x1, BN
  noise          N(0, 1) samples of the input's shape, subsampled as x[:, :, ::s, ::s] (RobustDARTS NoiseOp)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from spaces.channels_last import cat_channels
from spaces.darts.channels_last import diagonal_grids
from spaces.darts.primitives import DARTS_OPS
from spaces.ops import avg_pool_3x3, scaled_batch_norm, search_batch_norm

# RobustDARTS src/operations.py OPS['noise'] (its space S4 pairs it with sep_conv_3x3)
NOISE = "noise"
KNOWN_OPS = DARTS_OPS + (NOISE,)
POOLS = ("max_pool_3x3", "avg_pool_3x3")


@dataclass(frozen=True)
class ConvOp:
    """A separable (blocks=2) or dilated (blocks=1) convolution op."""

    kernel: int
    dilation: int
    blocks: int

    @property
    def padding(self) -> int:
        """Same-size padding: RobustDARTS src/operations.py passes 1, 2 (sep 3x3, 5x5) and 2, 4 (dil 3x3, 5x5)."""
        return self.dilation * (self.kernel - 1) // 2


CONV_OPS = {
    "sep_conv_3x3": ConvOp(kernel=3, dilation=1, blocks=2),
    "sep_conv_5x5": ConvOp(kernel=5, dilation=1, blocks=2),
    "dil_conv_3x3": ConvOp(kernel=3, dilation=2, blocks=1),
    "dil_conv_5x5": ConvOp(kernel=5, dilation=2, blocks=1),
}


def pool(x: torch.Tensor, name: str, stride: int) -> torch.Tensor:
    """A pooling op with the BN that follows it in the search cell."""
    if name == "max_pool_3x3":
        return search_batch_norm(F.max_pool2d(x, 3, stride=stride, padding=1))
    return search_batch_norm(avg_pool_3x3(x, stride))


def factorized_reduce(relu_x: torch.Tensor, conv_a: torch.Tensor, conv_b: torch.Tensor,
                      scale: torch.Tensor | None = None) -> torch.Tensor:
    """FactorizedReduce after its ReLU: two 1x1 stride-2 convs, the second on the input shifted by one
    pixel, concatenated along channels, then BN (quark0/darts cnn/operations.py FactorizedReduce).

    The stride-2 convs are computed as stride-1 ones on the pixels they read (channels_last.diagonal_grids
    says why). `scale` (a scalar) multiplies the output inside the BN call, which saves a pass over the
    output.
    """
    even, odd = diagonal_grids(relu_x)
    out = cat_channels([F.conv2d(even, conv_a), F.conv2d(odd, conv_b)])
    return scaled_batch_norm(out, scale)
