"""Which ops of each choice a parameterization may weigh: those the choice has, minus excluded ones."""

from __future__ import annotations

import torch

from spaces.base import Decisions
from spaces.errors import ConfigError


def allowed_op_mask(decisions: Decisions, exclude_ops, setting: str = "simplex.exclude_ops") -> torch.Tensor:
    """Bool [types, choices, max ops]: the ops that exist on each choice and are not excluded."""
    if not isinstance(exclude_ops, (list, tuple)) or not all(isinstance(name, str) for name in exclude_ops):
        raise ConfigError(f"{setting} must be a list of op names, got {exclude_ops!r}")
    known = decisions.op_names()
    unknown = sorted(set(exclude_ops) - set(known))
    if unknown:
        raise ConfigError(f"{setting} names unknown ops {unknown}; the space's ops are {sorted(known)}")
    mask = decisions.op_exists() & ~decisions.op_named(exclude_ops)
    emptied = [(decisions.cell_types[t].name, decisions.choices[c].at)
               for t, c in zip(*torch.nonzero(~mask.any(-1), as_tuple=True))]
    if emptied:
        raise ConfigError(f"{setting}={list(exclude_ops)} leaves choices {emptied} (cell type, anchor) without any op")
    return mask
