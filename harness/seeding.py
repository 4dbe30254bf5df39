"""Independent random streams derived from one user seed.

The streams form a tree of numpy SeedSequences: the run seed spawns one child per
consumer (supernet initialisation, the method's own sampling, the data), and the data
child spawns one per data consumer (batch order, augmentation, subsets). A consumer
therefore never shifts another one's numbers by drawing more or fewer of its own:
choosing a subset does not change the batch order, a method that samples Gumbel noise
does not change the supernet's initial weights.
"""

from __future__ import annotations

import numpy as np

# Children of the run seed.
INIT_STREAM = 0  # supernet weights
METHOD_STREAM = 1  # architecture initialisation and the method's sampling (Gumbel, hard concrete, ...)
DATA_STREAM = 2  # parent of the data streams below

# Children of the data stream.
LOADER_ORDER_STREAM = 0  # per-epoch permutations of the train and validation splits
LOADER_AUGMENT_STREAM = 1  # crop offsets, flips and cutout centres
SUBSET_TRAIN_STREAM = 2  # which training images a CPU-scale run keeps
SUBSET_VAL_STREAM = 3  # which validation images a CPU-scale run keeps


def derive_seed(seed: int, stream: int) -> int:
    """A 64-bit seed for `stream`, statistically independent of every other stream of `seed`."""
    state = np.random.SeedSequence(entropy=seed, spawn_key=(stream,)).generate_state(1, np.uint64)
    return int(state[0])


def run_streams(seed: int) -> dict[str, int]:
    """The run-level seeds, as recorded in config.json ("seed_streams").

    Shifted to 63 bits so that each is a non-negative int64 (torch.Generator.manual_seed,
    JSON readers that parse into signed 64-bit integers).
    """
    return {name: derive_seed(seed, stream) >> 1
            for name, stream in (("init", INIT_STREAM), ("method", METHOD_STREAM), ("data", DATA_STREAM))}
