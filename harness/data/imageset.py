"""An image classification dataset held in memory, as read from its official files."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ImageSet:
    """Train and test images (uint8, channels first) with 0-based int64 labels.

    `mean` and `std` are the per-channel normalisation constants in [0, 1] units that
    the reference code of the benchmark uses for this dataset (cited where defined).
    """

    name: str
    train_images: np.ndarray  # uint8 [N, 3, H, W]
    train_labels: np.ndarray  # int64 [N]
    test_images: np.ndarray
    test_labels: np.ndarray
    num_classes: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]

    def __post_init__(self) -> None:
        # Readers validate the files; a failure here is a bug in a reader, not bad user data.
        for part, images, labels in (
            ("train", self.train_images, self.train_labels),
            ("test", self.test_images, self.test_labels),
        ):
            if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1] != 3:
                raise ValueError(
                    f"{self.name} {part} images must be uint8 [N, 3, H, W], got {images.dtype} {images.shape}"
                )
            if labels.dtype != np.int64 or labels.shape != (images.shape[0],):
                raise ValueError(
                    f"{self.name} {part} labels must be int64 [{images.shape[0]}], got {labels.dtype} {labels.shape}"
                )
            if labels.size and (labels.min() < 0 or labels.max() >= self.num_classes):
                raise ValueError(f"{self.name} {part} labels fall outside 0..{self.num_classes - 1}")
        if self.train_images.shape[1:] != self.test_images.shape[1:]:
            raise ValueError(f"{self.name}: train and test images differ in shape")
        if len(self.mean) != 3 or len(self.std) != 3 or min(self.std) <= 0:
            raise ValueError(f"{self.name}: mean and std need three channels and std > 0")

    @property
    def image_size(self) -> int:
        """Side length in pixels (all supported datasets have square images)."""
        return int(self.train_images.shape[-1])
