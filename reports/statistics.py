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


def confidence_band(values, level: float = 0.95) -> tuple[float, float] | None:
    """Student-t interval of the mean over seeds: mean ± t_{(1+level)/2, n-1} * s / sqrt(n).

    s is the sample standard deviation (ddof=1), the one the t interval is defined
    with (unlike the ddof=0 spread the tables report). None for a single seed: one
    value gives no interval, and drawing a zero-width band would claim certainty.
    """
    from scipy.stats import t  # scipy is only needed for figures

    array = np.asarray(values, dtype=np.float64)
    if array.size < 2:
        return None
    half = float(t.ppf((1 + level) / 2, array.size - 1) * array.std(ddof=1) / np.sqrt(array.size))
    mean = float(array.mean())
    return mean - half, mean + half


def std_band(values) -> tuple[float, float] | None:
    """mean ± 1 sample standard deviation (ddof=1) over seeds: the spread of the regret and oracle-column
    figures (issue 11, "Regret and reports": GAEA Figure 2 as mean ± 1 std); None for a single seed, which
    has no spread to show."""
    array = np.asarray(values, dtype=np.float64)
    if array.size < 2:
        return None
    mean, spread = float(array.mean()), float(array.std(ddof=1))
    return mean - spread, mean + spread
