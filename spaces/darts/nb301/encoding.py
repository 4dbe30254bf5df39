"""DARTS genotype -> NAS-Bench-301 configuration -> the surrogates' feature vector.

`configuration(genotype)` is what `nasbench301.representations.convert_genotype_to_config` builds:
edge keys `...:edge_<cell>_<offset_k + input>` (offsets 0, 2, 5, 9) holding the op, and for nodes
3..5 `...:inputs_node_<cell>_<k + 2>` = the sorted input pair joined by "_". `encode(genotype)` is
`ConfigLoader.query_config_dict({**fixed_hyperparameters, **configuration}).get_array()` with NaN
set to -1, as `XGBModel.query` / `LGBModel.query` feed the boosters (see configspace.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from spaces.darts.nb301.configspace import (
    FIXED_HYPERPARAMETERS,
    HYPERPARAMETER_ORDER,
    HYPERPARAMETERS,
    INACTIVE_FEATURE_VALUE,
    NODE_EDGE_OFFSETS,
    NUM_FEATURES,
    edge_name,
    inputs_name,
)
from spaces.darts.nb301.genotype import parse_genotype


def configuration(genotype: Any) -> dict[str, str]:
    """The architecture part of the NB301 configuration (no training hyperparameters)."""
    config: dict[str, str] = {}
    for cell, pairs in parse_genotype(genotype).items():
        for k, offset in enumerate(NODE_EDGE_OFFSETS):
            node_pairs = pairs[2 * k : 2 * k + 2]
            for op, source in node_pairs:
                config[edge_name(cell, offset + source)] = op
            if k > 0:
                config[inputs_name(cell, k + 2)] = "_".join(str(source) for source in sorted(s for _, s in node_pairs))
    return config


def encode(genotype: Any) -> np.ndarray:
    """Feature vector [56] float64, in ConfigSpace 0.4.12 order, as the NB301 boosters read it."""
    values = {**FIXED_HYPERPARAMETERS, **configuration(genotype)}
    return np.array(
        [
            HYPERPARAMETERS[name].vector_value(values[name]) if name in values else INACTIVE_FEATURE_VALUE
            for name in HYPERPARAMETER_ORDER
        ],
        dtype=np.float64,
    )


def encode_many(genotypes: Iterable[Any]) -> np.ndarray:
    """Feature matrix [n, 56] float64."""
    rows = [encode(genotype) for genotype in genotypes]
    return np.stack(rows) if rows else np.empty((0, NUM_FEATURES), dtype=np.float64)
