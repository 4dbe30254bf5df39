"""Search spaces by name."""

from __future__ import annotations

from spaces.errors import ConfigError
from spaces.nb201.space import NB201Space

_SPACES = {"nb201": NB201Space}


def list_spaces() -> list[str]:
    return sorted(_SPACES)


def get_space(name: str):
    try:
        return _SPACES[name]()
    except KeyError:
        raise ConfigError(f"unknown search space {name!r}; available: {', '.join(list_spaces())}") from None
