"""Summary statistics over seeds."""

from __future__ import annotations

import numpy as np


def mean_std(values) -> tuple[float, float]:
    """Mean and standard deviation over seeds.

    ddof=0 (numpy's default), the convention of the NAS-Bench-201 reference
    scripts whose numbers the seed papers compare against (harness choice).
    """
    array = np.asarray(values, dtype=np.float64)
    return float(array.mean()), float(array.std(ddof=0))


def format_mean_std(values, digits: int = 2) -> str:
    mean, std = mean_std(values)
    return f"{mean:.{digits}f} ± {std:.{digits}f}"
