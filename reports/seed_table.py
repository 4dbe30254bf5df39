"""NB201 accuracy over seeds, laid out like Lambda-DARTS Table 1 (valid / test on three datasets)."""

from __future__ import annotations

from typing import Any

from reports.dataset_names import DISPLAY
from spaces.nb201.conventions import PAPER_DATASETS
from reports.markdown import markdown_table
from reports.statistics import format_mean_std


def seed_table(label: str, final_rows: list[dict[str, Any]]) -> str:
    """One row `label` with mean ± std over the final epoch of each seed."""
    header = ["Method", "seeds"] + [f"{DISPLAY[d]} {s}" for d in PAPER_DATASETS for s in ("valid", "test")]
    cells = [label, str(len(final_rows))]
    for dataset in PAPER_DATASETS:
        for split in ("valid", "test"):
            cells.append(format_mean_std([row["accuracy"][dataset][split] for row in final_rows]))
    return markdown_table(header, [cells])
