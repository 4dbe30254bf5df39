"""The oracle of a space: optional at search time (announced once when missing), required by reports."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from harness.paths import store_in_use
from spaces.errors import BenchmarkFileError
from spaces.registry import get_space


def oracle_store(space_name: str, data_root: Path) -> Path | None:
    """Where the space's benchmark store lives; None for a space without one."""
    benchmark = get_space(space_name).oracle_benchmark
    return None if benchmark is None else store_in_use(data_root, benchmark)


def load_oracle_if_present(space_name: str, data_root: Path, log: Callable[[str], None]):
    """The space's oracle, or None (with one clear message) when it has none or its store is not installed.

    A store that exists but cannot be read is an error, not a silent None.
    """
    space = get_space(space_name)
    if space.oracle_benchmark is None:
        log(f"note: {space.no_oracle_reason}; the search records architectures and diagnostics, and their "
            f"accuracy comes from training them (`harness evaluate`).")
        return None
    path = store_in_use(data_root, space.oracle_benchmark)
    if not path.exists():
        log(f"note: no {space.oracle_benchmark} oracle at {path}; the search runs and records architectures, but "
            f"the oracle's accuracy columns are missing. Import the benchmark with "
            f"`harness data import {space.oracle_benchmark} --from PATH` (see data/README.md); `harness report` "
            f"fills the columns in later.")
        return None
    return space.load_oracle(path)


def load_oracle(space_name: str, data_root: Path):
    """The space's oracle; BenchmarkFileError naming the import command when it is not installed."""
    space = get_space(space_name)
    if space.oracle_benchmark is None:
        raise BenchmarkFileError(space.no_oracle_reason)
    path = store_in_use(data_root, space.oracle_benchmark)
    if not path.exists():
        raise BenchmarkFileError(f"no {space.oracle_benchmark} oracle at {path}; import it with "
                                 f"`harness data import {space.oracle_benchmark} --from PATH` (see data/README.md)")
    return space.load_oracle(path)


def oracle_statement(space_name: str, oracle) -> dict:
    """What a run record says about the oracle that scored it, or why none did."""
    if oracle is not None:
        return oracle.describe()
    space = get_space(space_name)
    if space.oracle_benchmark is None:
        return {"absent": space.no_oracle_reason}
    return {"absent": f"the {space.oracle_benchmark} store was not installed when the run started; `harness report` "
                      f"fills the accuracy columns from it"}


class LazyOracle:
    """A space's oracle loaded on first use: required by some callers (`require`), optional for others."""

    def __init__(self, space_name: str, data_root: Path):
        self.space_name, self.data_root = space_name, data_root
        self._oracle = None

    @property
    def store(self) -> Path | None:
        return oracle_store(self.space_name, self.data_root)

    def present(self) -> bool:
        return self._oracle is not None or (self.store is not None and self.store.exists())

    def require(self, why: str | None = None):
        """The oracle; BenchmarkFileError (saying `why` it is needed) when it is missing or broken."""
        if self._oracle is None:
            try:
                self._oracle = load_oracle(self.space_name, self.data_root)
            except BenchmarkFileError as error:
                raise BenchmarkFileError(f"{why}, but {error}" if why else str(error)) from None
        return self._oracle

    def if_present(self):
        """The oracle when its store exists (a store that exists but is broken is still an error)."""
        return self.require() if self.present() else None
