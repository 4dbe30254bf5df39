"""A quantity over search epochs, averaged over the seeds of a setting, with its 95% band."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from reports.loading import LoadedRun
from reports.statistics import confidence_band

Quantity = Callable[[dict[str, Any]], Any]  # epoch row -> number, or None where the row lacks it


@dataclass
class Curve:
    epochs: np.ndarray
    mean: np.ndarray
    seeds: np.ndarray  # seeds behind each epoch's mean
    band_epochs: np.ndarray  # epochs with a band (two or more seeds)
    low: np.ndarray
    high: np.ndarray
    per_seed: list[tuple[np.ndarray, np.ndarray]]  # (epochs, values) of each run that records the quantity


def seed_curve(runs: list[LoadedRun], quantity: Quantity) -> Curve | None:
    """Mean over seeds per epoch of `quantity`, band mean ± t * s / sqrt(n); None when no row has it."""
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
    bands = [(epoch, confidence_band(per_epoch[epoch])) for epoch in epochs]
    bands = [(epoch, band) for epoch, band in bands if band is not None]
    return Curve(
        epochs=np.array(epochs),
        mean=np.array([np.mean(per_epoch[epoch]) for epoch in epochs]),
        seeds=np.array([len(per_epoch[epoch]) for epoch in epochs]),
        band_epochs=np.array([epoch for epoch, _ in bands]),
        low=np.array([band[0] for _, band in bands]),
        high=np.array([band[1] for _, band in bands]),
        per_seed=per_seed,
    )
