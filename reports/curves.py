"""A quantity over search epochs, averaged over the seeds of a setting, with a band (95% t interval, or ± 1 std)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from reports.loading import LoadedRun
from reports.statistics import confidence_band

Quantity = Callable[[dict[str, Any]], Any]  # epoch row -> number, or None where the row lacks it
Band = Callable[[list[float]], tuple[float, float] | None]  # values of one epoch -> (low, high), None: no band


@dataclass
class Curve:
    epochs: np.ndarray
    mean: np.ndarray
    seeds: np.ndarray  # seeds behind each epoch's mean
    band_epochs: np.ndarray  # epochs with a band (two or more seeds)
    low: np.ndarray
    high: np.ndarray
    per_seed: list[tuple[np.ndarray, np.ndarray]]  # (epochs, values) of each run that records the quantity


def seed_curve(runs: list[LoadedRun], quantity: Quantity, band: Band = confidence_band) -> Curve | None:
    """Mean over seeds per epoch of `quantity`, with `band` (default mean ± t * s / sqrt(n)); None when no row
    has it."""
    per_epoch: dict[int, list[float]] = {}
    per_seed = []
    for run in runs:
        points = [(row["epoch"], float(value)) for row in run.rows if (value := quantity(row)) is not None]
        for epoch, value in points:
            per_epoch.setdefault(epoch, []).append(value)
        if points:
            per_seed.append(tuple(np.array(column) for column in zip(*points)))
    if not per_epoch:
        return None
    epochs = sorted(per_epoch)
    bands = [(epoch, band(per_epoch[epoch])) for epoch in epochs]
    bands = [(epoch, interval) for epoch, interval in bands if interval is not None]
    return Curve(
        epochs=np.array(epochs),
        mean=np.array([np.mean(per_epoch[epoch]) for epoch in epochs]),
        seeds=np.array([len(per_epoch[epoch]) for epoch in epochs]),
        band_epochs=np.array([epoch for epoch, _ in bands]),
        low=np.array([interval[0] for _, interval in bands]),
        high=np.array([interval[1] for _, interval in bands]),
        per_seed=per_seed,
    )
