"""What every search space offers (DESIGN.md, "Search space")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import torch
from torch import nn


@dataclass(frozen=True)
class CellGraph:
    """Edges (source, target) of a cell and the candidate op names on each edge."""

    edges: tuple[tuple[int, int], ...]
    ops_per_edge: tuple[tuple[str, ...], ...]

    @property
    def num_edges(self) -> int:
        return len(self.edges)

    @property
    def max_ops(self) -> int:
        return max(len(ops) for ops in self.ops_per_edge)


class SearchSpace(Protocol):
    name: str
    graph: CellGraph

    def supernet_defaults(self) -> dict[str, Any]: ...

    def supernet(self, config: dict[str, Any], num_classes: int, generator: torch.Generator) -> nn.Module: ...

    def num_cells(self, config: dict[str, Any]) -> int: ...

    def parse(self, text: str) -> Any: ...

    def derive(self, edge_weights: torch.Tensor, allowed: torch.Tensor | None = None) -> Any: ...
