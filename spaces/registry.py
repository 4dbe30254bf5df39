"""Search spaces and benchmark stores by name (timm style: `get_space(name)`, `list_spaces()`)."""

from __future__ import annotations

from typing import Callable

from spaces.benchmark import Benchmark
from spaces.darts.space import LAYOUTS as DARTS_LAYOUTS
from spaces.darts.space import DartsFamilySpace
from spaces.errors import ConfigError
from spaces.nb201.benchmark import NB201_BENCHMARK
from spaces.nb201.space import NB201Space

_SPACES: dict[str, Callable[[], object]] = {"nb201": NB201Space}
_SPACES.update({name: (lambda name=name: DartsFamilySpace(name)) for name in DARTS_LAYOUTS})
_BENCHMARKS: dict[str, Benchmark] = {NB201_BENCHMARK.name: NB201_BENCHMARK}


def register_space(name: str, factory: Callable[[], object]) -> None:
    if name in _SPACES:
        raise ValueError(f"space {name!r} registered twice")
    _SPACES[name] = factory


def list_spaces() -> list[str]:
    return sorted(_SPACES)


def get_space(name: str):
    try:
        return _SPACES[name]()
    except KeyError:
        raise ConfigError(f"unknown search space {name!r}; available: {', '.join(list_spaces())}") from None


def list_benchmarks() -> list[str]:
    return sorted(_BENCHMARKS)


def get_benchmark(name: str) -> Benchmark:
    try:
        return _BENCHMARKS[name]
    except KeyError:
        raise ConfigError(f"unknown benchmark {name!r}; importable benchmarks: {', '.join(list_benchmarks())}") from None
