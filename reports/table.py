"""A report table as data: typed columns, rows tagged with where their numbers come from.

Renderers (formats.py) decide how it looks; the builders (nb201_tables.py,
ablation_tables.py) decide what it holds. A cell that has no value is None
(absent), never a placeholder number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from reports.statistics import mean_std

# Where a row's numbers come from. Published rows are quoted from a paper and never
# enter a statistic; measured rows come from run records; the optimal row from the oracle.
MEASURED = "measured"
PUBLISHED = "published"
OPTIMAL = "optimal"
ROW_ORIGINS = (PUBLISHED, MEASURED, OPTIMAL)


@dataclass(frozen=True)
class Stat:
    """A mean with its spread over seeds; std is None when the source gives none (a published mean)."""

    mean: float
    std: float | None = None

    @classmethod
    def over_seeds(cls, values) -> "Stat":
        mean, std = mean_std(values)
        return cls(mean, std)


Cell = Union[str, int, float, Stat, None]


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text | int | number (digits) | value (a config value, as written) | stat
    digits: int = 2


@dataclass
class Row:
    cells: list[Cell]
    origin: str = MEASURED


@dataclass
class Table:
    key: str  # short machine name, e.g. "nb201-transfer"; csv block headers and tests use it
    title: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, cells: list[Cell], origin: str = MEASURED) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"table {self.key}: a row of {len(cells)} cells for {len(self.columns)} columns")
        if origin not in ROW_ORIGINS:
            raise ValueError(f"unknown row origin {origin!r}")
        self.rows.append(Row(list(cells), origin))

    def column_index(self, name: str) -> int:
        return [column.name for column in self.columns].index(name)

    def rows_of(self, origin: str) -> list[Row]:
        return [row for row in self.rows if row.origin == origin]
