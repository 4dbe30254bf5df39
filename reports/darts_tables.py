"""The DARTS-space CIFAR tables of the seed papers (Lambda-DARTS Tables 2 / 11, DARTS-PRIME Table 1, PR-DARTS
Table 1, Amended-DARTS Table 1, GAEA Tables 1 / 4), one builder for all: a row per (method, dataset).

Each table keeps its paper's quantity (test error, or Lambda-DARTS' test accuracy), so published numbers
stay quotes. A measured row is a search setting on one of the table's spaces and datasets, per evaluation
protocol: mean ± std (ddof=0) over the search seeds whose returned architecture was trained on the search
dataset (each seed the mean over its training seeds), the evaluation network's parameters likewise, and the
search cost as measured: wall-clock seconds of the search loop per seed and the device it ran on. GPU-days
are the papers' unit on their GPUs; seconds on another device are not converted into them.
"""

from __future__ import annotations

from reports.dataset_names import display
from reports.published_darts import PaperTable, PublishedResult
from reports.settings import Setting
from reports.table import PUBLISHED, Column, Stat, Table
from reports.trained_results import EvaluationIndex, TrainedResult, evaluate_hint

METRIC_NAMES = {"error": "test error (%)", "accuracy": "test accuracy (%)"}
COST_NOTE = ("search (s): wall-clock seconds of the search loop per seed, mean ± std over the setting's seeds; "
             "device: where the searches ran (config.json provenance). search cost (GPU-days): the paper's.")
SEEDS_NOTE = ("seeds: search seeds whose returned architecture was trained on the dataset, of the setting's "
              "seeds; the statistic is over those seeds, each the mean over its training seeds.")


def paper_table(spec: PaperTable, settings: list[Setting], index: EvaluationIndex, selection: str) -> Table | None:
    measured = [s for s in settings if s.space in spec.spaces and s.dataset in spec.datasets]
    if not measured:
        return None
    columns = [Column("Method"), Column("source"), Column("space"), Column("dataset"), Column("protocol"),
               Column("seeds"), Column(METRIC_NAMES[spec.metric], "stat"), Column("params (M)", "stat"),
               Column("search cost (GPU-days)", "value"), Column("search (s)", "stat", 1), Column("device")]
    table = Table(spec.key, spec.title, columns)
    missing: list[str] = []
    for dataset in spec.datasets:
        for row in spec.rows:
            if row.dataset == dataset:
                table.add(_published_cells(row), PUBLISHED)
        for setting in measured:
            if setting.dataset == dataset:
                _add_measured(table, spec, setting, index, selection, missing)
    table.notes += [f"Measured rows: the architecture each search seed returns (--select {selection}), trained "
                    f"from scratch on the search dataset (`harness evaluate`), {METRIC_NAMES[spec.metric]} mean ± "
                    f"std (ddof=0) over search seeds, one row per protocol (protocol, preset, config hash).",
                    SEEDS_NOTE, COST_NOTE, spec.cost_note,
                    f"Published rows are quoted from {spec.citation} (sources column); they are references, not "
                    f"measured here, and enter no statistic. —: the paper gives no value, or nothing is measured."]
    table.notes += missing
    return table


def _published_cells(row: PublishedResult) -> list:
    return [row.method, f"published: {row.source}", row.space, display(row.dataset), None, None, Stat(*row.metric),
            None if row.params is None else Stat(*row.params), row.gpu_days, None, None]


def _add_measured(table: Table, spec: PaperTable, setting: Setting, index: EvaluationIndex, selection: str,
                  missing: list[str]) -> None:
    per_protocol: dict[str, list[TrainedResult]] = {}
    for run in setting.runs:
        for protocol, result in index.results(setting.space, run, setting.dataset).items():
            per_protocol.setdefault(protocol, []).append(result)
    seconds = setting.search_seconds
    cost = [Stat.over_seeds(seconds) if seconds else None, _devices(setting)]
    lead = [setting.label, "measured", setting.space, display(setting.dataset)]
    if not per_protocol:
        table.add(lead + [None, f"0 of {setting.seeds}", None, None, None] + cost)
        run_root = setting.runs[0].path.parent  # the config-hash directory holding the seeds
        missing.append(f"{setting.label} ({setting.space}, {display(setting.dataset)}): no architecture of its "
                       f"{setting.seeds} seeds is trained yet; run {evaluate_hint(run_root, setting.dataset, selection)}.")
        return
    for protocol, results in sorted(per_protocol.items()):
        values = [r.test_error if spec.metric == "error" else r.test_acc for r in results]
        table.add(lead + [protocol, f"{len(results)} of {setting.seeds}", Stat.over_seeds(values),
                          Stat.over_seeds([r.params_mb for r in results]), None] + cost)


def _devices(setting: Setting) -> str | None:
    """The devices the setting's seeds searched on, as config.json's provenance names them."""
    names = set()
    for run in setting.runs:
        device = run.provenance.get("device")
        if device is not None:
            detail = run.provenance.get("device_name")
            names.add(f"{device} ({detail})" if detail else device)
    return ", ".join(sorted(names)) or None
