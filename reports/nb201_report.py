"""The NAS-Bench-201 part of a report: the seed papers' tables and ablations for the nb201 settings."""

from __future__ import annotations

from reports.ablation_tables import ablation_tables
from spaces.nb201.conventions import PAPER_DATASETS
from reports.nb201_tables import test_and_cost_tables, valid_test_table
from reports.settings import Setting
from reports.table import Table

FAMILY = "nb201"  # spaces/nb201/space.py NB201Space.family (reports/space_reports.py)
SPACE = "nb201"
ORACLE_REQUIRED = True  # every number of these tables is an oracle lookup


def tables(settings: list[Setting], context) -> tuple[list[Table], list[str]]:
    """(tables, notes) for the settings searched on NAS-Bench-201 (context: space_reports.ReportContext)."""
    source = context.oracles.for_space(SPACE)
    return oracle_tables(settings, source.if_present(), source.store)


def oracle_tables(settings: list[Setting], oracle, store) -> tuple[list[Table], list[str]]:
    """`oracle` for the Optimal rows or None; `store` where it would be."""
    valid_test = valid_test_table(settings, oracle)
    built = ([valid_test] if valid_test else []) + test_and_cost_tables(settings, oracle) + ablation_tables(settings)
    notes = []
    if oracle is None and built:
        notes.append(f"No Optimal rows: there is no NAS-Bench-201 oracle store at {store} (import it with "
                     f"`harness data import nb201 --from PATH`, see data/README.md).")
    untabled = sorted({s.dataset for s in settings if s.dataset not in PAPER_DATASETS})
    if untabled:
        notes.append(f"Searches on {', '.join(untabled)} have no NAS-Bench-201 column of their own; "
                     f"they appear in the figures only.")
    return built, notes
