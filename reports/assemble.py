"""All report tables from loaded runs, plus the notes a reader needs to trust them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from reports.loading import LoadedRuns
from reports.oracle_source import OracleSources
from reports.settings import Setting
from reports.space_reports import REPORT_MODULES, ReportContext, family_of
from reports.table import Table
from reports.trained_tables import trained_tables

LISTED_SKIPS = 10  # skipped runs named one by one; beyond this only counted


@dataclass
class Report:
    settings: list[Setting]
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def build_report(settings: list[Setting], loaded: LoadedRuns, oracles: OracleSources) -> Report:
    report = Report(settings)
    report.notes += run_notes(settings, loaded)
    context = ReportContext(oracles, loaded.evaluations)
    for module in REPORT_MODULES:  # each module tables the settings of its space family (space_reports.py)
        chosen = [s for s in settings if family_of(s.space) == module.FAMILY]
        if not chosen:
            continue
        tables, notes = module.tables(chosen, context)
        report.tables += tables
        report.notes += notes
    report.tables += trained_tables(settings, loaded.evaluations)
    tabled_families = {module.FAMILY for module in REPORT_MODULES}
    untabled = sorted({s.space for s in settings if family_of(s.space) not in tabled_families})
    if untabled:
        report.notes.append(f"Spaces without tables here ({', '.join(untabled)}): their runs appear in the figures.")
    if not report.tables:
        report.notes.append("No table applies to these runs.")
    return report


def counted(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def run_notes(settings: list[Setting], loaded: LoadedRuns) -> list[str]:
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
        notes.append(f"Oracle columns filled from the oracle store for {counted(loaded.filled_runs, 'run')} "
                     f"({counted(loaded.filled_rows, 'epoch row')}) searched without the store.")
    if loaded.skipped:
        kinds = Counter(skip.kind for skip in loaded.skipped)
        summary = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
        notes.append(f"{counted(len(loaded.skipped), 'run')} skipped ({summary}); they enter no table or figure:")
        notes += [f"skipped {skip.path}: {skip.reason}" for skip in loaded.skipped[:LISTED_SKIPS]]
        if len(loaded.skipped) > LISTED_SKIPS:
            notes.append(f"... and {len(loaded.skipped) - LISTED_SKIPS} more skipped runs")
    return notes
