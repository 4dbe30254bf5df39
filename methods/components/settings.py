"""Validating numeric component settings (user input from presets and --set)."""

from __future__ import annotations

from spaces.errors import ConfigError


def checked_number(value, name: str, allow_zero: bool) -> float:
    """`value` as a float; it must be a number > 0 (or >= 0 with allow_zero)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ConfigError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")
    return float(value)
