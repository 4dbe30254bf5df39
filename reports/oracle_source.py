"""The oracles of a report, one per space, each loaded once and only when something needs it.

A report needs a space's store to fill oracle columns that runs searched without it did not
record; then a missing store is one clear error naming the import command. Tables also read it
(the NB201 Optimal rows), but when nothing needs filling a report without the store is still
useful, so there it is optional.
"""

from __future__ import annotations

from pathlib import Path

from harness.oracle_access import LazyOracle


class OracleSources:
    def __init__(self, data_root: Path):
        self.data_root = data_root
        self._by_space: dict[str, LazyOracle] = {}

    def for_space(self, space: str) -> LazyOracle:
        if space not in self._by_space:
            self._by_space[space] = LazyOracle(space, self.data_root)
        return self._by_space[space]
