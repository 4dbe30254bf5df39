"""The NB201 tables of the seed papers, from settings of complete runs.

- `valid_test_table`: Lambda-DARTS Table 1. Search on CIFAR-10, valid and test
  accuracy on CIFAR-10, CIFAR-100 and ImageNet16-120, mean ± std over seeds of
  each seed's final epoch, its published rows, and an Optimal row.
- `test_and_cost_tables`: GAEA Table 2. Test accuracy and search seconds, one block
  for the transfer setting (search on CIFAR-10, looked up on all three datasets)
  and one for the direct setting (search on each dataset, looked up on it).
"""

from __future__ import annotations

from typing import Any

from reports.dataset_names import display
from spaces.nb201.conventions import PAPER_DATASETS
from reports.published import GAEA_TABLE_2_TRANSFER, LAMBDA_DARTS_TABLE_1, PublishedRow
from reports.settings import Setting
from reports.table import OPTIMAL, PUBLISHED, Column, Stat, Table
from spaces.nb201.conventions import PAPER_EPOCHS, PAPER_SPLIT_NAMES, benchmark_column

MEAN_STD_NOTE = ("Measured rows: mean ± std (ddof=0) over seeds of each seed's final-epoch architecture, "
                 "looked up in NAS-Bench-201 at 200 epochs (CIFAR-10 valid = cifar10-valid x-valid, test = "
                 "cifar10 ori-test; the others x-valid / x-test).")
DIRECT_NOTE = ("Each dataset's columns come from the searches on that dataset, looked up on it; the CIFAR-10 "
               "columns repeat the transfer block (a search on CIFAR-10 is both), which alone lists methods "
               "searched on CIFAR-10 only.")
OPTIMAL_NOTE = "Optimal: the best architecture of the space in each column, from the oracle store."
SOURCE_MEASURED = "measured"
SOURCE_OPTIMAL = "oracle optimum"


def published_source(row: PublishedRow) -> str:
    return f"published: {row.source}"


def published_note(rows: tuple[PublishedRow, ...]) -> str:
    citations = sorted({row.citation for row in rows})
    return (f"Published rows are quoted from {'; '.join(citations)}; they are references, not measured here, "
            f"and enter no statistic.")


def optimum(oracle, dataset: str, split: str) -> Stat:
    best, _ = oracle.optimum(*benchmark_column(dataset, split), PAPER_EPOCHS)
    return Stat(float(best))


def accuracy_stat(setting: Setting, dataset: str, split: str) -> Stat:
    return Stat.over_seeds([row["accuracy"][dataset][split] for row in setting.final_rows])


def seconds_stat(setting: Setting) -> Stat | None:
    seconds = setting.search_seconds
    return Stat.over_seeds(seconds) if seconds else None


def _published_stat(row: PublishedRow, dataset: str, split: str) -> Stat | None:
    value = row.stat(dataset, split)
    return None if value is None else Stat(*value)


def valid_test_table(settings: list[Setting], oracle) -> Table | None:
    transfer = [s for s in settings if s.transfer]
    if not transfer:
        return None
    columns = [Column("Method"), Column("source"), Column("seeds", "int")]
    columns += [Column(f"{display(d)} {split}", "stat") for d in PAPER_DATASETS for split in PAPER_SPLIT_NAMES]
    table = Table("nb201-valid-test", "NAS-Bench-201, search on CIFAR-10: valid and test accuracy (%) "
                  "(as Lambda-DARTS Table 1)", columns)
    for row in LAMBDA_DARTS_TABLE_1:
        table.add([row.method, published_source(row), row.seeds]
                  + [_published_stat(row, d, split) for d in PAPER_DATASETS for split in PAPER_SPLIT_NAMES],
                  PUBLISHED)
    for setting in transfer:
        table.add([setting.label, SOURCE_MEASURED, setting.seeds]
                  + [accuracy_stat(setting, d, split) for d in PAPER_DATASETS for split in PAPER_SPLIT_NAMES])
    table.notes += [MEAN_STD_NOTE, published_note(LAMBDA_DARTS_TABLE_1)]
    _add_optimal(table, oracle, [optimum(oracle, d, split) if oracle else None
                                 for d in PAPER_DATASETS for split in PAPER_SPLIT_NAMES], leading=3)
    return table


def test_and_cost_tables(settings: list[Setting], oracle) -> list[Table]:
    tables = []
    transfer = [s for s in settings if s.transfer]
    if transfer:
        tables.append(_transfer_table(transfer, oracle))
    direct = [s for s in settings if s.dataset in PAPER_DATASETS]
    if any(not s.transfer for s in direct):
        tables.append(_direct_table(direct, oracle))
    return tables


def _transfer_table(settings: list[Setting], oracle) -> Table:
    columns = [Column("Method"), Column("source"), Column("seeds", "int"), Column("search (s)", "stat", 1)]
    columns += [Column(f"{display(d)} test", "stat") for d in PAPER_DATASETS]
    table = Table("nb201-transfer", "NAS-Bench-201, transfer setting (search on CIFAR-10): test accuracy (%) "
                  "and search seconds (as GAEA Table 2)", columns)
    for row in GAEA_TABLE_2_TRANSFER:
        table.add([row.method, published_source(row), row.seeds, None]
                  + [_published_stat(row, d, "test") for d in PAPER_DATASETS], PUBLISHED)
    for setting in settings:
        table.add([setting.label, SOURCE_MEASURED, setting.seeds, seconds_stat(setting)]
                  + [accuracy_stat(setting, d, "test") for d in PAPER_DATASETS])
    table.notes += [MEAN_STD_NOTE, "search (s): wall-clock seconds of the search loop per seed, mean ± std.",
                    published_note(GAEA_TABLE_2_TRANSFER)]
    _add_optimal(table, oracle, [optimum(oracle, d, "test") if oracle else None for d in PAPER_DATASETS],
                 leading=4)
    return table


def _direct_table(settings: list[Setting], oracle) -> Table:
    columns = [Column("Method"), Column("source")]
    for dataset in PAPER_DATASETS:
        columns += [Column(f"{display(dataset)} seeds", "int"), Column(f"{display(dataset)} search (s)", "stat", 1),
                    Column(f"{display(dataset)} test", "stat")]
    table = Table("nb201-direct", "NAS-Bench-201, direct setting (search on each dataset): test accuracy (%) "
                  "and search seconds (as GAEA Table 2)", columns)
    by_label: dict[str, dict[str, Setting]] = {}
    for setting in settings:
        by_label.setdefault(setting.label, {})[setting.dataset] = setting
    for label, per_dataset in by_label.items():
        if set(per_dataset) == {"cifar10"}:
            continue  # searched on CIFAR-10 only: the transfer block has it all
        cells: list[Any] = [label, SOURCE_MEASURED]
        for dataset in PAPER_DATASETS:
            setting = per_dataset.get(dataset)
            cells += [None, None, None] if setting is None else [
                setting.seeds, seconds_stat(setting), accuracy_stat(setting, dataset, "test")]
        table.add(cells)
    table.notes += [DIRECT_NOTE, MEAN_STD_NOTE]
    optimal: list[Any] = []
    for dataset in PAPER_DATASETS:
        optimal += [None, None, optimum(oracle, dataset, "test") if oracle else None]
    _add_optimal(table, oracle, optimal, leading=2)
    return table


def _add_optimal(table: Table, oracle, values: list[Any], leading: int) -> None:
    if oracle is None:
        return  # the command adds one note for all tables: no store, no Optimal rows
    table.add(["Optimal", SOURCE_OPTIMAL] + [None] * (leading - 2) + values, OPTIMAL)
    table.notes.append(OPTIMAL_NOTE)
