"""Ablation tables, detected from the settings present.

- DARTS-PRIME's ablation: DARTS / CS10 / FIMT / PR / PRIME, whichever were run
  (shown when at least one DARTS-PRIME variant is present).
- Sweeps of one config value, shown when the settings of the sweep's methods hold
  at least two values of it: Amended-DARTS' eta, and Lambda-DARTS' e0, lambda and
  search epochs (its Figure 4, as a table).
One table per search dataset. Each reported dataset has mean ± std over seeds
and the best of k seeds (best_of_k.py: picked by validation) side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.best_of_k import best_run
from reports.dataset_names import display
from spaces.nb201.conventions import PAPER_DATASETS
from reports.nb201_tables import MEAN_STD_NOTE, accuracy_stat, seconds_stat
from reports.settings import Setting, format_value, sortable
from reports.table import Column, Table

# methods/prime.py registers the ablations under these names; the paper's names for them.
PRIME_ABLATION = {"darts": "DARTS", "cs10": "CS10", "fimt": "FIMT", "pr": "PR", "prime": "PRIME"}
PRIME_VARIANTS = ("cs10", "fimt", "pr", "prime")


@dataclass(frozen=True)
class Sweep:
    key: str
    title: str
    methods: tuple[str, ...]
    setting: str  # dotted config key, as `--set` names it


# Config sections: "amended" is AmendedHypergradient.SECTION (methods/components/amended_hypergradient.py),
# "lambda_reg" is LayerAlignmentRegularizer.SECTION (methods/components/lambda_regularizer.py).
LAMBDA_METHODS = ("lambda", "lambda-pm")
SWEEPS = (
    Sweep("amended-eta", "Amended-DARTS: eta sweep", ("amended",), "amended.eta"),
    Sweep("lambda-e0", "Lambda-DARTS: perturbation size e0 sweep (Figure 4 as a table)", LAMBDA_METHODS,
          "lambda_reg.e0"),
    Sweep("lambda-strength", "Lambda-DARTS: regularisation strength lambda sweep (Figure 4 as a table)",
          LAMBDA_METHODS, "lambda_reg.strength"),
    Sweep("lambda-epochs", "Lambda-DARTS: search epochs sweep (Figure 4 as a table)", LAMBDA_METHODS, "epochs"),
)


def ablation_tables(settings: list[Setting]) -> list[Table]:
    tables = []
    for dataset in PAPER_DATASETS:
        searched = [s for s in settings if s.dataset == dataset]
        prime = prime_table(searched, dataset)
        if prime is not None:
            tables.append(prime)
        tables += [table for sweep in SWEEPS if (table := sweep_table(sweep, searched, dataset)) is not None]
    return tables


def prime_table(settings: list[Setting], dataset: str) -> Table | None:
    members = [s for s in settings if s.method in PRIME_ABLATION]
    if not any(s.method in PRIME_VARIANTS for s in members):
        return None
    order = list(PRIME_ABLATION)
    members.sort(key=lambda s: order.index(s.method))  # stable: keeps the settings' own order within a method
    table = _table(f"prime-ablation-{dataset}", f"DARTS-PRIME ablation, search on {display(dataset)}",
                   dataset, Column("ablation"))
    for setting in members:
        table.add([setting.label, PRIME_ABLATION[setting.method], *_measured(setting, dataset)])
    return table


def sweep_table(sweep: Sweep, settings: list[Setting], dataset: str) -> Table | None:
    members = [s for s in settings if s.method in sweep.methods and s.value(sweep.setting) is not None]
    if len({format_value(s.value(sweep.setting)) for s in members}) < 2:
        return None
    members.sort(key=lambda s: (s.method, sortable(s.value(sweep.setting))))
    table = _table(f"{sweep.key}-{dataset}", f"{sweep.title}, search on {display(dataset)}", dataset,
                   Column(sweep.setting, "value"))
    for setting in members:
        table.add([setting.label, setting.value(sweep.setting), *_measured(setting, dataset)])
    return table


def reported_datasets(dataset: str) -> tuple[str, ...]:
    """Transfer: all three datasets; direct: the search dataset only."""
    return PAPER_DATASETS if dataset == "cifar10" else (dataset,)


def _table(key: str, title: str, dataset: str, varied: Column) -> Table:
    columns = [Column("Setting"), varied, Column("seeds", "int"), Column("search (s)", "stat", 1)]
    for reported in reported_datasets(dataset):
        columns += [Column(f"{display(reported)} test", "stat"), Column(f"{display(reported)} test, best of k",
                                                                        "number")]
    table = Table(key, title + ": test accuracy (%)", columns)
    table.notes += [MEAN_STD_NOTE,
                    f"best of k: the test accuracy of the seed with the highest {display(dataset)} valid accuracy "
                    f"(papers pick by validation, not test); k is the seeds column."]
    return table


def _measured(setting: Setting, dataset: str) -> list:
    best = best_run(setting)
    cells = [setting.seeds, seconds_stat(setting)]
    for reported in reported_datasets(dataset):
        cells += [accuracy_stat(setting, reported, "test"), best.final["accuracy"][reported]["test"]]
    return cells
