"""Figures of a report, each written as PNG and PDF (matplotlib, no pyplot: no global backend state).

Curves over search epochs, one panel per (space, search dataset) present (and per cell type where a
figure has one), at most 3 panels a row, mean over seeds with a 95% confidence band (GAEA Figure 4,
Lambda-DARTS Figure 1), and thin lines for the single seeds of a setting with 2 to 4 of them when a
panel holds at most 4 settings:
  oracle_test_accuracy, oracle_test_regret  test column of the search dataset (CIFAR-10 for transfer)
  entropy                                   mean entropy of the architecture weights per edge
  layer_alignment                           Lambda-DARTS' Lambda (whichever row key the runs record)
  skip_count                                skip-connections in the derived architecture (every cell type)
  hessian_eigenvalue                        RobustDARTS' collapse indicator, when the runs recorded it
and the figures only some spaces have (reports/extra_curves.py: extra oracle columns such as NB301's,
skip-connections per cell type, the 1Shot1 regret figure with reference levels); `arch_weights`: one
run and cell type per row of panels, one panel per op choice, a line per op (DARTS-PRIME Figure 1);
derived_cells/: each run's returned cells (reports/cell_figures.py). A figure whose quantity no run
records is not drawn; the result says so. Colours are per method, line styles per setting of a method.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from tqdm import tqdm

from harness.atomic import write_bytes
from reports.cell_figures import cell_figure, cell_figure_name
from reports.curve_kind import CurveKind, single
from reports.curves import Quantity, seed_curve
from reports.dataset_names import display
from reports.extra_curves import oracle_column_kinds, regret_reference_kind, skip_per_cell_type_kind
from reports.loading import LoadedRun
from reports.run_space import decisions_of, max_choices
from reports.settings import Setting
from spaces.base import weights_from_record

# Row keys of Lambda-DARTS' layer alignment, in order of preference: a per-epoch diagnostic for any
# method, then what the Lambda regulariser itself records (methods/components/lambda_regularizer.py).
LAMBDA_KEYS = ("layer_alignment", "inner_reg_alignment")
FORMATS = ("png", "pdf")
LINE_STYLES = ("-", "--", ":", "-.")
PANEL_SIZE = (4.8, 3.4)
# Our choice: with few seeds the t band is wide (n=2: t=12.7) and tells less than the seeds themselves;
# past 4 seeds, or past 4 settings in a panel, their lines clutter it.
SEED_LINES_UP_TO = 4
SEED_LINES_MAX_SETTINGS = 4
BAND_ALPHA = 0.15
MAX_PANEL_COLUMNS = 3  # wider grids shrink every panel below readability
REFERENCE_STYLES = (":", "--", "-.")


@dataclass
class FigureResult:
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _oracle_column(table: str):
    """The oracle's test column of the search dataset (CIFAR-10 for transfer searches), where rows have it."""

    def quantity(setting: Setting) -> Quantity | None:
        dataset = setting.dataset
        return lambda row: row.get(table, {}).get(dataset, {}).get("test")

    return single(quantity)


def _row_key(key: str):
    return single(lambda setting: (lambda row: row.get(key)))


def curve_kinds(settings: list[Setting]) -> list[CurveKind]:
    recorded = {key for s in settings for run in s.runs for row in run.rows for key in row}
    alignment = next((key for key in LAMBDA_KEYS if key in recorded), LAMBDA_KEYS[0])
    oracle = "oracle test columns of its search dataset"
    kinds = [
        CurveKind("oracle_test_accuracy", "oracle test accuracy (%)", _oracle_column("accuracy"), oracle, (0, 100)),
        CurveKind("oracle_test_regret", "oracle test regret (%)", _oracle_column("regret"), oracle, (0, 100)),
        CurveKind("entropy", "entropy of the architecture weights", _row_key("entropy"), "entropy", (0, None)),
        CurveKind("layer_alignment", f"layer alignment Lambda ({alignment})", _row_key(alignment),
                  " or ".join(LAMBDA_KEYS), (-1, 1)),
        CurveKind("skip_count", "skip-connections in the derived cell(s)", _row_key("skip_count"), "skip_count",
                  (0, max_choices(settings))),
        CurveKind("hessian_eigenvalue", "dominant Hessian eigenvalue of L_val", _row_key("hessian_eigenvalue"),
                  "hessian_eigenvalue (diagnostics.hessian_every > 0)"),
        *oracle_column_kinds(settings),
        skip_per_cell_type_kind(settings),
        regret_reference_kind(settings),
    ]
    return [kind for kind in kinds if kind is not None]  # None: a kind no space of the report has


def draw_figures(settings: list[Setting], out_dir: Path, weight_runs: list[tuple[str, LoadedRun]] | None = None,
                 show_progress: bool = True) -> FigureResult:
    """Every figure into `out_dir`. `weight_runs` (label, run) for the weights figure; default the
    first seed of each setting."""
    result = FigureResult()
    styles = line_styles(settings)
    if weight_runs is None:
        weight_runs = [(s.label, s.runs[0]) for s in settings]
    jobs = [(kind.name, lambda kind=kind: curve_figure(kind, settings, styles)) for kind in curve_kinds(settings)]
    jobs.append(("arch_weights", lambda: weights_figure(weight_runs)))
    jobs += [(cell_figure_name(run), lambda s=s, run=run: cell_figure(s.label, run)) for s in settings for run in s.runs]
    for name, draw in tqdm(jobs, desc="drawing figures", unit="figure", disable=not show_progress, leave=False):
        figure, notes = draw()
        result.notes += notes
        if figure is not None:
            result.written += save(figure, out_dir / name)
    return result


def line_styles(settings: list[Setting]) -> dict[int, tuple[Any, str]]:
    """id(setting) -> (colour, line style): a colour per method, a line style per label of it, so the
    same setting searched on several datasets looks the same in every panel and in the one legend."""
    methods = sorted({s.method for s in settings})
    palette = colormaps["tab10" if len(methods) <= 10 else "tab20"]
    labels_of: dict[str, list[str]] = {}
    styles = {}
    for setting in settings:
        labels = labels_of.setdefault(setting.method, [])
        if setting.label not in labels:
            labels.append(setting.label)
        style = LINE_STYLES[labels.index(setting.label) % len(LINE_STYLES)]
        styles[id(setting)] = (palette(methods.index(setting.method) % palette.N), style)
    return styles


def curve_figure(kind: CurveKind, settings: list[Setting], styles) -> tuple[Figure | None, list[str]]:
    """One panel per (space, search dataset, part of the kind), a line per setting that has the quantity."""
    panels: dict[tuple[str, str, str], list[tuple[Setting, Any]]] = {}
    for setting in settings:
        for part, quantity in kind.parts(setting).items():
            curve = seed_curve(setting.runs, quantity, kind.band)
            if curve is not None:
                panels.setdefault((setting.space, setting.dataset, part), []).append((setting, curve))
    if not panels:
        return None, [f"figure {kind.name} not drawn: no run records {kind.recorded_as}"]
    several_spaces = len({space for space, _, _ in panels}) > 1
    columns = min(len(panels), MAX_PANEL_COLUMNS)
    rows = -(-len(panels) // columns)
    figure = Figure(figsize=(PANEL_SIZE[0] * columns + 3.2, PANEL_SIZE[1] * rows + (0.4 if kind.title else 0)),
                    layout="constrained")
    grid = iter(figure.subplots(rows, columns, squeeze=False).flat)
    axes = [next(grid) for _ in panels]
    for unused in grid:
        unused.remove()  # a grid's last row may be short: its empty places are no panels
    legend: dict[str, Any] = {}
    for ax, ((space, dataset, part), curves) in zip(axes, panels.items()):
        seed_lines = len(curves) <= SEED_LINES_MAX_SETTINGS
        for setting, curve in curves:
            _draw_curve(ax, kind, setting, curve, styles[id(setting)], seed_lines, legend)
        if kind.references is not None:
            _draw_references(ax, kind.references(curves[0][0]), legend)
        where = ", ".join(item for item in (space if several_spaces else "", f"search on {display(dataset)}", part)
                          if item)
        ax.set_title(f"{where}: {kind.band_text}"
                     + (f"\n(thin lines: single seeds, for {SEED_LINES_UP_TO} seeds or fewer)" if seed_lines else ""),
                     fontsize="medium")
        ax.set_xlabel("search epoch")
        ax.set_ylabel(kind.ylabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    if kind.title:
        spaces = sorted({space for space, _, _ in panels})
        figure.suptitle(kind.title + ("" if several_spaces else f" ({spaces[0]})"))
    # below the panels when the figure has a title: at the upper right the legend would run into it
    figure.legend(list(legend.values()), list(legend), loc="outside lower center" if kind.title else
                  "outside right upper", fontsize="small", ncols=2 if kind.title else 1)
    return figure, list(kind.notes)


def _draw_curve(ax, kind: CurveKind, setting: Setting, curve, style, seed_lines: bool, legend: dict) -> None:
    colour, line_style = style
    label = f"{setting.label} (n={setting.seeds})"
    legend[label] = ax.plot(curve.epochs, curve.mean, color=colour, linestyle=line_style, linewidth=1.6)[0]
    seeds_drawn = seed_lines and 2 <= len(curve.per_seed) <= SEED_LINES_UP_TO
    if seeds_drawn:
        for epochs, values in curve.per_seed:
            ax.plot(epochs, values, color=colour, linestyle=line_style, linewidth=0.7, alpha=0.45)
    if len(curve.band_epochs):
        low, high = np.clip(curve.low, *kind.bounds), np.clip(curve.high, *kind.bounds)
        # Fainter beside the seeds: a few-seed band spans most of the axis and would hide them.
        alpha = BAND_ALPHA / 3 if seeds_drawn else BAND_ALPHA
        ax.fill_between(curve.band_epochs, low, high, color=colour, alpha=alpha, linewidth=0)


def _draw_references(ax, lines: list[tuple[str, float]], legend: dict) -> None:
    """Horizontal reference levels, grey, a dash pattern per label; the axis is widened to show them."""
    for index, (label, level) in enumerate(lines):
        legend[label] = ax.axhline(level, color="0.3", linewidth=1.2, label=label,
                                   linestyle=REFERENCE_STYLES[index % len(REFERENCE_STYLES)])
    if lines:
        low, high = ax.get_ylim()
        levels = [level for _, level in lines]
        margin = 0.05 * (max(high, *levels) - min(low, *levels))
        ax.set_ylim(min(low, min(levels) - margin), max(high, max(levels) + margin))


def weights_figure(runs: list[tuple[str, LoadedRun]]) -> tuple[Figure | None, list[str]]:
    """One row of panels per (run, cell type), one panel per op choice, a line per candidate op."""
    drawable, notes = [], []
    for label, run in runs:
        decisions = decisions_of(run)
        per_row = [weights_from_record(decisions, row.get("arch_weights")) for row in run.rows]
        if run.rows and all(weights is not None for weights in per_row):
            for t, cell_type in enumerate(decisions.cell_types):
                drawable.append((label, run, decisions, t, [weights[cell_type.name] for weights in per_row]))
        else:
            notes.append(f"architecture weights of {run.path} not drawn: its rows lack the arch_weights of its "
                         f"space's cell types")
    if not drawable:
        return None, notes + ["figure arch_weights not drawn: no run records architecture weights"]
    columns = max(d.num_choices for _, _, d, _, _ in drawable)
    figure = Figure(figsize=(2.6 * columns, 2.2 * len(drawable) + 1.0), layout="constrained")
    axes = figure.subplots(len(drawable), columns, squeeze=False, sharex=True, sharey="row")
    names = list(dict.fromkeys(op for _, _, d, _, _ in drawable for op in d.op_names()))
    op_colours = colormaps["tab10" if len(names) <= 10 else "tab20"]
    for row_axes, (label, run, decisions, t, weights) in zip(axes, drawable):
        epochs = [row["epoch"] for row in run.rows]
        for choice, ax in enumerate(row_axes):
            if choice >= decisions.num_choices:
                ax.set_visible(False)
                continue
            for slot, name in enumerate(decisions.ops_of(t, choice)):
                ax.plot(epochs, [per_epoch[choice][slot] for per_epoch in weights],
                        color=op_colours(names.index(name) % op_colours.N), linewidth=1.4, label=name)
            ax.set_title(_anchor_text(decisions.choices[choice]), fontsize="medium")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(alpha=0.3)
        cell_type = decisions.cell_types[t].name
        type_text = f", {cell_type} cell" if decisions.num_types > 1 else ""
        row_axes[0].set_ylabel(f"{label}\nseed {run.seed}, {display(run.config['dataset'])}{type_text}",
                               fontsize="small")
    for ax in axes[-1]:
        ax.set_xlabel("search epoch")
    handles = {}
    for ax in axes.flat:
        for handle, name in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(name, handle)
    figure.legend(list(handles.values()), list(handles), loc="outside lower center", ncols=min(len(handles), 8),
                  fontsize="medium")
    figure.suptitle("architecture weights of each op choice over the search (one run and cell type per row)")
    return figure, notes


def _anchor_text(choice) -> str:
    if choice.anchor == "edge":
        source, target = choice.at
        return f"edge {source}→{target}"
    return f"node {choice.at}"


def save(figure: Figure, stem: Path) -> list[Path]:
    written = []
    for fmt in FORMATS:
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, dpi=150)  # constrained layout already fits legends and labels
        path = stem.with_suffix(f".{fmt}")
        write_bytes(path, buffer.getvalue())
        written.append(path)
    return written
