"""The training images of an evaluation: every epoch a fresh order, augmented on the device.

One stream (no validation side, unlike the search's PairedLoader): an evaluation trains on the
training set and reports the test set (quark0/darts cnn/train.py trains on CIFAR-10 train and
reports its test split; NAS-Bench-201's `cifar10` trains on all 50k and reports ori-test).
A state_dict taken between epochs continues with exactly the batches an uninterrupted run gets.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np
import torch

from harness.data.augment import Augmentation
from harness.data.imageset import ImageSet
from harness.data.splits import subset as take_subset
from harness.seeding import LOADER_AUGMENT_STREAM, LOADER_ORDER_STREAM, SUBSET_TRAIN_STREAM, SUBSET_VAL_STREAM, \
    derive_seed
from spaces.errors import ConfigError


class TrainBatches:
    def __init__(self, images: torch.Tensor, labels: torch.Tensor, batch_size: int, augmentation: Augmentation,
                 seed: int, device: torch.device):
        self.images, self.labels = images, labels
        self.batch_size = batch_size
        self.augmentation = augmentation
        self.device = torch.device(device)
        self._order = torch.Generator(device="cpu").manual_seed(derive_seed(seed, LOADER_ORDER_STREAM))
        self._augment = torch.Generator(device=self.device).manual_seed(derive_seed(seed, LOADER_AUGMENT_STREAM))
        self.epoch = 0

    def __len__(self) -> int:
        # harness choice: a last batch of one image is dropped (training BatchNorm needs two); else it is kept,
        # as the reference DataLoaders keep a short last batch
        full, rest = divmod(len(self.images), self.batch_size)
        return full + (rest > 1)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        order = torch.randperm(len(self.images), generator=self._order).to(self.device)
        for step in range(len(self)):
            indices = order[step * self.batch_size:(step + 1) * self.batch_size]
            yield self.augmentation(self.images[indices], self._augment), self.labels[indices]
        self.epoch += 1

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "size": len(self.images), "batch_size": self.batch_size,
                "order": self._order.get_state(), "augment": self._augment.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if (state["size"], state["batch_size"]) != (len(self.images), self.batch_size):
            raise ConfigError("the checkpoint's data order was taken with another subset or batch size")
        self.epoch = int(state["epoch"])
        self._order.set_state(state["order"])
        self._augment.set_state(state["augment"])


def evaluation_data(image_set: ImageSet, data: dict[str, Any], seed: int, device: torch.device):
    """(train batches, test images, test labels, mean, std) on `device`, subsets drawn from `seed`'s data
    streams (the same streams the search loader uses for its subsets)."""
    train = np.arange(len(image_set.train_images))
    test = np.arange(len(image_set.test_images))
    if data["train_subset"] is not None:
        rng = np.random.default_rng(derive_seed(seed, SUBSET_TRAIN_STREAM))
        train = np.sort(take_subset(train, data["train_subset"], rng))
    if data["test_subset"] is not None:
        rng = np.random.default_rng(derive_seed(seed, SUBSET_VAL_STREAM))
        test = np.sort(take_subset(test, data["test_subset"], rng))
    if len(train) < 2:
        raise ConfigError("an evaluation needs at least two training images")
    mean = tuple(data["mean"]) if data["mean"] is not None else image_set.mean
    std = tuple(data["std"]) if data["std"] is not None else image_set.std
    augment = data["augment"]
    # random crop of the zero-padded image (pad 4 for 32 px) and flip, as the search loader (harness/data/loaders.py)
    augmentation = Augmentation(mean, std, crop_padding=image_set.image_size // 8 if augment else 0, flip=augment,
                                cutout=data["cutout"])

    def on_device(array) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(array)).to(device)

    batches = TrainBatches(on_device(image_set.train_images[train]), on_device(image_set.train_labels[train]),
                           data["batch_size"], augmentation, seed, device)
    return batches, on_device(image_set.test_images[test]), on_device(image_set.test_labels[test]), mean, std
