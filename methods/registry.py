"""Named methods: a registry in the style of timm (`create_method`, `list_methods`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import torch
from torch import nn

from spaces.errors import ConfigError


@dataclass(frozen=True)
class SpaceContext:
    """What a method's defaults may depend on beyond the space family."""

    space: str  # the space's registered name (darts-s3, ...)
    dataset: str  # the search dataset


@dataclass(frozen=True)
class MethodSpec:
    name: str
    summary: str  # one line: what it is
    paper: str  # where it comes from
    # space family (a space's `family`: nb201, darts, nb1shot1) -> config defaults, each with its source
    defaults: Mapping[str, Callable[[SpaceContext], dict[str, Any]]]
    build: Callable[..., Any]  # (name, space, net, config, generator) -> method

    @property
    def families(self) -> tuple[str, ...]:
        return tuple(self.defaults)


_METHODS: dict[str, MethodSpec] = {}


def register(spec: MethodSpec) -> MethodSpec:
    if spec.name in _METHODS:
        raise ValueError(f"method {spec.name!r} registered twice")
    _METHODS[spec.name] = spec
    return spec


def _load_builtin_methods() -> None:
    """Import every module of the `methods` package: importing a method module registers it."""
    import importlib
    import pkgutil

    import methods as package

    for info in pkgutil.iter_modules(package.__path__):
        if not info.ispkg and info.name not in ("registry", "search_method", "progress"):
            importlib.import_module(f"methods.{info.name}")


def list_methods() -> list[MethodSpec]:
    _load_builtin_methods()
    return [_METHODS[name] for name in sorted(_METHODS)]


def get_method(name: str) -> MethodSpec:
    _load_builtin_methods()
    try:
        return _METHODS[name]
    except KeyError:
        raise ConfigError(f"unknown method {name!r}; available: {', '.join(sorted(_METHODS))}") from None


def method_defaults(name: str, space: str, dataset: str) -> dict[str, Any]:
    """The method's defaults for a space (through the space's family) and search dataset."""
    from spaces.registry import get_space

    spec = get_method(name)
    family = get_space(space).family
    if family not in spec.defaults:
        raise ConfigError(f"method {name} has no defaults for the {family} space family (space {space}); it has "
                          f"defaults for: {', '.join(spec.families)}")
    return spec.defaults[family](SpaceContext(space, dataset))


def create_method(name: str, space, net: nn.Module, config: dict[str, Any], generator: torch.Generator):
    return get_method(name).build(name, space, net, config, generator)
