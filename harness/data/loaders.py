"""Paired (weights-train, architecture-validation) batches for one-shot search, kept on the device."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import torch

from harness.seeding import (
    LOADER_AUGMENT_STREAM,
    LOADER_ORDER_STREAM,
    SUBSET_TRAIN_STREAM,
    SUBSET_VAL_STREAM,
    derive_seed,
)
from spaces.errors import ConfigError

from .augment import Augmentation, channel_constants, normalise_with
from .imageset import ImageSet
from .splits import darts_split, nb201_split
from .splits import subset as take_subset

Batch = tuple[torch.Tensor, torch.Tensor]  # (images float32 [B, 3, H, W], labels int64 [B])

# darts: DARTS convention on the training set; nb201: the official cifar-split.txt;
# full: single-level (ERM) search (GAEA): every training image trains the weights, and the second
#       stream of the pairs is an independent random order over the same training images (the GAEA
#       code, cnn/train_utils.py create_nasbench_201_data_queues: with search.single_level the search
#       queue is a shuffled copy of the training set). The supernet's accuracy is then monitored on
#       the dataset's test set, the only images it never trains on.
SPLITS = ("darts", "nb201", "full")
# Only CIFAR-10 has an official NAS-Bench-201 split of its training set (cifar-split.txt).
_NB201_SPLIT_DATASETS = ("cifar10", "cifar10-valid")


class PairedLoader:
    """Yields `(train_batch, val_batch)` pairs, `len(loader)` of them per epoch.

    Each epoch visits every training image once in a fresh random order (the last batch may
    be smaller). The validation stream is drawn alongside: a fresh permutation at each epoch
    start, and another whenever it runs out mid-epoch. Both streams get the same augmentation,
    as both queues use the training transform in DARTS search.

    Iteration is resumable: breaking out of an epoch and iterating again continues where it
    stopped, and `state_dict()` captures exactly that position. With `augmentation=None`
    the images are yielded as stored (e.g. already-normalised float tensors).

    `monitor_images` / `monitor_labels` are the held-out images the runner evaluates the
    supernet on each epoch: the validation split, unless given (single-level search pairs the
    training set with itself and monitors the test set).
    """

    def __init__(
        self,
        train_images: torch.Tensor,
        train_labels: torch.Tensor,
        val_images: torch.Tensor,
        val_labels: torch.Tensor,
        batch_size: int,
        augmentation: Augmentation | None,
        generator_seed: int,
        device: torch.device | str,
        monitor_images: torch.Tensor | None = None,
        monitor_labels: torch.Tensor | None = None,
    ) -> None:
        if batch_size < 1:
            raise ConfigError(f"batch size must be at least 1, got {batch_size}.")
        for part, images, labels in (("train", train_images, train_labels), ("validation", val_images, val_labels)):
            if len(images) == 0 or len(images) != len(labels):
                raise ConfigError(
                    f"the {part} split needs images with one label each, "
                    f"got {len(images)} images and {len(labels)} labels."
                )
        self.device = torch.device(device)
        self.train_images, self.train_labels = train_images.to(self.device), train_labels.to(self.device)
        self.val_images, self.val_labels = val_images.to(self.device), val_labels.to(self.device)
        if (monitor_images is None) != (monitor_labels is None):
            raise ValueError("monitor_images and monitor_labels come together")
        self.monitor_images = self.val_images if monitor_images is None else monitor_images.to(self.device)
        self.monitor_labels = self.val_labels if monitor_labels is None else monitor_labels.to(self.device)
        self.batch_size = batch_size
        self.augmentation = augmentation
        # Permutations are drawn on the CPU (randperm's result is then copied once per epoch);
        # augmentation draws on the device so the per-step random numbers never cross to the host.
        self._order_generator = torch.Generator(device="cpu")
        self._order_generator.manual_seed(derive_seed(generator_seed, LOADER_ORDER_STREAM))
        self._augment_generator = torch.Generator(device=self.device)
        self._augment_generator.manual_seed(derive_seed(generator_seed, LOADER_AUGMENT_STREAM))
        self._epoch = 0
        self._step = 0  # steps of the current epoch already handed out
        self._train_order: torch.Tensor | None = None  # None between epochs
        self._val_order: torch.Tensor | None = None
        self._val_cursor = 0  # images of `_val_order` already handed out

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(len(self.train_images) / self.batch_size)

    def __len__(self) -> int:
        return self.steps_per_epoch

    @property
    def epoch(self) -> int:
        """Epochs completed so far."""
        return self._epoch

    def __iter__(self) -> Iterator[tuple[Batch, Batch]]:
        if self._step >= self.steps_per_epoch:  # state saved after the last step but before the loop ended
            self._finish_epoch()
        if self._train_order is None:
            self._begin_epoch()
        while self._step < self.steps_per_epoch:
            start = self._step * self.batch_size
            train_indices = self._train_order[start : start + self.batch_size]
            val_indices = self._next_val_indices()
            # Counted before yielding: once the caller holds the pair, the step is consumed.
            self._step += 1
            yield (
                self._batch(self.train_images, self.train_labels, train_indices),
                self._batch(self.val_images, self.val_labels, val_indices),
            )
        self._finish_epoch()

    def _begin_epoch(self) -> None:
        self._train_order = self._permutation(len(self.train_images))
        self._val_order = self._permutation(len(self.val_images))
        self._val_cursor = 0
        self._step = 0

    def _finish_epoch(self) -> None:
        self._epoch += 1
        self._step = 0
        self._train_order = None
        self._val_order = None
        self._val_cursor = 0

    def _next_val_indices(self) -> torch.Tensor:
        if self._val_cursor >= len(self.val_images):
            self._val_order = self._permutation(len(self.val_images))
            self._val_cursor = 0
        indices = self._val_order[self._val_cursor : self._val_cursor + self.batch_size]
        self._val_cursor += len(indices)
        return indices

    def _permutation(self, n: int) -> torch.Tensor:
        return torch.randperm(n, generator=self._order_generator).to(self.device)

    def _batch(self, images: torch.Tensor, labels: torch.Tensor, indices: torch.Tensor) -> Batch:
        selected = images[indices]
        if self.augmentation is not None:
            selected = self.augmentation(selected, self._augment_generator)
        return selected, labels[indices]

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue with exactly the batches an uninterrupted loader would give.

        Holds only tensors, ints and None, so it loads with `torch.load(weights_only=True)`.
        """
        return {
            "batch_size": self.batch_size,
            "train_size": len(self.train_images),
            "val_size": len(self.val_images),
            "epoch": self._epoch,
            "step": self._step,
            "order_generator": self._order_generator.get_state(),
            "augment_generator": self._augment_generator.get_state(),
            "train_order": None if self._train_order is None else self._train_order.cpu().clone(),
            "val_order": None if self._val_order is None else self._val_order.cpu().clone(),
            "val_cursor": self._val_cursor,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        mine = {"batch_size": self.batch_size, "train_size": len(self.train_images), "val_size": len(self.val_images)}
        theirs = {key: state[key] for key in mine}
        if mine != theirs:
            raise ConfigError(
                f"the saved data loader state was taken with {theirs}, this loader has {mine}; "
                "resume with the same batch size, split and subset."
            )
        self._epoch = int(state["epoch"])
        self._step = int(state["step"])
        self._order_generator.set_state(state["order_generator"])
        self._augment_generator.set_state(state["augment_generator"])
        self._train_order = None if state["train_order"] is None else state["train_order"].to(self.device)
        self._val_order = None if state["val_order"] is None else state["val_order"].to(self.device)
        self._val_cursor = int(state["val_cursor"])


def search_split(
    image_set: ImageSet, split: str, split_file: Path | None = None, train_portion: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """(weights-train indices, architecture-validation indices) into `image_set.train_images`."""
    n = len(image_set.train_images)
    if split == "darts":
        return darts_split(n, train_portion)
    if split != "nb201":
        raise ConfigError(f"unknown search split {split!r}; valid splits: {', '.join(SPLITS)}.")
    if image_set.name not in _NB201_SPLIT_DATASETS:
        raise ConfigError(
            f"split 'nb201' is NAS-Bench-201's split of the CIFAR-10 training set; dataset {image_set.name} "
            "has none here. Use split 'darts'."
        )
    if split_file is None:
        raise ConfigError("split 'nb201' needs the NAS-Bench-201 cifar-split.txt: give its path as the split file.")
    train, valid = nb201_split(split_file)
    largest = int(max(train.max(), valid.max()))
    if largest >= n:
        raise ConfigError(
            f"{split_file} refers to training image {largest}, but {image_set.name} has {n} training images."
        )
    return train, valid


def paired_loaders(
    image_set: ImageSet,
    split: str,
    batch_size: int,
    device: torch.device | str,
    seed: int,
    subset: int | None = None,
    cutout: int = 0,
    augment: bool = True,
    split_file: Path | None = None,
    train_portion: float = 0.5,
) -> PairedLoader:
    """The search loader for `image_set`: split, optional subset of `subset` images per side,
    augmentation (crop + flip, optional cutout) and only the needed images on `device` as uint8."""
    if cutout and not augment:
        raise ConfigError(f"cutout {cutout} asks for augmentation but augment is off; enable augment or set cutout 0.")
    # held_out: the architecture's validation images (indices into the training set), or for the
    # single-level split the test images the supernet is monitored on
    if split == "full":
        train_indices, held_out = np.arange(len(image_set.train_images)), np.arange(len(image_set.test_images))
    else:
        train_indices, held_out = search_split(image_set, split, split_file, train_portion)
    if subset is not None:
        train_indices = take_subset(
            train_indices, subset, np.random.default_rng(derive_seed(seed, SUBSET_TRAIN_STREAM))
        )
        held_out = take_subset(held_out, subset, np.random.default_rng(derive_seed(seed, SUBSET_VAL_STREAM)))
    # NAS-Bench-201 pads by an eighth of the side: 4 px for 32 px CIFAR, 2 px for 16 px ImageNet16.
    augmentation = Augmentation(
        image_set.mean,
        image_set.std,
        crop_padding=image_set.image_size // 8 if augment else 0,
        flip=augment,
        cutout=cutout,
    )
    device = torch.device(device)

    def on_device(array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(array)).to(device)

    train_images = on_device(image_set.train_images[train_indices])
    train_labels = on_device(image_set.train_labels[train_indices])
    if split == "full":
        # the second stream reads the very same training images (one copy on the device)
        return PairedLoader(train_images, train_labels, train_images, train_labels, batch_size, augmentation, seed,
                            device, on_device(image_set.test_images[held_out]), on_device(image_set.test_labels[held_out]))
    return PairedLoader(
        train_images,
        train_labels,
        on_device(image_set.train_images[held_out]),
        on_device(image_set.train_labels[held_out]),
        batch_size,
        augmentation,
        seed,
        device,
    )


def eval_batches(
    images: torch.Tensor, labels: torch.Tensor, batch_size: int, mean: Sequence[float], std: Sequence[float]
) -> Iterator[Batch]:
    """Normalised, non-augmented batches in order (evaluating on the validation split or test set)."""
    if batch_size < 1:
        raise ConfigError(f"batch size must be at least 1, got {batch_size}.")
    mean_t, std_t = channel_constants(mean, std, images.device)
    for start in range(0, len(images), batch_size):
        yield normalise_with(images[start : start + batch_size], mean_t, std_t), labels[start : start + batch_size]
