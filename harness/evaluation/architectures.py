"""Which space evaluates an architecture, and the architecture's canonical form.

The DARTS family (spaces/darts/space.py) is reached by name here even before it is registered in
spaces/registry.py (its search supernet is another change): registered spaces come first.

A DARTS genotype lists a node's two (op, input) pairs in the order its derivation ranked them; the
node sums them, so both orders are one architecture (DartsGenotype.__eq__). The network is built from
the canonical order, so an architecture trains the same whichever order its text was written in, and
its records are found under one hash.
"""

from __future__ import annotations

from spaces.darts.genotype import DartsGenotype
from spaces.darts.space import LAYOUTS, DartsFamilySpace
from spaces.errors import ConfigError
from spaces.registry import get_space, list_spaces


def evaluation_space(name: str):
    """The space `name`, which must offer an evaluation network."""
    try:
        space = get_space(name)
    except ConfigError:
        if name not in LAYOUTS:
            names = sorted({*list_spaces(), *LAYOUTS})
            raise ConfigError(f"unknown search space {name!r}; spaces: {', '.join(names)}") from None
        space = DartsFamilySpace(name)
    if not hasattr(space, "evaluation_network"):
        raise ConfigError(f"space {name} has no evaluation network (spaces with one: nb201 and the DARTS "
                          f"family: {', '.join(LAYOUTS)})")
    return space


def canonical(arch):
    """The architecture with a DARTS node's pairs in sorted order (other spaces: unchanged)."""
    if isinstance(arch, DartsGenotype):
        genes = tuple(tuple(pair for node in gene for pair in node) for gene in arch.canonical())
        return DartsGenotype(arch.decisions, genes, arch.concats)
    return arch


def parse_canonical(space, text: str):
    """(architecture, its canonical text) of `text`; MalformedArchitecture when it is not one of the space."""
    arch = canonical(space.parse(text))
    return arch, str(arch)
