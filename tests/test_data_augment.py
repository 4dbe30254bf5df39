"""On-device augmentation: crop is a shift of the padded image, flips, cutout, normalisation, determinism."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from harness.data import Augmentation, normalise
from spaces.errors import ConfigError

MEAN = (0.49, 0.48, 0.45)
STD = (0.25, 0.24, 0.26)


def _images(n: int, side: int = 32, seed: int = 0) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).integers(0, 256, (n, 3, side, side), dtype=np.uint8))


def _generator(seed: int) -> torch.Generator:
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator


def _unnormalise(x: torch.Tensor) -> torch.Tensor:
    """Back to 0..255 pixel values."""
    return (x * torch.tensor(STD).view(1, 3, 1, 1) + torch.tensor(MEAN).view(1, 3, 1, 1)) * 255


def test_output_is_float32_of_the_input_shape_on_the_input_device():
    out = Augmentation(MEAN, STD, cutout=8)(_images(5), _generator(0))
    assert out.dtype == torch.float32 and out.shape == (5, 3, 32, 32) and out.device.type == "cpu"


def test_normalise_matches_the_formula():
    images = _images(4, side=8)
    expected = (images.numpy() / 255 - np.array(MEAN)[None, :, None, None]) / np.array(STD)[None, :, None, None]
    np.testing.assert_allclose(normalise(images, MEAN, STD).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_normalise_maps_black_and_white_to_their_channel_values():
    extremes = torch.stack([torch.zeros(3, 2, 2, dtype=torch.uint8), torch.full((3, 2, 2), 255, dtype=torch.uint8)])
    out = normalise(extremes, MEAN, STD)
    for channel in range(3):
        assert out[0, channel].allclose(torch.tensor(-MEAN[channel] / STD[channel]))
        assert out[1, channel].allclose(torch.tensor((1 - MEAN[channel]) / STD[channel]))


def _find_shift(crop: torch.Tensor, padded: torch.Tensor, side: int) -> tuple[int, int] | None:
    span = padded.shape[-1] - side
    for dy in range(span + 1):
        for dx in range(span + 1):
            if torch.equal(crop, padded[:, dy : dy + side, dx : dx + side]):
                return dy, dx
    return None


def test_each_crop_is_a_window_of_the_zero_padded_image_and_windows_vary():
    images = _images(200)
    out = Augmentation(MEAN, STD, crop_padding=4, flip=False)(images, _generator(1))
    pixels = _unnormalise(out).round().to(torch.uint8)
    padded = F.pad(images, (4, 4, 4, 4))
    shifts = [_find_shift(pixels[i], padded[i], 32) for i in range(len(images))]
    assert all(shift is not None for shift in shifts)
    # Offsets are drawn per image over the whole range 0..2*padding, both ends included.
    assert {dy for dy, _ in shifts} == set(range(9)) and {dx for _, dx in shifts} == set(range(9))


def test_flips_mirror_about_half_of_the_images():
    images = _images(600, side=8)
    out = Augmentation(MEAN, STD, crop_padding=0, flip=True)(images, _generator(2))
    pixels = _unnormalise(out).round().to(torch.uint8)
    same = [torch.equal(pixels[i], images[i]) for i in range(len(images))]
    mirrored = [torch.equal(pixels[i], images[i].flip(-1)) for i in range(len(images))]
    assert all(s or m for s, m in zip(same, mirrored))
    assert 0.4 < sum(mirrored) / len(images) < 0.6


def test_cutout_zeroes_one_clipped_square_per_image_after_normalisation():
    length = 8
    images = torch.full((64, 3, 16, 16), 7, dtype=torch.uint8)  # normalises to nonzero values everywhere
    out = Augmentation(MEAN, STD, crop_padding=0, flip=False, cutout=length)(images, _generator(3))
    reference = normalise(images, MEAN, STD)
    full_squares = 0
    corners = set()
    for i in range(len(images)):
        zeroed = out[i] == 0
        assert torch.equal(zeroed[0], zeroed[1]) and torch.equal(zeroed[0], zeroed[2])  # same square in every channel
        rows = torch.nonzero(zeroed[0].any(1)).flatten()
        cols = torch.nonzero(zeroed[0].any(0)).flatten()
        assert len(rows) and len(cols), "every image gets a cutout square (its centre lies inside the image)"
        height, width = len(rows), len(cols)
        assert height <= length and width <= length
        assert zeroed[0].sum() == height * width  # a filled rectangle
        assert torch.equal(out[i][~zeroed], reference[i][~zeroed])
        full_squares += (height, width) == (length, length)
        corners.add((int(rows[0]), int(cols[0])))
    assert full_squares > 0 and len(corners) > 10


def test_same_generator_state_gives_identical_output_and_other_seeds_differ():
    images = _images(16)
    augmentation = Augmentation(MEAN, STD, cutout=6)
    first = augmentation(images, _generator(5))
    again = augmentation(images, _generator(5))
    other = augmentation(images, _generator(6))
    assert torch.equal(first, again)
    assert not torch.equal(first, other)


def test_consecutive_calls_draw_new_randomness():
    images = _images(16)
    augmentation = Augmentation(MEAN, STD)
    generator = _generator(9)
    assert not torch.equal(augmentation(images, generator), augmentation(images, generator))


def test_no_crop_no_flip_no_cutout_is_plain_normalisation():
    images = _images(6, side=16)
    out = Augmentation(MEAN, STD, crop_padding=0, flip=False, cutout=0)(images, _generator(0))
    assert torch.equal(out, normalise(images, MEAN, STD))


def test_sixteen_pixel_images_with_two_pixel_padding():
    images = _images(8, side=16)
    out = Augmentation(MEAN, STD, crop_padding=2)(images, _generator(0))
    assert out.shape == (8, 3, 16, 16)


@pytest.mark.parametrize("kwargs", [{"crop_padding": -1}, {"cutout": -2}])
def test_negative_settings_are_config_errors(kwargs):
    with pytest.raises(ConfigError):
        Augmentation(MEAN, STD, **kwargs)


def test_non_uint8_input_is_refused():
    with pytest.raises(ValueError, match="uint8"):
        Augmentation(MEAN, STD)(torch.zeros(2, 3, 8, 8), _generator(0))
