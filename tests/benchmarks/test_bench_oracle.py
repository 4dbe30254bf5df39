"""Speed of the NB201 oracle store: loading it and vectorised lookups."""

from __future__ import annotations

import numpy as np

from spaces.nb201.encoding import NUM_ARCHS, NUM_EDGES, OPS, NB201Arch
from spaces.nb201.oracle import NB201Oracle


def test_store_load(benchmark, nb201_store):
    oracle = benchmark(NB201Oracle.load, nb201_store)
    assert oracle.metadata["num_archs"] == NUM_ARCHS


def test_vectorised_lookup_of_10000_architectures(benchmark, nb201_store):
    oracle = NB201Oracle.load(nb201_store)
    ops = np.random.default_rng(0).integers(0, len(OPS), (10_000, NUM_EDGES))
    accuracies = benchmark(oracle.accuracy, ops, "cifar10", "ori-test", 200)
    assert accuracies.shape == (10_000,)
    first = NB201Arch(tuple(int(o) for o in ops[0]))
    assert accuracies[0] == oracle.accuracy(str(first), "cifar10", "ori-test", 200)
