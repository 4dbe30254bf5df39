"""The candidate edges of a 1Shot1 cell, as the one-shot model wires them (and as Decisions lists them).

Every node j = 1..output may take input from every earlier node 0..j-1 (search_space.py
`get_configuration_space`), so the one-shot cell holds all those edges at once. Edge order:
by target node, then by source -- (0,1), (0,2), (1,2), (0,3), ... , (blocks, output) -- so each
node's candidates are contiguous and in the order of the repository's input-weight vectors
(optimizers/darts/model_search.py: `alphas_inputs[j]` and `alphas_output` index their candidates
by source node, 0 = the cell input).

A node is *weighted* when it has a real choice of parents (`OneShotSpace.scored_nodes`). The
repository multiplies only those nodes' inputs by weights: model_search.py `Cell.forward` passes
`input_weight = None` to choice block 1 and, in space 1, to block 2, whose inputs are all
parents, and their inputs are summed unweighted.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from spaces.nb1shot1.spaces import OneShotSpace


@dataclass(frozen=True)
class CellGraph:
    space: OneShotSpace

    @cached_property
    def edges(self) -> tuple[tuple[int, int], ...]:
        return tuple((source, node) for node in self.space.nodes for source in self.space.candidates(node))

    def edge_index(self, source: int, target: int) -> int:
        return self.edges.index((source, target))

    def incoming(self, node: int) -> tuple[int, ...]:
        """Indices into `edges` of the node's candidate edges, in source order."""
        return tuple(e for e, (_, target) in enumerate(self.edges) if target == node)

    def weighted(self, node: int) -> bool:
        return node in self.space.scored_nodes
