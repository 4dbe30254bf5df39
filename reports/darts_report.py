"""The DARTS-family part of a report (spaces/darts: darts, darts-s1..s4, amended-s1, amended-s2).

Its numbers come from training the searched architectures (`harness evaluate` records): Lambda-DARTS
Table 3 on RobustDARTS' spaces, the seed papers' DARTS-space CIFAR tables, and NAS-Bench-301's
predictions where the runs carry them. The NB301 store is optional here (ORACLE_REQUIRED): runs searched
without it keep their prediction columns empty, and a note says how to fill them.
"""

from __future__ import annotations

from reports.darts_tables import paper_table
from reports.nb301_table import nb301_table
from reports.published_darts import PAPER_TABLES
from reports.robust_spaces_table import robust_spaces_table
from reports.settings import Setting
from reports.table import Table
from reports.trained_results import EvaluationIndex, evaluate_hint

FAMILY = "darts"  # spaces/darts/space.py DartsFamilySpace.family (reports/space_reports.py)
ORACLE_REQUIRED = False


def tables(settings: list[Setting], context) -> tuple[list[Table], list[str]]:
    """(tables, notes) for the DARTS-family settings (context: space_reports.ReportContext)."""
    index = EvaluationIndex(context.evaluations)
    selection = settings[0].runs[0].selection
    built = [table for table in [robust_spaces_table(settings, index, selection)]
             + [paper_table(spec, settings, index, selection) for spec in PAPER_TABLES] if table is not None]
    nb301, notes = nb301_table(settings, lambda space: context.oracles.for_space(space).store)
    if nb301 is not None:
        built.append(nb301)
    if not context.evaluations:
        example = settings[0].runs[0].path.parent
        notes.insert(0, f"No DARTS-family architecture has been trained yet, so every measured test error is "
                        f"empty: train the searched architectures from scratch with `harness evaluate RUN_DIR "
                        f"--dataset DATASET` (e.g. {evaluate_hint(example, settings[0].dataset, selection)}) and "
                        f"report the search and evaluation directories together.")
    return built, notes
