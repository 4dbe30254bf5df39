"""One derived cell (spaces/derived_cell.py) drawn into a matplotlib Axes, with matplotlib only (no graphviz).

Nodes sit on one line in the cell's order (inputs left, output right); an edge between neighbours is
straight, a longer one an arc, alternately above and below the line so that arcs of one span do not
cover each other; each op edge is labelled with its op at the arc's apex and coloured by op.
"""

from __future__ import annotations

from matplotlib.patches import FancyArrowPatch

from spaces.derived_cell import DerivedCell

SPACING = 1.6  # between neighbouring nodes, in data units (the axes keep an equal aspect)
ARC = 0.32  # arc3 curvature of an edge spanning two or more gaps
NODE_GAP_POINTS = 16  # arrows stop short of the node boxes


def edge_geometry(index: int, source: float, target: float) -> tuple[float, float]:
    """(arc3 rad, label height) of the index-th edge from x=source to x=target on the line y=0.

    arc3 bends towards -rad * (target - source) in y (matplotlib ConnectionStyle.Arc3: the control point
    is the midpoint shifted by rad * (dy, -dx)); the curve's apex is half way to the control point."""
    if abs(target - source) <= SPACING * 1.01:
        return 0.0, 0.12
    rad = ARC if index % 2 else -ARC
    return rad, -rad * (target - source) / 2


def draw_cell(ax, cell: DerivedCell, colour_of, zero_op: str | None) -> None:
    """`colour_of(op)`: the op's colour; edges of `zero_op` (the space's op that outputs zeros) are faint."""
    x_of = {node: SPACING * position for position, (node, _) in enumerate(cell.nodes)}
    heights = [0.3]
    long_edges = 0
    for source, target, op in cell.edges:
        x0, x1 = x_of[source], x_of[target]
        long_edge = abs(x1 - x0) > SPACING * 1.01
        rad, height = edge_geometry(long_edges, x0, x1)
        long_edges += long_edge
        zero = op == zero_op
        colour = "0.65" if zero else (colour_of(op) if op else "0.2")
        ax.add_patch(FancyArrowPatch((x0, 0), (x1, 0), connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>",
                                     mutation_scale=10, color=colour, linewidth=0.8 if zero or not op else 1.5,
                                     linestyle=":" if zero else "-", shrinkA=NODE_GAP_POINTS,
                                     shrinkB=NODE_GAP_POINTS))
        if op:
            ax.text((x0 + x1) / 2, height, op, ha="center", va="center", fontsize="x-small", color=colour,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
        heights.append(abs(height))
    for node, label in cell.nodes:
        ax.text(x_of[node], 0, label, ha="center", va="center", fontsize="small",
                bbox={"boxstyle": "round,pad=0.35", "facecolor": "#e8eef7", "edgecolor": "0.3"})
    top = max(heights) + 0.35
    ax.set_xlim(-0.8, SPACING * (len(cell.nodes) - 1) + 0.8)
    ax.set_ylim(-top, top)
    ax.set_aspect("equal")
    ax.set_axis_off()
