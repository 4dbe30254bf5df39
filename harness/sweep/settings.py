"""What a sweep file or the command line says, merged key by key into a SweepSpec.

Both sources produce the same SweepSettings, so a sweep file and its command-line form
expand to the same plan. A flag given on the command line replaces the file's value for
that key (`--grid`/`--set` replace the file's whole `grid`/`set`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from harness.sweep.grid import GridAxis
from harness.sweep.plan import SweepSpec
from spaces.errors import ConfigError

DEFAULT_OUT = "runs"
DEFAULT_PRESET = "paper"


@dataclass(frozen=True)
class SweepSettings:
    """Every field is None when its source does not say it; the other source or the default decides."""

    methods: tuple[str, ...] | None = None
    spaces: tuple[str, ...] | None = None
    datasets: tuple[str, ...] | None = None
    seeds: int | None = None
    seed_offset: int | None = None
    epochs: tuple[int, ...] | None = None
    grid: tuple[GridAxis, ...] | None = None
    preset: str | None = None
    assignments: tuple[str, ...] | None = None  # `set` in a sweep file
    out: str | None = None
    workers: int | None = None
    evaluate: str | None = None  # an evaluation preset: train each complete search's architecture after it
    evaluate_out: str | None = None  # root of those evaluations (default ./evaluations)

    def overridden_by(self, other: SweepSettings) -> SweepSettings:
        given = {f.name: getattr(other, f.name) for f in fields(other) if getattr(other, f.name) is not None}
        return replace(self, **given)

    def spec(self) -> SweepSpec:
        if not self.methods:
            raise ConfigError("a sweep needs --methods (or `methods:` in a sweep file given with --file)")
        if not self.spaces:
            raise ConfigError("a sweep needs --spaces (or `spaces:` in a sweep file given with --file)")
        return SweepSpec(
            methods=self.methods, spaces=self.spaces, out=Path(self.out or DEFAULT_OUT),
            datasets=self.datasets or (None,), seeds=1 if self.seeds is None else self.seeds,
            seed_offset=self.seed_offset or 0, epochs=self.epochs or (None,), grid=self.grid or (),
            preset=self.preset or DEFAULT_PRESET, assignments=self.assignments or (),
        )


def names(value: Any, source: str) -> tuple[str, ...]:
    """A list of names, or one string of comma-separated names."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(item, str) and item.strip() for item in items):
        raise ConfigError(f"{source} takes names separated by commas (or a list of names), got {value!r}")
    if not items:
        raise ConfigError(f"{source} is empty")
    return tuple(item.strip() for item in items)


def epoch_counts(value: Any, source: str) -> tuple[int, ...]:
    """One epoch count, a list of them, or a string of comma-separated counts."""
    if isinstance(value, str):
        value = [piece.strip() for piece in value.split(",")]
    items = value if isinstance(value, (list, tuple)) else [value]
    counts = []
    for item in items:
        if isinstance(item, str) and item.isdigit():
            item = int(item)
        if not isinstance(item, int) or isinstance(item, bool) or item < 1:
            raise ConfigError(f"{source} takes positive epoch counts (for example 50,100,200), got {value!r}")
        counts.append(item)
    if not counts:
        raise ConfigError(f"{source} is empty")
    return tuple(counts)


def integer_at_least(value: Any, minimum: int, source: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ConfigError(f"{source} must be an integer of at least {minimum}, got {value!r}")
    return value
