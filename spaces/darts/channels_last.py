"""Tensor rearrangements of the search cell that keep values AND gradients channels_last.

The cell computes channels_last on CPU (depthwise convolutions and pools measured
5-10x faster so). Views such as permutes and channel slices hand their consumers
gradients in other layouts in the backward pass, and batch norm and convolution
backward then take slow strided paths; these functions return channels_last
tensors in both directions (one copy each way).
"""

from __future__ import annotations

import torch

CHANNELS_LAST = torch.channels_last


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


class _CatChannels(torch.autograd.Function):
    @staticmethod
    def forward(ctx, *parts):
        ctx.widths = [part.shape[1] for part in parts]
        return torch.cat(parts, dim=1)

    @staticmethod
    def backward(ctx, grad):
        return tuple(part.contiguous(memory_format=CHANNELS_LAST) for part in grad.split(ctx.widths, dim=1))


def cat_channels(parts: list[torch.Tensor]) -> torch.Tensor:
    """torch.cat along channels whose backward hands each part a channels_last gradient
    (instead of a channel slice of the whole gradient).

    Without a backward to shape, the plain cat: besides saving the Function's overhead, torch.compile
    (2.13) traces a variadic autograd.Function that needs no gradient wrongly (it returned the first
    part alone; tests/test_compile.py)."""
    if not (torch.is_grad_enabled() and any(part.requires_grad for part in parts)):
        return torch.cat(parts, dim=1)
    return _CatChannels.apply(*parts)


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """Channel c*groups + g of the output is channel g*(C/groups) + c of the input (PC-DARTS
    model_search.py channel_shuffle), written on the channels_last layout so the result stays
    channels_last (its backward is the inverse shuffle, also channels_last)."""
    batch, channels, height, width = x.shape
    pixels_last = x.permute(0, 2, 3, 1).reshape(batch, height, width, groups, channels // groups)
    return pixels_last.transpose(3, 4).reshape(batch, height, width, channels).permute(0, 3, 1, 2)


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
