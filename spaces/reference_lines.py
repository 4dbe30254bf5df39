"""Published reference levels a space offers its regret figures, each with its source.

A reference is an accuracy level of one oracle column (dataset, split), in percent like the run records;
the figure places it on its regret axis through the space's optimum, which the records carry (accuracy +
regret). `notes` say what a reader should know, e.g. which published line could not be sourced.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AccuracyReference:
    label: str  # the legend entry, honest about what the level is
    dataset: str
    split: str
    accuracy: float  # percent
    source: str  # where the number comes from (repository and file, or paper and figure)


@dataclass(frozen=True)
class References:
    lines: tuple[AccuracyReference, ...] = ()
    notes: tuple[str, ...] = ()


NO_REFERENCES = References()
