"""Grid axes of a sweep: `--grid [METHOD:]KEY=V1,V2,...` or a sweep file's `grid:` mapping.

An axis varies one config value. Unscoped (`amended.eta=0,0.1`) it multiplies the runs of
every method of the sweep: every component's section is in every resolved config, so the
key exists for all methods, and methods that do not use the component get runs that differ
only in an unused setting (and in their config hash). Scoped (`amended:amended.eta=0,0.1`)
it multiplies only the runs of that method; the others run once with their default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from harness.config import parse_assignment
from spaces.errors import ConfigError

# Keys that have their own sweep axis (or name the run directory): a grid over them would
# bypass that axis.
RESERVED_KEYS = {"method": "methods", "space": "spaces", "dataset": "datasets", "epochs": "epochs",
                 "preset": "preset"}
GRID_FORM = "[METHOD:]KEY=V1,V2,... (for example amended.eta=0,0.001,0.1)"


@dataclass(frozen=True)
class GridAxis:
    key: str  # dotted config path, e.g. "amended.eta"
    values: tuple[Any, ...]  # JSON values
    method: str | None = None  # only this method's runs vary along the axis; None: every method's

    @property
    def label(self) -> str:
        return f"{self.method}:{self.key}" if self.method else self.key

    def applies_to(self, method: str) -> bool:
        return self.method is None or self.method == method


def parse_grid(text: str) -> GridAxis:
    """`[METHOD:]KEY=V1,V2,...`; each value parses like a `--set` value (JSON, else a string).

    Commas inside JSON lists or strings do not separate values: `arch.betas=[0.5,0.999],[0,0.999]`.
    """
    label, sep, raw = text.partition("=")
    if not sep or not label.strip():
        raise ConfigError(f"--grid takes {GRID_FORM}, got {text!r}")
    pieces = _split_top_level(raw)
    if any(not piece.strip() for piece in pieces):
        raise ConfigError(f"--grid {text}: empty value in the list; the form is {GRID_FORM}")
    key = _scope_and_key(label)[1]
    values = [parse_assignment(f"{key}={piece}")[1] for piece in pieces]
    return axis_from_values(label, values, source=f"--grid {label}")


def axis_from_values(label: str, values: Any, source: str) -> GridAxis:
    """An axis from a label `[METHOD:]KEY` and already-parsed values (a sweep file's grid entry)."""
    method, key = _scope_and_key(label)
    if not isinstance(values, (list, tuple)) or not values:
        raise ConfigError(f"{source}: the values must be a non-empty list, got {values!r}")
    seen = set()
    for value in values:
        canonical = json.dumps(value, sort_keys=True)
        if canonical in seen:
            raise ConfigError(f"{source}: the value {canonical} is listed twice")
        seen.add(canonical)
    return GridAxis(key, tuple(values), method)


def _scope_and_key(label: str) -> tuple[str | None, str]:
    method, sep, key = label.strip().rpartition(":")
    method, key = (method.strip() or None) if sep else None, key.strip()
    if not key or any(not part for part in key.split(".")):
        raise ConfigError(f"--grid {label}: {key!r} is not a config key; the form is {GRID_FORM}")
    if sep and method is None:
        raise ConfigError(f"--grid {label}: empty method name before ':'; the form is {GRID_FORM}")
    if key in RESERVED_KEYS:
        raise ConfigError(f"--grid {label}: {key} has its own sweep axis; use --{RESERVED_KEYS[key]} "
                          f"(or the sweep file's `{RESERVED_KEYS[key]}` key)")
    return method, key


def _split_top_level(text: str) -> list[str]:
    """Split at commas that are outside JSON brackets and strings."""
    pieces, depth, start, in_string, escaped = [], 0, 0, False, False
    for position, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            pieces.append(text[start:position])
            start = position + 1
    pieces.append(text[start:])
    return pieces
