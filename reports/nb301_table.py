"""NAS-Bench-301's predicted CIFAR-10 accuracy of the searched architectures (spaces/darts/nb301_oracle.py).

One row per search setting on a space NB301 can score (the DARTS cell with DARTS ops: darts, darts-s1..s3,
amended-s1): mean ± std (ddof=0) over seeds of the prediction for the architecture each seed returns, and of
each seed's best prediction over its epochs (what an oracle-picked epoch would give: a ceiling, not a
result a search could report). The surrogate predicts CIFAR-10 accuracy under its own training protocol,
whatever dataset the search ran on.
"""

from __future__ import annotations

from typing import Any

from reports.dataset_names import display
from reports.settings import Setting
from reports.table import Column, Stat, Table
from spaces.darts.nb301_oracle import COLUMN, DATASET
from spaces.registry import get_space

KEY = "darts-nb301"
NB301 = "nb301"


def nb301_settings(settings: list[Setting]) -> list[Setting]:
    return [s for s in settings if get_space(s.space).oracle_benchmark == NB301]


def nb301_table(settings: list[Setting], store_of) -> tuple[Table | None, list[str]]:
    """(table, report notes); `store_of(space)` is where the space's NB301 store would be."""
    scorable = nb301_settings(settings)
    notes = _unscorable_notes(settings)
    if not scorable:
        return None, notes
    columns = [Column("Method"), Column("space"), Column("search dataset"), Column("seeds", "int"),
               Column("NB301, returned arch", "stat"), Column("NB301, best epoch", "stat")]
    table = Table(KEY, "DARTS spaces: NAS-Bench-301 predicted CIFAR-10 accuracy (%) of the searched architectures",
                  columns)
    unscored: dict[str, int] = {}
    for setting in scorable:
        returned = [_prediction(run.final) for run in setting.runs]
        best = [_best_prediction(run.rows) for run in setting.runs]
        scored_returned = [value for value in returned if value is not None]
        scored_best = [value for value in best if value is not None]
        if len(scored_returned) < setting.seeds:
            unscored[setting.space] = unscored.get(setting.space, 0) + setting.seeds - len(scored_returned)
        table.add([setting.label, setting.space, display(setting.dataset), len(scored_returned),
                   Stat.over_seeds(scored_returned) if scored_returned else None,
                   Stat.over_seeds(scored_best) if scored_best else None])
    table.notes.append("NB301, returned arch: the surrogate's prediction for the architecture each seed returns "
                       "(--select); best epoch: each seed's highest prediction over its epochs, an oracle's pick "
                       "(an upper bound, not a search result). Mean ± std (ddof=0) over the seeds that have one "
                       "(seeds column). Predictions, not trained accuracies.")
    for space, count in sorted(unscored.items()):
        notes.append(f"{count} run(s) on {space} have no NAS-Bench-301 prediction: they were searched without the "
                     f"nb301 store and there is none at {store_of(space)} to fill them now; import it with "
                     f"`harness data import nb301 --from PATH` (data/README.md) and report again.")
    return table, notes


def _prediction(row: dict[str, Any]) -> float | None:
    return row.get("accuracy", {}).get(DATASET, {}).get(COLUMN)


def _best_prediction(rows: list[dict[str, Any]]) -> float | None:
    values = [value for value in map(_prediction, rows) if value is not None]
    return max(values) if values else None


def _unscorable_notes(settings: list[Setting]) -> list[str]:
    """Why the spaces NB301 cannot score have no prediction (e.g. darts-s4's noise op)."""
    spaces = sorted({s.space for s in settings if get_space(s.space).oracle_benchmark is None})
    return [f"No NAS-Bench-301 prediction for {space}: {get_space(space).no_oracle_reason}." for space in spaces]
