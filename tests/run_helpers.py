"""Small synthetic image sets and configs for end-to-end runner tests."""

from __future__ import annotations

import numpy as np

from harness.config import resolve_config
from harness.data.imageset import ImageSet


def synthetic_image_set(n_train: int = 256, n_test: int = 64, seed: int = 0) -> ImageSet:
    """Random 32x32 images whose label is readable from the mean of one colour channel."""
    rng = np.random.default_rng(seed)

    def images(n):
        labels = rng.integers(0, 10, n)
        pixels = rng.integers(0, 128, (n, 3, 32, 32)).astype(np.uint8)
        pixels[:, 0] += (labels * 12).astype(np.uint8)[:, None, None]
        return pixels, labels.astype(np.int64)

    train_x, train_y = images(n_train)
    test_x, test_y = images(n_test)
    return ImageSet("cifar10", train_x, train_y, test_x, test_y, 10, (0.5, 0.5, 0.5), (0.25, 0.25, 0.25))


def tiny_run_config(method: str = "darts", epochs: int = 3, assignments=()):
    return resolve_config(method, "nb201", "quick", epochs=epochs, assignments=[
        "supernet.channels=4", "data.subset=64", "data.batch_size=32", "eval.batch_size=64", *assignments])


def without_timings(rows):
    """Epoch rows without their wall-clock part, the only part that differs between identical runs."""
    return [{k: v for k, v in row.items() if k != "time"} for row in rows]


def die_after_checkpoint(monkeypatch, checkpoints: int = 1) -> None:
    """The runner raises KeyboardInterrupt right after writing its `checkpoints`-th checkpoint (a kill
    between two epochs); monkeypatch.undo() lets the next run go on normally."""
    import harness.runner as runner

    real_save, saved = runner._save, []

    def save_then_die(*args, **kwargs):
        real_save(*args, **kwargs)
        saved.append(True)
        if len(saved) == checkpoints:
            raise KeyboardInterrupt

    monkeypatch.setattr(runner, "_save", save_then_die)
