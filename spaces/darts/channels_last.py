"""The DARTS-space search cell's pixel-grid rearrangements, which keep values AND gradients
channels_last (the cell computes channels_last on CPU: depthwise convolutions and pools measured
5-10x faster so; spaces/channels_last.py has the channel concatenation and shuffle).
"""

from __future__ import annotations

import torch

from spaces.channels_last import CHANNELS_LAST


def _grids_of(x: torch.Tensor) -> torch.Tensor:
    batch, channels, height, width = x.shape
    grids = x.reshape(batch, channels, height // 2, 2, width // 2, 2).permute(3, 5, 0, 2, 4, 1).contiguous()
    return grids.view(4 * batch, height // 2, width // 2, channels).permute(0, 3, 1, 2)


def _image_of(grids: torch.Tensor) -> torch.Tensor:
    batch4, channels, half_h, half_w = grids.shape
    image = grids.reshape(2, 2, batch4 // 4, channels, half_h, half_w).permute(2, 4, 0, 5, 1, 3).contiguous()
    return image.view(batch4 // 4, 2 * half_h, 2 * half_w, channels).permute(0, 3, 1, 2)


class _ToPolyphase(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return _grids_of(x)

    @staticmethod
    def backward(ctx, grad):
        return _FromPolyphase.apply(grad)


class _FromPolyphase(torch.autograd.Function):
    @staticmethod
    def forward(ctx, grids):
        return _image_of(grids)

    @staticmethod
    def backward(ctx, grad):
        return _ToPolyphase.apply(grad)


def to_polyphase(x: torch.Tensor) -> torch.Tensor:
    """[B, C, H, W] -> [4B, C, H/2, W/2]: the four pixel grids x[:, :, a::2, b::2] stacked along the batch
    (grid 2a + b first).

    A stride-1 convolution with dilation 2 on x is a dilation-1 convolution on each grid
    (space-to-batch, the identity TensorFlow's atrous_conv2d is built on), and per-channel
    ops (1x1 convs, batch-statistics BN) do not care where a pixel sits.
    """
    return _ToPolyphase.apply(x)


def from_polyphase(grids: torch.Tensor) -> torch.Tensor:
    """The inverse of to_polyphase."""
    return _FromPolyphase.apply(grids)


class _DiagonalGrids(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return tuple(x[:, :, offset::2, offset::2].contiguous(memory_format=CHANNELS_LAST) for offset in (0, 1))

    @staticmethod
    def backward(ctx, grad_even, grad_odd):
        grad = torch.empty(ctx.shape, dtype=grad_even.dtype, device=grad_even.device,
                           memory_format=CHANNELS_LAST).zero_()  # allocated channels_last: no layout copy
        grad[:, :, 0::2, 0::2] = grad_even
        grad[:, :, 1::2, 1::2] = grad_odd
        return grad


def diagonal_grids(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """x[:, :, 0::2, 0::2] and x[:, :, 1::2, 1::2] (H and W even), channels_last values and gradient.

    A 1x1 convolution at stride 2 is a stride-1 one on x[:, :, ::2, ::2]; FactorizedReduce computes it so
    because oneDNN's stride-2 1x1 backward-weights kernel on channels_last input with fewer input
    channels than its block (8 on AVX2, 16 on AVX-512) writes past its workspace: it hung on AVX2 and
    aborted on AVX-512 here, and may return wrong weight gradients (uxlfoundation/oneDNN issue 6035).
    PC-DARTS' partial channels (32 / 4 = 8 in the first reduction cell at the paper's size) are in that
    range on AVX-512.
    """
    return _DiagonalGrids.apply(x)
