"""Which epoch's architecture a run returns: the final one, or the one of best supernet validation.

`final` is the papers' usual protocol (DARTS, Lambda-DARTS, ...). `best-val` is what the GAEA code
returns for bilevel search (liamcli/gaea_release cnn/train_search.py: `best_genotype` is taken at
the epoch whose supernet validation accuracy is the highest so far, strictly higher, so the first
of equal epochs wins). Single-level search has no validation split (its supernet is monitored on
the test set, harness/data/loaders.py), so choosing by it would choose on test data: there the
GAEA code returns the final genotype, and so does `best-val`.
"""

from __future__ import annotations

from typing import Any

from spaces.errors import ConfigError

SELECTIONS = ("final", "best-val")
NO_VALIDATION_SPLITS = ("full",)


def check_selection(selection: str) -> str:
    if selection not in SELECTIONS:
        raise ConfigError(f"--select must be one of {', '.join(SELECTIONS)}, got {selection!r}")
    return selection


def has_validation_split(config: dict[str, Any]) -> bool:
    return config["data"]["split"] not in NO_VALIDATION_SPLITS


def best_validation_row(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The first row with the highest supernet validation accuracy."""
    best = rows[0]
    for row in rows[1:]:
        if row["val_acc"] > best["val_acc"]:
            best = row
    return best


def selected_row(rows: list[dict[str, Any]], config: dict[str, Any], selection: str) -> dict[str, Any]:
    """The row of the epoch whose architecture `selection` returns."""
    if selection == "best-val" and has_validation_split(config):
        return best_validation_row(rows)
    return rows[-1]


def best_validation_summary(rows: list[dict[str, Any]], config: dict[str, Any]) -> dict[str, Any] | None:
    """What summary.json records of the best-validation epoch; None for searches without a validation split."""
    if not has_validation_split(config):
        return None
    best = best_validation_row(rows)
    return {"epoch": best["epoch"], "arch": best["arch"], "val_acc": best["val_acc"]}
