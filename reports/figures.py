"""Figures of a report, each written as PNG and PDF (matplotlib, no pyplot: no global backend state).

Curves over search epochs, one panel per search dataset, mean over seeds with a
95% confidence band (GAEA Figure 4, Lambda-DARTS Figure 1), and thin lines for the
single seeds of a setting with 2 to 4 of them when a panel holds at most 4 settings:
  oracle_test_accuracy, oracle_test_regret  test column of the search dataset (CIFAR-10 for transfer)
  entropy                                   mean entropy of the architecture weights per edge
  layer_alignment                           Lambda-DARTS' Lambda (whichever row key the runs record)
  skip_count                                skip-connections in the derived architecture
  hessian_eigenvalue                        RobustDARTS' collapse indicator, when the runs recorded it
and `arch_weights`: one run per row of panels, one panel per edge, a line per op
(DARTS-PRIME Figure 1). A figure whose quantity no run records is not drawn;
the result says so. Colours are per method, line styles per setting of a method.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from tqdm import tqdm

from harness.atomic import write_bytes
from reports.curves import Quantity, seed_curve
from reports.dataset_names import PAPER_DATASETS, display
from reports.loading import LoadedRun
from reports.settings import Setting
from spaces.nb201.encoding import EDGES, OPS

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


@dataclass
class FigureResult:
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CurveKind:
    name: str
    ylabel: str
    quantity: Callable[[Setting], Quantity | None]  # None: this setting has no such curve
    recorded_as: str  # what a run must record for this figure, for the "not drawn" note
    # The quantity's range: a t band of few seeds reaches far past it (n=2: t=12.7), and a band
    # outside what the quantity can take says nothing, so bands are clipped to it.
    bounds: tuple[float | None, float | None] = (None, None)


def oracle_dataset(setting: Setting) -> str | None:
    """The dataset whose oracle column tracks a search: its own (CIFAR-10 for transfer); None for svhn."""
    return setting.dataset if setting.dataset in PAPER_DATASETS else None


def _oracle_column(table: str):
    def quantity(setting: Setting) -> Quantity | None:
        dataset = oracle_dataset(setting)
        if dataset is None:
            return None
        return lambda row: row[table][dataset]["test"] if table in row else None

    return quantity


def _row_key(key: str):
    return lambda setting: (lambda row: row.get(key))


def curve_kinds(settings: list[Setting]) -> list[CurveKind]:
    recorded = {key for s in settings for run in s.runs for row in run.rows for key in row}
    alignment = next((key for key in LAMBDA_KEYS if key in recorded), LAMBDA_KEYS[0])
    oracle = "oracle columns of a search on " + ", ".join(display(d) for d in PAPER_DATASETS)
    return [
        CurveKind("oracle_test_accuracy", "oracle test accuracy (%)", _oracle_column("accuracy"), oracle, (0, 100)),
        CurveKind("oracle_test_regret", "oracle test regret (%)", _oracle_column("regret"), oracle, (0, 100)),
        CurveKind("entropy", "entropy of the architecture weights", _row_key("entropy"), "entropy", (0, None)),
        CurveKind("layer_alignment", f"layer alignment Lambda ({alignment})", _row_key(alignment),
                  " or ".join(LAMBDA_KEYS), (-1, 1)),
        CurveKind("skip_count", "skip-connections in the derived cell", _row_key("skip_count"), "skip_count",
                  (0, len(EDGES))),
        CurveKind("hessian_eigenvalue", "dominant Hessian eigenvalue of L_val", _row_key("hessian_eigenvalue"),
                  "hessian_eigenvalue (diagnostics.hessian_every > 0)"),
    ]


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
    panels: dict[str, list[tuple[Setting, Any]]] = {}
    for setting in settings:
        quantity = kind.quantity(setting)
        curve = seed_curve(setting.runs, quantity) if quantity is not None else None
        if curve is not None:
            panels.setdefault(setting.dataset, []).append((setting, curve))
    if not panels:
        return None, [f"figure {kind.name} not drawn: no run records {kind.recorded_as}"]
    figure = Figure(figsize=(PANEL_SIZE[0] * len(panels) + 3.2, PANEL_SIZE[1]), layout="constrained")
    axes = figure.subplots(1, len(panels), squeeze=False)[0]
    legend: dict[str, Any] = {}
    for ax, (dataset, curves) in zip(axes, panels.items()):
        seed_lines = len(curves) <= SEED_LINES_MAX_SETTINGS
        for setting, curve in curves:
            colour, style = styles[id(setting)]
            label = f"{setting.label} (n={setting.seeds})"
            legend[label] = ax.plot(curve.epochs, curve.mean, color=colour, linestyle=style, linewidth=1.6)[0]
            seeds_drawn = seed_lines and 2 <= len(curve.per_seed) <= SEED_LINES_UP_TO
            if seeds_drawn:
                for epochs, values in curve.per_seed:
                    ax.plot(epochs, values, color=colour, linestyle=style, linewidth=0.7, alpha=0.45)
            if len(curve.band_epochs):
                low, high = np.clip(curve.low, *kind.bounds), np.clip(curve.high, *kind.bounds)
                # Fainter beside the seeds: a few-seed band spans most of the axis and would hide them.
                alpha = BAND_ALPHA / 3 if seeds_drawn else BAND_ALPHA
                ax.fill_between(curve.band_epochs, low, high, color=colour, alpha=alpha, linewidth=0)
        ax.set_title(f"search on {display(dataset)}: mean over seeds, 95% band"
                     + (f"\n(thin lines: single seeds, for {SEED_LINES_UP_TO} seeds or fewer)" if seed_lines else ""),
                     fontsize="medium")
        ax.set_xlabel("search epoch")
        ax.set_ylabel(kind.ylabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    figure.legend(list(legend.values()), list(legend), loc="outside right upper", fontsize="small")
    return figure, []


def weights_figure(runs: list[tuple[str, LoadedRun]]) -> tuple[Figure | None, list[str]]:
    drawable, notes = [], []
    for label, run in runs:
        if all(_is_nb201_weights(row.get("arch_weights")) for row in run.rows) and run.rows:
            drawable.append((label, run))
        else:
            notes.append(f"architecture weights of {run.path} not drawn: its rows lack [{len(EDGES)}][{len(OPS)}] "
                         f"arch_weights")
    if not drawable:
        return None, notes + ["figure arch_weights not drawn: no run records architecture weights"]
    figure = Figure(figsize=(2.6 * len(EDGES), 2.2 * len(drawable) + 1.0), layout="constrained")
    axes = figure.subplots(len(drawable), len(EDGES), squeeze=False, sharex=True, sharey="row")
    op_colours = colormaps["tab10"]
    for row_axes, (label, run) in zip(axes, drawable):
        epochs = [row["epoch"] for row in run.rows]
        for edge, ax in enumerate(row_axes):
            for op, name in enumerate(OPS):
                ax.plot(epochs, [row["arch_weights"][edge][op] for row in run.rows], color=op_colours(op),
                        linewidth=1.4, label=name)
            source, target = EDGES[edge]
            ax.set_title(f"edge {source}→{target}", fontsize="medium")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(alpha=0.3)
        row_axes[0].set_ylabel(f"{label}\nseed {run.seed}, {display(run.config['dataset'])}", fontsize="small")
    for ax in axes[-1]:
        ax.set_xlabel("search epoch")
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=len(OPS), fontsize="medium")
    figure.suptitle("architecture weights of each edge over the search (one run per row)")
    return figure, notes


def save(figure: Figure, stem: Path) -> list[Path]:
    written = []
    for fmt in FORMATS:
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, dpi=150)  # constrained layout already fits legends and labels
        path = stem.with_suffix(f".{fmt}")
        write_bytes(path, buffer.getvalue())
        written.append(path)
    return written


def _is_nb201_weights(weights) -> bool:
    return (isinstance(weights, list) and len(weights) == len(EDGES)
            and all(isinstance(edge, list) and len(edge) == len(OPS) for edge in weights))
