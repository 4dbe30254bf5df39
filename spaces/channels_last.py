"""Channel concatenation and shuffle that keep values AND gradients channels_last (the DARTS-space,
NAS-Bench-201 and 1Shot1 search cells compute channels_last on CPU).

Channel slices and permutes hand their consumers gradients in other layouts in the backward pass,
and batch norm and convolution backward then take slow strided paths; these functions return
channels_last tensors in both directions (one copy each way).
"""

from __future__ import annotations

import torch

CHANNELS_LAST = torch.channels_last


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
