"""Training-time augmentation of uint8 image batches, vectorised on the batch's device.

The DARTS / NAS-Bench-201 search transform: random crop of the zero-padded image, random
horizontal flip, scaling to [0, 1] and per-channel normalisation, then optionally cutout.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F

from spaces.errors import ConfigError


def channel_constants(
    mean: Sequence[float], std: Sequence[float], device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """mean and std as float32 [1, 3, 1, 1] tensors on `device`."""
    shape = (1, len(mean), 1, 1)
    return (
        torch.tensor(mean, dtype=torch.float32, device=device).view(shape),
        torch.tensor(std, dtype=torch.float32, device=device).view(shape),
    )


def normalise_with(images_uint8: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """(x / 255 - mean) / std with constants already on the device (the hot-path form)."""
    return (images_uint8.to(torch.float32) / 255 - mean) / std


def normalise(images_uint8: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """Evaluation transform: scale to [0, 1] and normalise per channel, no augmentation."""
    _require_uint8_batch(images_uint8)
    return normalise_with(images_uint8, *channel_constants(mean, std, images_uint8.device))


class Augmentation:
    """`aug(images_uint8 [B, 3, H, W], generator) -> float32 [B, 3, H, W]` on the images' device.

    Random numbers come only from `generator` (which must live on the images' device), drawn
    in a fixed order: crop offsets (rows, then columns), flips, cutout centres (rows, then columns).
    """

    def __init__(
        self,
        mean: Sequence[float],
        std: Sequence[float],
        crop_padding: int = 4,
        flip: bool = True,
        cutout: int = 0,
    ) -> None:
        if crop_padding < 0 or cutout < 0:
            raise ConfigError(f"crop padding and cutout length cannot be negative (got {crop_padding}, {cutout}).")
        if len(mean) != 3 or len(std) != 3 or min(std) <= 0:
            raise ConfigError(f"normalisation needs three channel means and positive stds, got {mean}, {std}.")
        self.mean = tuple(float(value) for value in mean)
        self.std = tuple(float(value) for value in std)
        self.crop_padding = int(crop_padding)
        self.flip = bool(flip)
        self.cutout = int(cutout)
        # Built once per device: a host-to-device copy per batch would stall the search loop.
        self._constants: dict[torch.device, tuple[torch.Tensor, torch.Tensor]] = {}

    def __repr__(self) -> str:
        return f"Augmentation(crop_padding={self.crop_padding}, flip={self.flip}, cutout={self.cutout})"

    def __call__(self, images_uint8: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        _require_uint8_batch(images_uint8)
        device = images_uint8.device
        if generator.device.type != device.type:
            raise ValueError(
                f"the augmentation generator is on {generator.device}, the images on {device}; use one device."
            )
        batch, _, height, width = images_uint8.shape
        rows = torch.arange(height, device=device).expand(batch, height)
        cols = torch.arange(width, device=device).expand(batch, width)
        source = images_uint8
        if self.crop_padding:
            pad = self.crop_padding
            # Zero (black) padding of the raw image, as torchvision's RandomCrop(padding=pad) in the reference code.
            source = F.pad(images_uint8, (pad, pad, pad, pad))
            rows = rows + torch.randint(0, 2 * pad + 1, (batch, 1), generator=generator, device=device)
            cols = cols + torch.randint(0, 2 * pad + 1, (batch, 1), generator=generator, device=device)
        if self.flip:
            flipped = torch.rand((batch, 1), generator=generator, device=device) < 0.5
            cols = torch.where(flipped, cols.flip(1), cols)  # reading the crop's columns backwards mirrors it
        # One gather builds every crop (and flip) at once: out[b, c, i, j] = source[b, c, rows[b, i], cols[b, j]].
        crops = source[
            torch.arange(batch, device=device)[:, None, None, None],
            torch.arange(source.shape[1], device=device)[None, :, None, None],
            rows[:, None, :, None],
            cols[:, None, None, :],
        ]
        if device not in self._constants:
            self._constants[device] = channel_constants(self.mean, self.std, device)
        out = normalise_with(crops, *self._constants[device])
        if self.cutout:
            out = out * self._cutout_keep_mask(batch, height, width, generator, device)
        return out

    def _cutout_keep_mask(
        self, batch: int, height: int, width: int, generator: torch.Generator, device: torch.device
    ) -> torch.Tensor:
        """DARTS' Cutout: centre uniform over the image, rows/cols [c - L//2, c + L//2) zeroed, clipped at
        the border (so an odd L zeroes L - 1 pixels a side, as in the reference code)."""
        half = self.cutout // 2
        centre_rows = torch.randint(0, height, (batch, 1), generator=generator, device=device)
        centre_cols = torch.randint(0, width, (batch, 1), generator=generator, device=device)
        row_positions = torch.arange(height, device=device)
        col_positions = torch.arange(width, device=device)
        in_rows = (row_positions >= centre_rows - half) & (row_positions < centre_rows + half)
        in_cols = (col_positions >= centre_cols - half) & (col_positions < centre_cols + half)
        return (~(in_rows[:, :, None] & in_cols[:, None, :]))[:, None].to(torch.float32)


def _require_uint8_batch(images: torch.Tensor) -> None:
    if images.dtype != torch.uint8 or images.dim() != 4 or images.shape[1] != 3:
        raise ValueError(f"expected uint8 images [B, 3, H, W], got {images.dtype} {tuple(images.shape)}")
