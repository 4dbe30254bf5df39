"""Which report module tables which search spaces: a small registry keyed by space family.

A report module declares the space `FAMILY` it tables (a `family` of spaces/registry.py's spaces:
"nb201", "darts", ...), whether its tables need the family's oracle (`ORACLE_REQUIRED`), and
`tables(settings, context) -> (tables, notes)`. The family is the space's own data, so adding a space
to a family (another RobustDARTS variant) puts its runs in that family's tables without touching
this file; a new family adds one module to REPORT_MODULES.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reports import darts_report, nb201_report
from reports.evaluations import LoadedEvaluation
from reports.oracle_source import OracleSources
from spaces.registry import get_space

REPORT_MODULES = (nb201_report, darts_report)  # the order their tables appear in


@dataclass
class ReportContext:
    """What a report module may read beside its settings."""

    oracles: OracleSources
    evaluations: list[LoadedEvaluation] = field(default_factory=list)


def family_of(space: str) -> str | None:
    return get_space(space).family


def module_for(space: str):
    """The report module tabling `space`, or None."""
    family = family_of(space)
    return next((module for module in REPORT_MODULES if module.FAMILY == family), None)


def oracle_optional(space: str) -> bool:
    """Whether a report can do without the space's oracle store: its tables come from `harness evaluate`
    records, so runs searched without the store keep their oracle columns absent instead of failing."""
    module = module_for(space)
    return module is not None and not module.ORACLE_REQUIRED
