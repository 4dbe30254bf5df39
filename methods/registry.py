"""Named methods: a registry in the style of timm (`create_method`, `list_methods`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch
from torch import nn

from spaces.errors import ConfigError


@dataclass(frozen=True)
class MethodSpec:
    name: str
    summary: str  # one line: what it is
    paper: str  # where it comes from
    defaults: Callable[[str], dict[str, Any]]  # space name -> config defaults (each with its source)
    build: Callable[..., Any]  # (name, space, net, config, generator) -> method


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


def require_space(method_title: str, space: str, available: tuple[str, ...] = ("nb201",)) -> None:
    """Defaults exist per space; asking for a space a method has none for is a user error."""
    if space not in available:
        raise ConfigError(f"{method_title} has no defaults for space {space!r} yet; available: {', '.join(available)}")


def list_methods() -> list[MethodSpec]:
    _load_builtin_methods()
    return [_METHODS[name] for name in sorted(_METHODS)]


def get_method(name: str) -> MethodSpec:
    _load_builtin_methods()
    try:
        return _METHODS[name]
    except KeyError:
        raise ConfigError(f"unknown method {name!r}; available: {', '.join(sorted(_METHODS))}") from None


def method_defaults(name: str, space: str) -> dict[str, Any]:
    return get_method(name).defaults(space)


def create_method(name: str, space, net: nn.Module, config: dict[str, Any], generator: torch.Generator):
    return get_method(name).build(name, space, net, config, generator)
