"""Accuracy of architectures trained from scratch (`harness evaluate` records), beside the oracle tables.

- `trained`: per search setting, per evaluation dataset and protocol, the trained test accuracy of the
  architectures its seeds returned: each search seed's value is the mean over the training seeds of its
  architecture, and the cell is mean ± std (ddof=0) over the search seeds that have one.
- `trained-archs`: every evaluated architecture with its protocol, test accuracy over training seeds,
  parameters and multiply-adds.
Their numbers come only from evaluation records: an oracle's accuracy never enters them.
"""

from __future__ import annotations

from collections import defaultdict

from reports.dataset_names import display
from reports.evaluations import LoadedEvaluation, canonical_arch
from reports.settings import Setting
from reports.table import Column, Stat, Table

TRAINED_NOTE = ("Trained test: the test accuracy (%) after training the architecture from scratch with the named "
                "protocol (harness evaluate; protocol, preset and its config hash), mean ± std (ddof=0) over the "
                "search seeds whose architecture was trained, each seed the mean over its training seeds. These "
                "are measured, not looked up in a benchmark table.")


def _by_architecture(evaluations: list[LoadedEvaluation]) -> dict[tuple, dict[tuple, list[LoadedEvaluation]]]:
    """(space, dataset searched-or-trained, arch) -> (trained on, protocol) -> its evaluations."""
    grouped: dict[tuple, dict[tuple, list[LoadedEvaluation]]] = defaultdict(lambda: defaultdict(list))
    for evaluation in evaluations:
        space, dataset, arch = evaluation.key
        grouped[(space, arch)][(dataset, evaluation.protocol)].append(evaluation)
    return grouped


def trained_tables(settings: list[Setting], evaluations: list[LoadedEvaluation]) -> list[Table]:
    if not evaluations:
        return []
    tables = []
    setting_table = _setting_table(settings, _by_architecture(evaluations))
    if setting_table.rows:
        tables.append(setting_table)
    tables.append(_architecture_table(evaluations))
    return tables


def _setting_table(settings, grouped) -> Table:
    columns = [Column("Method"), Column("space"), Column("search dataset"), Column("trained on"), Column("protocol"),
               Column("seeds", "int"), Column("trained test", "stat")]
    table = Table("trained", "Searched architectures trained from scratch: test accuracy (%)", columns)
    for setting in settings:
        per_column: dict[tuple, list[float]] = defaultdict(list)
        for run in setting.runs:
            arch = canonical_arch(setting.space, run.final["arch"])
            for column, members in grouped.get((setting.space, arch), {}).items():
                per_column[column].append(sum(m.summary["test_acc"] for m in members) / len(members))
        for (dataset, protocol), values in sorted(per_column.items()):
            table.add([setting.label, setting.space, display(setting.dataset), display(dataset), protocol,
                       len(values), Stat.over_seeds(values)])
    table.notes.append(TRAINED_NOTE)
    return table


def _architecture_table(evaluations: list[LoadedEvaluation]) -> Table:
    columns = [Column("space"), Column("arch"), Column("trained on"), Column("protocol"), Column("seeds", "int"),
               Column("test", "stat"), Column("params (M)", "number", 3), Column("multiply-adds (M)", "number", 1)]
    table = Table("trained-archs", "Evaluated architectures: test accuracy (%) after training from scratch", columns)
    groups: dict[tuple, list[LoadedEvaluation]] = defaultdict(list)
    for evaluation in evaluations:
        groups[(evaluation.config["space"], evaluation.arch_hash, evaluation.config["dataset"],
                evaluation.protocol)].append(evaluation)
    for (space, arch_hash, dataset, protocol), members in sorted(groups.items()):
        summary = members[0].summary
        table.add([space, arch_hash, display(dataset), protocol, len(members),
                   Stat.over_seeds([m.summary["test_acc"] for m in members]), summary["params_mb"],
                   summary["multiply_adds_m"]])
    table.notes.append("arch: the hash of the architecture's canonical text (its directory under the evaluation "
                       "records; config.json holds the text). test: mean ± std (ddof=0) over training seeds.")
    return table
