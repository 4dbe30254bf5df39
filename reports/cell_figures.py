"""The derived cells of a run's returned architecture, one panel per cell type (issue 9 §6).

The drawing comes from the space: `space.parse(arch).derived_cells()` (spaces/derived_cell.py) and the
op roles of its Decisions; nothing here knows a space by name. Files go to derived_cells/ under the
figures directory, one per run, named by space, dataset, method, config hash and seed.
"""

from __future__ import annotations

import textwrap

from matplotlib import colormaps
from matplotlib.figure import Figure

from reports.cell_drawing import SPACING, draw_cell
from reports.dataset_names import display
from reports.loading import LoadedRun
from reports.run_space import decisions_of
from spaces.registry import get_space

DIRECTORY = "derived_cells"
MAX_COLUMNS = 2  # DARTS' normal and reduction cell side by side; a type per cell wraps into rows
TITLE_WIDTH = 110  # characters per line of the architecture text under the title


def cell_figure_name(run: LoadedRun) -> str:
    config = run.config
    return f"{DIRECTORY}/{config['space']}_{config['dataset']}_{config['method']}_{run.config_hash}_seed-{run.seed}"


def cell_figure(label: str, run: LoadedRun) -> tuple[Figure | None, list[str]]:
    if not run.rows:
        return None, [f"derived cells of {run.path} not drawn: the run has no epoch rows"]
    row = run.final
    cells = get_space(run.config["space"]).parse(row["arch"]).derived_cells()
    decisions = decisions_of(run)
    names = decisions.op_names()
    palette = colormaps["tab10" if len(names) <= 10 else "tab20"]

    def colour_of(op: str):
        return palette(names.index(op) % palette.N) if op in names else "0.2"

    columns = min(len(cells), MAX_COLUMNS)
    rows = -(-len(cells) // columns)
    width = max(len(cell.nodes) for cell in cells) * SPACING * 0.9 + 1.0
    figure = Figure(figsize=(width * columns, 2.6 * rows + 0.9), layout="constrained")
    grid = iter(figure.subplots(rows, columns, squeeze=False).flat)
    for cell in cells:
        ax = next(grid)
        draw_cell(ax, cell, colour_of, decisions.roles.zero)
        ax.set_title(f"{cell.cell_type} cell" if len(cells) > 1 else "cell", fontsize="medium")
    for unused in grid:
        unused.remove()
    arch = "\n".join(textwrap.wrap(row["arch"], TITLE_WIDTH))
    figure.suptitle(f"{label}, seed {run.seed}, search on {display(run.config['dataset'])} ({run.config['space']}), "
                    f"epoch {row['epoch']}\n{arch}", fontsize="small")
    return figure, []
