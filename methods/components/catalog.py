"""Every registered component, by kind and name.

A component is a class with NAME (what `--set KIND=NAME` selects), SECTION (its
config section, or None when it has no settings) and DEFAULTS (that section's
defaults, each with its source in a comment). Because every component's
section is in every resolved config, any component can be switched on for any
method (`--set inner_reg=lambda` on `gdas`), as the DESIGN's ablations need.

Kinds and the config key that selects them:
  parameterization  arch.parameterization
  hypergradient     arch.hypergradient
  arch_optimizer    arch.optimizer
  inner_reg         inner_reg         (regulariser of the weight step)
  outer_reg         outer_reg         (regulariser of the architecture step)
  schedule          schedule          (when architecture steps happen)
"""

from __future__ import annotations

import copy
from typing import Any

from spaces.errors import ConfigError

KINDS = ("parameterization", "hypergradient", "arch_optimizer", "inner_reg", "outer_reg", "schedule")
_CATALOG: dict[str, dict[str, type]] = {kind: {} for kind in KINDS}


def component(kind: str):
    """Class decorator: register a component of `kind` under its NAME."""

    def register(cls):
        if cls.NAME in _CATALOG[kind]:
            raise ValueError(f"{kind} {cls.NAME!r} registered twice")
        _CATALOG[kind][cls.NAME] = cls
        return cls

    return register


def _load_builtin_components() -> None:
    import pkgutil
    import importlib

    import methods.components as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name not in ("catalog", "base"):
            importlib.import_module(f"methods.components.{info.name}")


def lookup(kind: str, name: str) -> type:
    _load_builtin_components()
    if name not in _CATALOG[kind]:
        raise ConfigError(f"unknown {kind} {name!r}; available: {', '.join(sorted(_CATALOG[kind]))}")
    return _CATALOG[kind][name]


def names(kind: str) -> list[str]:
    _load_builtin_components()
    return sorted(_CATALOG[kind])


def default_sections() -> dict[str, Any]:
    """The settings sections of every registered component, with their defaults."""
    _load_builtin_components()
    sections: dict[str, Any] = {}
    for kind in KINDS:
        for cls in _CATALOG[kind].values():
            if getattr(cls, "SECTION", None):
                sections[cls.SECTION] = copy.deepcopy(cls.DEFAULTS)
    return sections
