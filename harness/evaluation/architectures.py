"""Which space evaluates an architecture, and the architecture's canonical form.

An architecture may have several texts (a DARTS node sums its two (op, input) pairs, so both orders
are one architecture); the network is built from the space's canonical form (space.canonical), so an
architecture trains the same whichever text it was written as, and its records are found under one hash.
"""

from __future__ import annotations

from spaces.errors import ConfigError
from spaces.registry import get_space, list_spaces


def evaluation_space(name: str):
    """The space `name`, which must offer an evaluation network (spaces/evaluation_network.py)."""
    space = get_space(name)
    if not hasattr(space, "evaluation_network"):
        offering = [other for other in list_spaces() if hasattr(get_space(other), "evaluation_network")]
        raise ConfigError(f"space {name} has no evaluation network; spaces with one: {', '.join(offering)}")
    return space


def parse_canonical(space, text: str):
    """(architecture, its canonical text) of `text`; MalformedArchitecture when it is not one of the space."""
    arch = space.canonical(space.parse(text))
    return arch, str(arch)
