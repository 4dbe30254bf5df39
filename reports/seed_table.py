"""The oracle accuracy of a `harness run` over its seeds: one row, mean ± std of the final epochs, a column
per (dataset, column) the oracle records (NB201: valid / test on three datasets, as Lambda-DARTS Table 1;
NAS-Bench-1Shot1: CIFAR-10 test; NAS-Bench-301: its CIFAR-10 prediction)."""

from __future__ import annotations

from typing import Any

from reports.dataset_names import dataset_rank, display
from reports.markdown import markdown_table
from reports.statistics import format_mean_std

COLUMN_ORDER = ("valid", "test")  # the papers' order; other columns (an oracle's own, e.g. nb301) follow


def seed_table(label: str, final_rows: list[dict[str, Any]]) -> str | None:
    """One row `label` with mean ± std over the final epoch of each seed; None when no row has accuracy."""
    columns = sorted({(dataset, column) for row in final_rows for dataset, values in row.get("accuracy", {}).items()
                      for column in values},
                     key=lambda key: (dataset_rank(key[0]), key[0], _column_rank(key[1]), key[1]))
    if not columns:
        return None
    header = ["Method", "seeds"] + [f"{display(dataset)} {column}" for dataset, column in columns]
    cells = [label, str(len(final_rows))]
    for dataset, column in columns:
        values = [row["accuracy"][dataset][column] for row in final_rows
                  if column in row.get("accuracy", {}).get(dataset, {})]
        cells.append(format_mean_std(values) if len(values) == len(final_rows) else "—")
    return markdown_table(header, [cells])


def _column_rank(column: str) -> int:
    return COLUMN_ORDER.index(column) if column in COLUMN_ORDER else len(COLUMN_ORDER)
