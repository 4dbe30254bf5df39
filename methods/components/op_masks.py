"""Which ops of each edge a parameterization may weigh: those the edge has, minus excluded ones."""

from __future__ import annotations

import torch

from spaces.base import CellGraph
from spaces.errors import ConfigError


def allowed_op_mask(graph: CellGraph, exclude_ops, setting: str = "simplex.exclude_ops") -> torch.Tensor:
    """Bool [edges, max_ops]: the ops that exist on each edge and are not excluded."""
    if not isinstance(exclude_ops, (list, tuple)) or not all(isinstance(name, str) for name in exclude_ops):
        raise ConfigError(f"{setting} must be a list of op names, got {exclude_ops!r}")
    known = {name for ops in graph.ops_per_edge for name in ops}
    unknown = sorted(set(exclude_ops) - known)
    if unknown:
        raise ConfigError(f"{setting} names unknown ops {unknown}; the space's ops are {sorted(known)}")
    mask = torch.tensor([[op < len(ops) and ops[op] not in exclude_ops for op in range(graph.max_ops)]
                         for ops in graph.ops_per_edge])
    emptied = [edge for edge in range(graph.num_edges) if not mask[edge].any()]
    if emptied:
        raise ConfigError(f"{setting}={list(exclude_ops)} leaves edges {emptied} without any op")
    return mask
