"""A derived cell as a graph to draw: its nodes and its labelled edges (issue 9 §6, derived-cell drawings).

Every space's Architecture gives `derived_cells()`, one DerivedCell per cell type, so the report draws
any space's cells with one piece of code: nodes in drawing order (inputs first, output last), each with
its label, and edges (from node, to node, op). An op of "" is a plain connection: DARTS' concatenation
of the intermediate nodes into the cell output, the chosen inputs of a NAS-Bench-1Shot1 node (whose op
sits on the node, so it is the node's label).
"""

from __future__ import annotations

from dataclasses import dataclass

PLAIN = ""  # the op of an edge that only connects


@dataclass(frozen=True)
class DerivedCell:
    cell_type: str
    nodes: tuple[tuple[int, str], ...]  # (node, label), in drawing order
    edges: tuple[tuple[int, int, str], ...]  # (from node, to node, op); op PLAIN for a plain connection

    def __post_init__(self):
        known = {node for node, _ in self.nodes}
        stray = [edge for edge in self.edges if edge[0] not in known or edge[1] not in known]
        if stray:
            raise ValueError(f"cell {self.cell_type}: edges {stray} name nodes the cell does not have")

    @property
    def op_edges(self) -> tuple[tuple[int, int, str], ...]:
        """The edges that carry an op (DARTS: two per intermediate node; NB201: all six)."""
        return tuple(edge for edge in self.edges if edge[2] != PLAIN)
