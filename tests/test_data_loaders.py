"""Paired search loaders: epochs, validation cycling, determinism, exact resume; the builder and eval batches."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
import torch

from harness.data import Augmentation, ImageSet, PairedLoader, eval_batches, normalise, paired_loaders
from harness.data.loaders import search_split
from spaces.errors import ConfigError

MEAN = (0.5, 0.4, 0.3)
STD = (0.2, 0.25, 0.3)
VAL_LABEL_OFFSET = 1000


def _loader(n_train=50, n_val=23, batch_size=8, seed=0, augmentation=None) -> PairedLoader:
    """Labels identify images: training image i has label i, validation image j label 1000 + j."""
    rng = np.random.default_rng(123)
    return PairedLoader(
        torch.from_numpy(rng.integers(0, 256, (n_train, 3, 8, 8), dtype=np.uint8)),
        torch.arange(n_train),
        torch.from_numpy(rng.integers(0, 256, (n_val, 3, 8, 8), dtype=np.uint8)),
        VAL_LABEL_OFFSET + torch.arange(n_val),
        batch_size,
        augmentation,
        seed,
        "cpu",
    )


def _epoch(loader) -> list:
    return [(tx, ty, vx, vy) for (tx, ty), (vx, vy) in loader]


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(all(torch.equal(x, y) for x, y in zip(p, q)) for p, q in zip(a, b))


def test_an_epoch_has_ceil_steps_and_visits_every_training_image_once():
    loader = _loader(n_train=50, batch_size=8)
    steps = _epoch(loader)
    assert len(loader) == len(steps) == math.ceil(50 / 8)
    labels = torch.cat([ty for _, ty, _, _ in steps])
    assert sorted(labels.tolist()) == list(range(50))
    assert [len(ty) for _, ty, _, _ in steps] == [8] * 6 + [2]
    assert loader.epoch == 1


def test_every_epoch_uses_a_fresh_order():
    loader = _loader()
    first = torch.cat([ty for _, ty, _, _ in _epoch(loader)])
    second = torch.cat([ty for _, ty, _, _ in _epoch(loader)])
    assert sorted(first.tolist()) == sorted(second.tolist())
    assert not torch.equal(first, second)


def test_validation_stream_cycles_through_fresh_permutations():
    loader = _loader(n_train=80, n_val=20, batch_size=8)  # 10 steps need 80 validation images: 4 passes
    val_labels = [vy for _, _, _, vy in _epoch(loader)]
    per_pass = math.ceil(20 / 8)
    passes = [torch.cat(val_labels[i : i + per_pass]) for i in range(0, len(val_labels) - per_pass + 1, per_pass)]
    assert len(passes) >= 3
    for order in passes:
        assert sorted(order.tolist()) == list(range(VAL_LABEL_OFFSET, VAL_LABEL_OFFSET + 20))
    assert not torch.equal(passes[0], passes[1])


def test_same_seed_same_batches_different_seed_different_batches():
    augmentation = Augmentation(MEAN, STD, crop_padding=1, cutout=2)
    first = _epoch(_loader(seed=4, augmentation=augmentation)) + _epoch(_loader(seed=4, augmentation=augmentation))
    again = _epoch(_loader(seed=4, augmentation=augmentation)) + _epoch(_loader(seed=4, augmentation=augmentation))
    other = _epoch(_loader(seed=5, augmentation=augmentation))
    assert _same(first, again)
    assert not torch.equal(first[0][1], other[0][1])


def test_both_streams_are_augmented():
    loader = _loader(augmentation=Augmentation(MEAN, STD, crop_padding=2, flip=True))
    (tx, ty), (vx, vy) = next(iter(loader))
    plain_train = normalise(loader.train_images[ty], MEAN, STD)
    plain_val = normalise(loader.val_images[vy - VAL_LABEL_OFFSET], MEAN, STD)
    assert tx.dtype == vx.dtype == torch.float32
    assert not torch.equal(tx, plain_train) and not torch.equal(vx, plain_val)


def _round_trip(state: dict) -> dict:
    """Through torch.save / torch.load(weights_only=True), as a checkpoint would."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


@pytest.mark.parametrize(
    "epoch, steps_taken",
    [(0, 3), (1, 0), (1, 5), (0, 7)],
    ids=["mid-epoch-0", "epoch-boundary", "mid-epoch-1", "after-last-step"],
)
def test_a_restored_loader_continues_with_exactly_the_uninterrupted_batches(epoch, steps_taken):
    augmentation = Augmentation(MEAN, STD, crop_padding=1, flip=True, cutout=3)
    # n_val < n_train so the validation stream cycles mid-epoch, which the resume must also reproduce.
    reference = _loader(n_train=50, n_val=23, seed=11, augmentation=augmentation)
    uninterrupted = [_epoch(reference) for _ in range(3)]

    interrupted = _loader(n_train=50, n_val=23, seed=11, augmentation=augmentation)
    for _ in range(epoch):
        _epoch(interrupted)
    iterator = iter(interrupted)
    for _ in range(steps_taken):
        next(iterator)
    state = _round_trip(interrupted.state_dict())

    # A different seed proves that the state, not the seed, determines what follows.
    restored = _loader(n_train=50, n_val=23, seed=999, augmentation=augmentation)
    restored.load_state_dict(state)
    rest_of_epoch = _epoch(restored)
    if steps_taken == len(restored):  # saved after the last step, before the loop noticed the epoch end
        assert _same(rest_of_epoch, uninterrupted[epoch + 1])
        return
    assert _same(rest_of_epoch, uninterrupted[epoch][steps_taken:])
    assert _same(_epoch(restored), uninterrupted[epoch + 1])


def test_breaking_out_and_iterating_again_continues_the_epoch():
    reference = _epoch(_loader(seed=2))
    loader = _loader(seed=2)
    for step, _ in enumerate(loader):
        if step == 2:
            break
    assert _same(_epoch(loader), reference[3:])


def test_state_from_a_different_batch_size_is_refused():
    with pytest.raises(ConfigError, match="batch size"):
        _loader(batch_size=4).load_state_dict(_loader(batch_size=8).state_dict())


@pytest.mark.parametrize("batch_size", [0, -3])
def test_impossible_batch_size_is_a_config_error(batch_size):
    with pytest.raises(ConfigError, match="batch size"):
        _loader(batch_size=batch_size)


# --- paired_loaders: the builder ------------------------------------------------------------


def _identity_set(n: int = 200, side: int = 8, name: str = "cifar10") -> ImageSet:
    """An ImageSet whose label of training image i is i, so loaders reveal which images they hold."""
    rng = np.random.default_rng(0)
    return ImageSet(
        name,
        rng.integers(0, 256, (n, 3, side, side), dtype=np.uint8),
        np.arange(n, dtype=np.int64),
        rng.integers(0, 256, (4, 3, side, side), dtype=np.uint8),
        np.zeros(4, dtype=np.int64),
        n,
        MEAN,
        STD,
    )


def test_darts_builder_puts_the_first_portion_in_train_and_the_rest_in_validation():
    loader = paired_loaders(_identity_set(200), "darts", 16, "cpu", seed=0, train_portion=0.75)
    assert sorted(loader.train_labels.tolist()) == list(range(150))
    assert sorted(loader.val_labels.tolist()) == list(range(150, 200))
    assert loader.train_images.dtype == torch.uint8 and loader.train_images.device.type == "cpu"
    assert len(loader) == math.ceil(150 / 16)


def test_full_split_pairs_the_training_set_with_an_independent_order_of_itself():
    """Single-level search (GAEA code, cnn/train_utils.py: a shuffled copy of the training set as the
    search queue); the supernet is monitored on the test set, which it never trains on."""
    image_set = _identity_set(64)
    loader = paired_loaders(image_set, "full", 16, "cpu", seed=0, augment=False)
    train_order = torch.cat([ty for (_, ty), _ in loader])
    search_order = torch.cat([vy for _, (_, vy) in loader])
    assert sorted(train_order.tolist()) == sorted(search_order.tolist()) == list(range(64))
    assert not torch.equal(train_order, search_order)  # its own order, not the weight step's batches
    assert loader.val_images.data_ptr() == loader.train_images.data_ptr()  # one copy on the device
    assert len(loader.monitor_labels) == len(image_set.test_labels)
    np.testing.assert_array_equal(loader.monitor_images.numpy(), image_set.test_images)
    subset = paired_loaders(image_set, "full", 16, "cpu", seed=0, subset=3)  # n images of each: train, test
    assert len(subset.train_labels) == len(subset.val_labels) == len(subset.monitor_labels) == 3


def test_other_splits_monitor_the_validation_split():
    loader = paired_loaders(_identity_set(200), "darts", 16, "cpu", seed=0)
    assert loader.monitor_images is loader.val_images and loader.monitor_labels is loader.val_labels


def test_subset_takes_n_images_from_each_side_reproducibly():
    image_set = _identity_set(200)
    loader = paired_loaders(image_set, "darts", 16, "cpu", seed=3, subset=20)
    again = paired_loaders(image_set, "darts", 16, "cpu", seed=3, subset=20)
    other = paired_loaders(image_set, "darts", 16, "cpu", seed=4, subset=20)
    train, val = set(loader.train_labels.tolist()), set(loader.val_labels.tolist())
    assert len(train) == len(val) == 20
    assert max(train) < 100 <= min(val)
    assert torch.equal(loader.train_labels, again.train_labels)
    assert set(other.train_labels.tolist()) != train
    np.testing.assert_array_equal(loader.train_images.numpy(), image_set.train_images[loader.train_labels.numpy()])


def test_subset_larger_than_a_side_is_a_config_error():
    with pytest.raises(ConfigError, match="subset"):
        paired_loaders(_identity_set(200), "darts", 16, "cpu", seed=0, subset=101)


def test_without_augmentation_batches_are_the_normalised_images():
    image_set = _identity_set(40)
    loader = paired_loaders(image_set, "darts", 8, "cpu", seed=0, augment=False)
    for (tx, ty), (vx, vy) in loader:
        expected = normalise(torch.from_numpy(image_set.train_images[ty.numpy()]), MEAN, STD)
        assert torch.equal(tx, expected)
        assert torch.equal(vx, normalise(torch.from_numpy(image_set.train_images[vy.numpy()]), MEAN, STD))


def test_crop_padding_follows_the_image_size_as_in_nas_bench_201():
    assert paired_loaders(_identity_set(20, side=32), "darts", 4, "cpu", 0).augmentation.crop_padding == 4
    assert paired_loaders(_identity_set(20, side=16), "darts", 4, "cpu", 0).augmentation.crop_padding == 2


@pytest.mark.shared_data
def test_nb201_builder_uses_the_official_split(shared_cifar_split):
    image_set = _identity_set(50_000, side=2, name="cifar10-valid")
    loader = paired_loaders(image_set, "nb201", 256, "cpu", seed=0, split_file=shared_cifar_split, subset=500)
    train, valid = search_split(image_set, "nb201", shared_cifar_split)
    assert np.isin(loader.train_labels.numpy(), train).all()
    assert np.isin(loader.val_labels.numpy(), valid).all()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"split": "random"}, "unknown search split"),
        ({"split": "nb201"}, "cifar-split.txt"),
        ({"split": "darts", "cutout": 16, "augment": False}, "cutout"),
    ],
)
def test_impossible_builder_settings_are_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        paired_loaders(_identity_set(20), batch_size=4, device="cpu", seed=0, **kwargs)


def test_nb201_split_is_refused_for_datasets_it_does_not_describe(tmp_path):
    with pytest.raises(ConfigError, match="darts"):
        paired_loaders(
            _identity_set(20, name="cifar100"), "nb201", 4, "cpu", 0, split_file=tmp_path / "cifar-split.txt"
        )


@pytest.mark.shared_data
def test_split_file_larger_than_the_dataset_is_refused(shared_cifar_split):
    with pytest.raises(ConfigError, match="training image"):
        search_split(_identity_set(100), "nb201", shared_cifar_split)


# --- eval_batches ---------------------------------------------------------------------------


def test_eval_batches_are_normalised_and_in_order():
    images = torch.from_numpy(np.random.default_rng(1).integers(0, 256, (21, 3, 4, 4), dtype=np.uint8))
    labels = torch.arange(21)
    batches = list(eval_batches(images, labels, 8, MEAN, STD))
    assert [len(y) for _, y in batches] == [8, 8, 5]
    assert torch.equal(torch.cat([y for _, y in batches]), labels)
    assert torch.equal(torch.cat([x for x, _ in batches]), normalise(images, MEAN, STD))
