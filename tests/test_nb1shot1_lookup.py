"""1Shot1 architectures looked up in the NB101 store built from the shared CSV."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from conftest import require_shared
from fixtures.nb101_store import CSV_RELATIVE, csv_rows, load_oracle
from spaces.nb101.cell import NB101Cell
from spaces.nb101.oracle import UnavailableQuantity
from spaces.nb1shot1.architecture import OneShotArch
from spaces.nb1shot1.enumeration import arch_at
from spaces.nb1shot1.oracle import OneShotOracle, space_rows
from spaces.nb1shot1.spaces import SPACES

pytestmark = pytest.mark.shared_data

HAND_BUILT = [
    (1, "conv3x3~0|maxpool3x3~0,1|conv1x1~1,2|conv3x3~0,3|output~2,4"),
    (1, "conv1x1~0|conv3x3~0,1|maxpool3x3~0,1|conv3x3~0,1|output~0,1"),  # blocks 2-4 are loose ends
    (2, "maxpool3x3~0|conv3x3~1|conv1x1~0,2|conv3x3~1,3|output~0,3,4"),
    (3, "conv3x3~0|conv1x1~1|maxpool3x3~0|conv3x3~2,3|conv3x3~1,4|output~0,5"),
]


@pytest.fixture(scope="module")
def csv_path():
    return require_shared(CSV_RELATIVE)


@pytest.fixture(scope="module")
def nb101(csv_path, tmp_path_factory):
    return load_oracle(csv_path, tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def table(csv_path):
    header, body = csv_rows(csv_path)
    col = {name: i for i, name in enumerate(header)}
    return col, body


def _csv_cell(row, col) -> NB101Cell:
    ops = row[col["ops"]].split(",")
    keep = [v for v, op in enumerate(ops) if op != "null"]
    return NB101Cell([[int(row[col["matrix"]][7 * i + j]) for j in keep] for i in keep], [ops[v] for v in keep])


def _isomorphic(a: NB101Cell, b: NB101Cell) -> bool:
    """Brute force over renumberings of the interior vertices (no hashing involved)."""
    if a.num_vertices != b.num_vertices or a.num_edges != b.num_edges or sorted(a.ops) != sorted(b.ops):
        return False
    ma, mb = np.array(a.matrix), np.array(b.matrix)
    last = a.num_vertices - 1
    for order in itertools.permutations(range(1, last)):
        full = [0, *order, last]
        if np.array_equal(ma[np.ix_(full, full)], mb) and [a.ops[v] for v in full] == list(b.ops):
            return True
    return False


@pytest.mark.parametrize("number, text", HAND_BUILT)
def test_hand_built_cells_are_the_csv_cells(nb101, table, number, text):
    col, body = table
    oracle = OneShotOracle.from_nb101(number, nb101)
    arch = OneShotArch.parse(number, text)
    row = oracle.row_of(arch)
    # the row's own matrix/ops in the CSV is the same graph as our pruned cell (checked without hashes)
    assert _isomorphic(arch.to_nb101().pruned(), _csv_cell(body[row], col))
    assert oracle.accuracy(arch, "test", 108) == float(body[row][col["test_acc_108_mean"]])
    assert nb101.lookup(arch.nb101_matrix(), arch.nb101_ops()) == row


def test_every_space_1_configuration_is_in_nb101(nb101):
    rows = space_rows(SPACES[1], nb101)  # raises MalformedArchitecture for a cell that is missing
    assert rows.shape == (14_580,) and rows.min() >= 0
    assert len(np.unique(rows)) == OneShotOracle(SPACES[1], nb101, rows.astype(np.int64)).sizes().nb101_cells


def test_cached_rows_equal_fresh_enumeration(nb101):
    for number in (1, 2):
        cached = OneShotOracle.from_nb101(number, nb101).rows
        assert np.array_equal(cached, space_rows(SPACES[number], nb101))


@pytest.mark.parametrize("number", [1, 2])
def test_optimum_by_brute_force(nb101, table, number):
    """Best mean test accuracy over every configuration, hashed one by one and read from the CSV itself."""
    col, body = table
    accuracy = {row[col["module_hash"]]: float(row[col["test_acc_108_mean"]]) for row in body}
    space = SPACES[number]
    seen: dict[str, float] = {}
    for index in range(space.num_configurations):
        cell = arch_at(space, index).to_nb101().pruned()
        key = str(cell)
        if key not in seen:
            seen[key] = accuracy[cell.module_hash()]
    best, arch, row = OneShotOracle.from_nb101(number, nb101).optimum()
    assert best == max(seen.values())
    assert accuracy[arch.to_nb101().module_hash()] == best == nb101.accuracy(row, "test", 108)


def test_space_3_optimum_is_attained_and_not_beaten_by_samples(nb101):
    oracle = OneShotOracle.from_nb101(3, nb101)
    best, arch, _ = oracle.optimum()
    assert oracle.accuracy(arch, "test", 108) == best
    sample = [arch_at(SPACES[3], int(i)) for i in np.random.default_rng(3).choice(SPACES[3].num_configurations, 3000)]
    assert max(oracle.accuracy(sample, "test", 108)) <= best
    assert oracle.regret(arch) == 0.0


def test_repo_regret_needs_per_repeat_data(nb101):
    oracle = OneShotOracle.from_nb101(1, nb101)
    with pytest.raises(UnavailableQuantity, match="no per-repeat values"):
        oracle.repo_regret(HAND_BUILT[0][1])
