"""The seed tree: recorded runs and the regression goldens depend on it staying exactly as it is."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from harness.seeding import (
    DATA_STREAM,
    INIT_STREAM,
    METHOD_STREAM,
    derive_seed,
    run_streams,
)


@pytest.mark.parametrize("seed", [0, 1, 3, 2**40 + 5])
def test_run_streams_are_the_first_three_spawned_children_of_the_run_seed(seed):
    # Independent construction: numpy's own spawn() of the run seed, children in the order init, method, data.
    children = np.random.SeedSequence(seed).spawn(3)
    expected = [int(child.generate_state(1, np.uint64)[0]) >> 1 for child in children]
    streams = run_streams(seed)
    assert [streams["init"], streams["method"], streams["data"]] == expected
    assert [INIT_STREAM, METHOD_STREAM, DATA_STREAM] == [0, 1, 2]
    for value in streams.values():
        assert 0 <= value < 2**63
        torch.Generator().manual_seed(value)  # accepted as it is


def test_streams_differ_between_consumers_and_between_seeds():
    values = [derive_seed(seed, stream) for seed in range(4) for stream in range(4)]
    assert len(set(values)) == len(values)
    assert len({v for seed in range(50) for v in run_streams(seed).values()}) == 150
