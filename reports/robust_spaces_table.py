"""Lambda-DARTS Table 3: test error (%) on RobustDARTS' reduced spaces S1-S4 x CIFAR-10 / CIFAR-100 / SVHN.

Rows are (space, method): the paper's methods quoted from its Table 3, then the measured settings. A
measured cell is one number, as in the paper: of a setting's search seeds, the one with the highest supernet
validation accuracy (trained_results.best_by_validation), trained from scratch on the search dataset
(Lambda-DARTS A.9.3: search and evaluation on each dataset); its test error, mean over training seeds, with
one row per evaluation protocol found. A cell without a measurement is empty and a note says why.
"""

from __future__ import annotations

from collections import defaultdict

from reports.dataset_names import display
from reports.published_darts import (LAMBDA_DARTS, LAMBDA_TABLE_3, LAMBDA_TABLE_3_METHODS, ROBUST_DATASETS,
                                     ROBUST_SPACES, lambda_table_3)
from reports.settings import Setting
from reports.table import PUBLISHED, Column, Stat, Table
from reports.trained_results import EvaluationIndex, best_by_validation, evaluate_hint

KEY = "lambda-darts-table-3"
PICK_NOTE = ("Measured rows: per space and dataset, the search seed whose returned architecture (the epoch "
             "--select names: final by default) has the highest supernet validation accuracy (val_acc of that "
             "epoch; ties: the lowest seed), as papers pick by validation, never by test; its test error = 100 - "
             "the test accuracy after training it from scratch on that dataset (`harness evaluate`), mean over "
             "its training seeds, one row per protocol (protocol, preset, config hash). Lambda-DARTS Table 3 "
             "trains with RobustDARTS' evaluation settings (Lambda-DARTS A.9.3), which is the paper preset of the "
             "protocol `harness evaluate` uses for these spaces (harness/evaluation/protocols.py: RobustDARTS' "
             "network sizes per dataset); the cpu and quick presets are small networks trained briefly.")
JOINED_NOTE = ("A measured row joins one method's searches on each dataset, whatever their configs (Lambda-DARTS "
               "A.9.3 searches CIFAR-100 and SVHN with batch 96 and e0 = 0.001); a method with several configs on "
               "one space and dataset gets a row per config instead.")
EMPTY_NOTE = "—: no measurement (not searched on that dataset, or the notes below say what is missing)."


def robust_spaces_table(settings: list[Setting], index: EvaluationIndex, selection: str) -> Table | None:
    measured = [s for s in settings if s.space in ROBUST_SPACES and s.dataset in ROBUST_DATASETS]
    if not measured:
        return None
    columns = [Column("Space"), Column("Method"), Column("source"), Column("protocol")]
    columns += [Column(display(dataset), "stat") for dataset in ROBUST_DATASETS]
    table = Table(KEY, "RobustDARTS spaces S1-S4: test error (%) of the best of k searches, search and "
                  "evaluation on each dataset (as Lambda-DARTS Table 3)", columns)
    missing: list[str] = []
    rows = _method_rows(measured)
    for space in ROBUST_SPACES:
        for method in LAMBDA_TABLE_3_METHODS:
            table.add([space, method, f"published: {LAMBDA_TABLE_3}", None]
                      + [Stat(lambda_table_3(method, space, dataset)) for dataset in ROBUST_DATASETS], PUBLISHED)
        for row_space, label, per_dataset in rows:
            if row_space == space:
                _add_measured(table, space, label, per_dataset, index, selection, missing)
    table.notes += [PICK_NOTE, JOINED_NOTE, EMPTY_NOTE,
                    f"Published rows are quoted from {LAMBDA_DARTS}, Table 3 (best of 4 searches); they are "
                    f"references, not measured here, and enter no statistic."]
    table.notes += missing
    return table


def _method_rows(settings: list[Setting]) -> list[tuple[str, str, dict[str, Setting]]]:
    """(space, row label, dataset -> setting): one row per method, unless the method has several settings on one
    (space, dataset); then one row per setting, under its label."""
    by_method: dict[tuple[str, str], list[Setting]] = defaultdict(list)
    for setting in settings:
        by_method[(setting.space, setting.method)].append(setting)
    rows = []
    for (space, method), members in by_method.items():
        datasets = [s.dataset for s in members]
        if len(set(datasets)) == len(datasets):
            rows.append((space, method, {s.dataset: s for s in members}))
        else:
            rows += [(space, s.label, {s.dataset: s}) for s in members]
    return rows


def _add_measured(table: Table, space: str, label: str, per_dataset: dict[str, Setting], index: EvaluationIndex,
                  selection: str, missing: list[str]) -> None:
    results = {}
    for dataset in ROBUST_DATASETS:
        setting = per_dataset.get(dataset)
        if setting is None:
            continue
        best = best_by_validation(setting)
        where = f"{space}, {label}, {display(dataset)}"
        if best is None:
            missing.append(f"{where}: searched without a validation split (single-level), so no seed can be "
                           f"picked by validation; the cell stays empty.")
            continue
        results[dataset] = index.results(space, best, dataset)
        if not results[dataset]:
            missing.append(f"{where}: the best-by-validation seed (seed {best.seed}) has no complete evaluation "
                           f"on {display(dataset)}; run {evaluate_hint(best.path, dataset, selection)}.")
    protocols = sorted({protocol for found in results.values() for protocol in found})
    for protocol in protocols or [None]:
        cells = []
        for dataset in ROBUST_DATASETS:
            result = results.get(dataset, {}).get(protocol)
            cells.append(None if result is None else Stat(result.test_error))
            if protocol is not None and result is None and results.get(dataset):
                missing.append(f"{space}, {label}, {display(dataset)}: not trained with {protocol} (only with "
                               f"{', '.join(results[dataset])}); that row's cell stays empty.")
        table.add([space, label, "measured", protocol] + cells)
