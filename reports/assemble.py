"""All report tables from loaded runs, plus the notes a reader needs to trust them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from reports.ablation_tables import ablation_tables
from reports.dataset_names import PAPER_DATASETS
from reports.loading import LoadedRuns
from reports.nb201_tables import test_and_cost_tables, valid_test_table
from reports.settings import Setting
from reports.table import Table

LISTED_SKIPS = 10  # skipped runs named one by one; beyond this only counted


@dataclass
class Report:
    settings: list[Setting]
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def build_report(settings: list[Setting], loaded: LoadedRuns, oracle, store: Path) -> Report:
    report = Report(settings)
    valid_test = valid_test_table(settings, oracle)
    report.tables += ([valid_test] if valid_test else []) + test_and_cost_tables(settings, oracle) + ablation_tables(settings)
    report.notes += run_notes(settings, loaded, store)
    if oracle is None:
        report.notes.append(f"No Optimal rows: there is no oracle store at {store} (import it with "
                            f"`harness data import nb201 --from PATH`, see data/README.md).")
    untabled = sorted({s.dataset for s in settings if s.dataset not in PAPER_DATASETS})
    if untabled:
        report.notes.append(f"Searches on {', '.join(untabled)} have no NAS-Bench-201 column of their own; "
                            f"they appear in the figures only.")
    if not report.tables:
        report.notes.append("No table applies: tables need searches on CIFAR-10, CIFAR-100 or ImageNet16-120.")
    return report


def counted(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def run_notes(settings: list[Setting], loaded: LoadedRuns, store: Path) -> list[str]:
    notes = [f"{counted(len(loaded.runs), 'complete run')} in {counted(len(settings), 'setting')}; each setting is "
             f"one (space, dataset, method, config hash), its seeds the runs."]
    if loaded.selection == "best-val":
        notes.append("Each run returns the architecture of its epoch of best supernet validation accuracy "
                     "(--select best-val, as the GAEA code returns bilevel searches), not its final one.")
        if loaded.final_for_lack_of_validation:
            notes.append(f"{counted(loaded.final_for_lack_of_validation, 'single-level run')} have no validation "
                         f"split (their supernet is monitored on the test set): they return their final epoch, "
                         f"as the GAEA code does.")
    if loaded.filled_runs:
        notes.append(f"Oracle columns filled from {store} for {counted(loaded.filled_runs, 'run')} "
                     f"({counted(loaded.filled_rows, 'epoch row')}) searched without the store.")
    if loaded.skipped:
        kinds = Counter(skip.kind for skip in loaded.skipped)
        summary = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
        notes.append(f"{counted(len(loaded.skipped), 'run')} skipped ({summary}); they enter no table or figure:")
        notes += [f"skipped {skip.path}: {skip.reason}" for skip in loaded.skipped[:LISTED_SKIPS]]
        if len(loaded.skipped) > LISTED_SKIPS:
            notes.append(f"... and {len(loaded.skipped) - LISTED_SKIPS} more skipped runs")
    return notes
