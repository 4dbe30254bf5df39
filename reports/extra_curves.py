"""Curve figures that only some spaces' runs have, each read off the space object (never its name):

  oracle_accuracy_<dataset>_<column>  every accuracy column beyond the paper splits (DARTS family:
                                      accuracy.cifar10.nb301, the NB301-predicted accuracy: the DARTS-space
                                      analogue of the NB201 collapse figure), mean ± 1 std over seeds
  skip_count_per_cell_type            skip-connections of each cell type (spaces of several cell types
                                      whose ops include a skip), a panel per cell type
  oracle_test_regret_references       test regret, mean ± 1 std over seeds, with the space's published
                                      reference levels (NAS-Bench-1Shot1: GAEA Figure 2)

A kind that applies to no space of the report is left out silently; one that applies but whose runs
lack the data is "not drawn" with a note, as the other curves are.
"""

from __future__ import annotations

import numpy as np

from reports.curve_kind import STD_BAND, CurveKind, single
from reports.curves import Quantity
from reports.run_space import decisions_of
from reports.settings import Setting
from reports.statistics import std_band
from spaces.registry import get_space

# The splits of the papers' tables, drawn by oracle_test_accuracy / the tables; any other column of a
# row's accuracy table is an extra one (spaces/nb201/conventions.py PAPER_SPLITS, nb1shot1/record_oracle.py)
PAPER_SPLITS = ("valid", "test")
SPLIT = "test"  # the regret figure's column, as GAEA Figure 2 and NAS-Bench-1Shot1 report test regret


def oracle_column_kinds(settings: list[Setting]) -> list[CurveKind]:
    labels: dict[str, str] = {}
    for setting in settings:
        labels.update(get_space(setting.space).accuracy_column_labels)
    recorded = {f"{dataset}.{column}" for s in settings for run in s.runs for row in run.rows
                for dataset, columns in row.get("accuracy", {}).items() for column in columns
                if column not in PAPER_SPLITS}
    return [_oracle_column_kind(key, labels.get(key, f"accuracy.{key} (%)")) for key in sorted(set(labels) | recorded)]


def _oracle_column_kind(key: str, label: str) -> CurveKind:
    dataset, column = key.split(".", 1)

    def quantity(setting: Setting) -> Quantity:
        return lambda row: row.get("accuracy", {}).get(dataset, {}).get(column)

    name = f"oracle_accuracy_{dataset}_{column}".replace("-", "_")
    return CurveKind(name, label, single(quantity), f"accuracy.{key}", (0, 100), band=std_band, band_text=STD_BAND,
                     title=f"{label.removesuffix(' (%)')} per search epoch")


def skip_per_cell_type_kind(settings: list[Setting]) -> CurveKind | None:
    typed = [s for s in settings if _skip_types(s)]
    if not typed:
        return None
    top = max(decisions_of(s.runs[0]).num_choices for s in typed)

    def parts(setting: Setting) -> dict[str, Quantity]:
        return {f"{name} cell": (lambda row, name=name: row.get("op_counts", {}).get(name, {}).get("skip"))
                for name in _skip_types(setting)}

    return CurveKind("skip_count_per_cell_type", "skip-connections in the derived cell", parts,
                     "op_counts (the skip count of each cell type)", (0, top),
                     title="skip-connections per cell type over the search")


def _skip_types(setting: Setting) -> list[str]:
    """The cell type names of a space with several types and a skip op; [] otherwise."""
    decisions = decisions_of(setting.runs[0])
    if decisions.num_types < 2 or decisions.roles.skip is None:
        return []
    return [cell_type.name for cell_type in decisions.cell_types]


def regret_reference_kind(settings: list[Setting]) -> CurveKind | None:
    referenced = {s.space: get_space(s.space).regret_references() for s in settings}
    referenced = {space: refs for space, refs in referenced.items() if refs.lines}
    if not referenced:
        return None

    def quantity(setting: Setting) -> Quantity | None:
        if setting.space not in referenced:
            return None
        dataset = setting.dataset
        return lambda row: row.get("regret", {}).get(dataset, {}).get(SPLIT)

    def references(setting: Setting) -> list[tuple[str, float]]:
        lines = []
        for line in referenced[setting.space].lines:
            optimum = space_optimum(setting, line.dataset, line.split)
            if optimum is not None:
                lines.append((line.label, optimum - line.accuracy))
        return lines

    notes = tuple(dict.fromkeys(note for refs in referenced.values() for note in refs.notes))
    sources = "; ".join(dict.fromkeys(f"{line.label}: {line.source}" for refs in referenced.values()
                                      for line in refs.lines))
    return CurveKind("oracle_test_regret_references", "oracle test regret (%) to the best mean accuracy",
                     single(quantity), f"regret.<search dataset>.{SPLIT} of a space with reference levels",
                     (0, None), band=std_band, band_text=STD_BAND,
                     title="test regret per search epoch (GAEA Figure 2)", references=references,
                     notes=(f"figure oracle_test_regret_references: reference levels from {sources}", *notes))


def space_optimum(setting: Setting, dataset: str, split: str) -> float | None:
    """The space's best accuracy on (dataset, split), in percent, as the records have it: accuracy + regret of
    any row (the oracle writes regret = optimum - accuracy); None when no row has both."""
    optima = [row["accuracy"][dataset][split] + row["regret"][dataset][split]
              for run in setting.runs for row in run.rows
              if split in row.get("accuracy", {}).get(dataset, {}) and split in row.get("regret", {}).get(dataset, {})]
    return float(np.median(optima)) if optima else None
