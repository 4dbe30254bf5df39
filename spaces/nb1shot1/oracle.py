"""NB101 lookups for the architectures of a 1Shot1 space.

`OneShotOracle.from_nb101(space, nb101)` maps every configuration of the space
(enumeration.py) to its NB101 row once: read from the store when
`write_space_rows` cached it there, else enumerated (space 3 takes ~5 s on one
core). After that a lookup is an index computation, no hashing.

Regret, two conventions (both explicit, never mixed silently):
- `regret`: the space's best MEAN test accuracy (over its cells) minus the
  architecture's mean accuracy; 0 for the best architecture. Needs only means,
  so it works with the CSV store.
- `repo_regret`: the repository's number (experiment_database.py
  `get_key_from_scalar_configs`): mean over the 3 repeats of the architecture's
  error minus `space.test_min_error` / `valid_min_error`, the space's minimum
  PER-REPEAT error; positive even for the best architecture.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from spaces.errors import ConfigError, MalformedArchitecture
from spaces.nb101.oracle import NB101Oracle
from spaces.nb1shot1.architecture import OneShotArch
from spaces.nb1shot1.enumeration import arch_at, enumerate_space, index_of
from spaces.nb1shot1.spaces import SPACES, OneShotSpace, get_space
from spaces.store_file import replaced_atomically

CACHE_GROUP = "nb1shot1"


@dataclass(frozen=True)
class SpaceSizes:
    configurations: int  # every op per block x parent set per node (what derive can return)
    paper_count: int  # the count the 1Shot1 paper reports (see `paper_count`)
    nb101_cells: int  # distinct NB101 cells among them


def paper_count(space: OneShotSpace) -> int:
    """Sum over parent choices of 3**(choice blocks with an outgoing edge).

    This reproduces the sizes in the 1Shot1 paper for spaces 1 (6,240) and 3
    (363,648): a block that feeds nothing gets no op choice, everything else
    (loose ends, isomorphic duplicates) counts. For space 2 the same rule gives
    16,632; the paper's 29,160 equals space 2's plain configuration count.
    """
    from itertools import product

    total = 0
    for parents in product(*(space.parent_sets(node) for node in space.nodes)):
        feeds = {p for node_parents in parents for p in node_parents if p != 0}
        total += 3 ** len(feeds)
    return total


class OneShotOracle:
    def __init__(self, space: OneShotSpace, nb101: NB101Oracle, rows: np.ndarray):
        if rows.shape != (space.num_configurations,):
            raise ConfigError(f"{space.name}: expected {space.num_configurations} rows, got {rows.shape}")
        self.space = space
        self.nb101 = nb101
        self.rows = rows

    @classmethod
    def from_nb101(cls, space_or_number, nb101: NB101Oracle) -> "OneShotOracle":
        space = space_or_number if isinstance(space_or_number, OneShotSpace) else get_space(space_or_number)
        cached = _read_cached_rows(nb101.path, space)
        if cached is None:
            cached = space_rows(space, nb101)
        return cls(space, nb101, cached)

    def row_of(self, arch: OneShotArch | str) -> int:
        return int(self.rows[index_of(self._arch(arch))])

    def rows_of(self, archs) -> np.ndarray:
        return np.fromiter((self.row_of(a) for a in archs), dtype=np.int64, count=len(archs))

    def accuracy(self, archs, split: str, epochs: int, statistic: str = "mean"):
        rows = self.row_of(archs) if isinstance(archs, (OneShotArch, str)) else self.rows_of(archs)
        return self.nb101.accuracy(rows, split, epochs, statistic)

    def optimum(self, split: str = "test", epochs: int = 108) -> tuple[float, OneShotArch, int]:
        """(best mean accuracy in the space, its first configuration, its NB101 row).

        Defaults: test accuracy after 108 epochs, the column 1Shot1 reports regret on
        (nasbench-1shot1 experiment_database.py uses test_errors at NB101's 108 epochs)."""
        values = self.nb101.accuracy(np.unique(self.rows), split, epochs)
        best = float(values.max())
        best_rows = np.unique(self.rows)[values == best]
        index = int(np.flatnonzero(np.isin(self.rows, best_rows))[0])
        return best, arch_at(self.space, index), int(self.rows[index])

    def regret(self, arch, split: str = "test", epochs: int = 108) -> float:
        best, _, _ = self.optimum(split, epochs)
        return best - self.accuracy(arch, split, epochs)

    def repo_regret(self, arch, split: str = "test") -> float:
        """Mean error over repeats minus the repository's per-repeat minimum (needs per-repeat data)."""
        minimum = {"test": self.space.test_min_error, "valid": self.space.valid_min_error}.get(split)
        if minimum is None:
            raise ConfigError(f"the repository has minimum errors for test and valid only, not {split!r}")
        repeats = self.nb101.accuracy_repeats(self.row_of(self._arch(arch)), split, 108)
        return float(np.mean(1.0 - repeats)) - minimum

    def sizes(self) -> SpaceSizes:
        return SpaceSizes(self.space.num_configurations, paper_count(self.space), len(np.unique(self.rows)))

    def _arch(self, arch) -> OneShotArch:
        if isinstance(arch, str):
            return OneShotArch.parse(self.space.number, arch)
        if isinstance(arch, OneShotArch):
            if arch.space_number != self.space.number:
                raise MalformedArchitecture(f"{arch!r} belongs to space {arch.space_number}, not {self.space.name}")
            return arch
        raise MalformedArchitecture(f"a {self.space.name} architecture is a OneShotArch or its text, got {type(arch).__name__}")


def space_rows(space: OneShotSpace, nb101: NB101Oracle) -> np.ndarray:
    """int32 NB101 row of every configuration (enumerates the space; MalformedArchitecture if a cell is missing)."""
    enumeration = enumerate_space(space)
    return nb101.rows_of_hashes(list(enumeration.cell_hashes))[enumeration.cell_ids].astype(np.int32)


def write_space_rows(store_path: str | os.PathLike) -> None:
    """Cache every space's configuration -> row map inside the NB101 store (atomic rewrite of the file)."""
    store_path = Path(store_path)
    nb101 = NB101Oracle.load(store_path)
    rows = {number: space_rows(space, nb101) for number, space in SPACES.items()}
    with replaced_atomically(store_path) as tmp:
        shutil.copyfile(store_path, tmp)
        with h5py.File(tmp, "r+") as store:
            if CACHE_GROUP in store:
                del store[CACHE_GROUP]
            for number, values in rows.items():
                data = store.create_dataset(f"{CACHE_GROUP}/s{number}/rows", data=values)
                data.attrs["num_configurations"] = SPACES[number].num_configurations


def _read_cached_rows(store_path: Path, space: OneShotSpace) -> np.ndarray | None:
    with h5py.File(store_path, "r") as store:
        node = store.get(f"{CACHE_GROUP}/s{space.number}/rows")
        if not isinstance(node, h5py.Dataset) or node.shape != (space.num_configurations,):
            return None
        return node[()].astype(np.int64)
