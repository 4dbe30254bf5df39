"""The NB201 oracle for a report: loaded once, only when something needs it.

A report needs the store to fill oracle columns that runs searched without it
did not record; then a missing store is one clear error naming the import
command. The "Optimal" rows also come from it, but when nothing needs filling a
report without the store is still useful, so there it is optional.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from spaces.errors import BenchmarkFileError
from spaces.nb201.oracle import NB201Oracle


class OracleSource:
    def __init__(self, store: Path, load: Callable[[Path], NB201Oracle] = NB201Oracle.load):
        self.store = store
        self._load = load
        self._oracle: NB201Oracle | None = None

    def present(self) -> bool:
        return self._oracle is not None or self.store.exists()

    def require(self, why: str) -> NB201Oracle:
        """The oracle; BenchmarkFileError saying `why` it is needed when the store is missing or broken."""
        if self._oracle is None:
            try:
                self._oracle = self._load(self.store)
            except BenchmarkFileError as error:
                raise BenchmarkFileError(f"{why}, but {error}") from None
        return self._oracle

    def if_present(self) -> NB201Oracle | None:
        """The oracle when its store exists (a store that exists but is broken is still an error)."""
        if not self.present():
            return None
        return self.require("the report reads the oracle store for its Optimal rows")
