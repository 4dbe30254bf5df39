"""Search spaces and benchmark stores by name (timm style: `get_space(name)`, `list_spaces()`)."""

from __future__ import annotations

from functools import partial
from typing import Callable

from spaces.benchmark import Benchmark
from spaces.darts.space import LAYOUTS as DARTS_LAYOUTS
from spaces.darts.nb301.benchmark import NB301_BENCHMARK
from spaces.darts.space import DartsFamilySpace
from spaces.errors import ConfigError
from spaces.nb101.benchmark import NB101_BENCHMARK
from spaces.nb101.space import NB101QuerySpace
from spaces.nb1shot1.space import NB1Shot1Space
from spaces.nb201.benchmark import NB201_BENCHMARK
from spaces.nb201.space import NB201Space

_SPACES: dict[str, Callable[[], object]] = {
    "nb201": NB201Space,
    "nb1shot1-s1": partial(NB1Shot1Space, 1),
    "nb1shot1-s2": partial(NB1Shot1Space, 2),
    "nb1shot1-s3": partial(NB1Shot1Space, 3),
    "nb101": NB101QuerySpace,  # query only: searched through nb1shot1-s1..s3
}
_SPACES.update({name: partial(DartsFamilySpace, name) for name in DARTS_LAYOUTS})
_BENCHMARKS: dict[str, Benchmark] = {benchmark.name: benchmark
                                     for benchmark in (NB201_BENCHMARK, NB101_BENCHMARK, NB301_BENCHMARK)}


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
