"""Independent random streams derived from one user seed.

Every consumer of randomness in the data package gets its own stream id, so that
e.g. choosing a subset never shifts the batch order (and vice versa).
"""

from __future__ import annotations

import numpy as np

LOADER_ORDER_STREAM = 0  # per-epoch permutations of the train and validation splits
LOADER_AUGMENT_STREAM = 1  # crop offsets, flips and cutout centres
SUBSET_TRAIN_STREAM = 2  # which training images a CPU-scale run keeps
SUBSET_VAL_STREAM = 3  # which validation images a CPU-scale run keeps


def derive_seed(seed: int, stream: int) -> int:
    """A 64-bit seed for `stream`, statistically independent of every other stream of `seed`."""
    state = np.random.SeedSequence(entropy=seed, spawn_key=(stream,)).generate_state(1, np.uint64)
    return int(state[0])
