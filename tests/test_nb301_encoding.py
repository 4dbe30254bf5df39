"""NAS-Bench-301 genotype encoding: hand-worked configurations and vectors, and the official pipeline's vectors.

The official vectors (tests/fixtures/nb301_2020/reference.json) were made by the official code itself:
nasbench301 0.3 `convert_genotype_to_config` + `ConfigLoader` on ConfigSpace 0.4.12 (make_fixture.py).
"""

from __future__ import annotations

import json
import math
from collections import namedtuple
from pathlib import Path

import numpy as np
import pytest

from spaces.darts.nb301.configspace import HYPERPARAMETER_ORDER
from spaces.darts.nb301.encoding import configuration, encode, encode_many
from spaces.errors import MalformedArchitecture

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "nb301_2020" / "reference.json").read_text())
P = "NetworkSelectorDatasetInfo:darts:"

# quark0/darts cnn/genotypes.py
DARTS_V2 = {
    "normal": [("sep_conv_3x3", 0), ("sep_conv_3x3", 1), ("sep_conv_3x3", 0), ("sep_conv_3x3", 1),
               ("sep_conv_3x3", 1), ("skip_connect", 0), ("skip_connect", 0), ("dil_conv_3x3", 2)],
    "normal_concat": [2, 3, 4, 5],
    "reduce": [("max_pool_3x3", 0), ("max_pool_3x3", 1), ("skip_connect", 2), ("max_pool_3x3", 1),
               ("max_pool_3x3", 0), ("skip_connect", 2), ("skip_connect", 2), ("max_pool_3x3", 1)],
    "reduce_concat": [2, 3, 4, 5],
}

# Worked by hand: node k's candidate inputs are edges offset_k + input with offsets 0, 2, 5, 9 (node 2: edges
# 0-1, node 3: 2-4, node 4: 5-8, node 5: 9-13); nodes 3..5 also name their sorted input pair.
DARTS_V2_CONFIGURATION = {
    f"{P}edge_normal_0": "sep_conv_3x3", f"{P}edge_normal_1": "sep_conv_3x3",  # node 2 <- 0, 1
    f"{P}edge_normal_2": "sep_conv_3x3", f"{P}edge_normal_3": "sep_conv_3x3",  # node 3 <- 0, 1
    f"{P}inputs_node_normal_3": "0_1",
    f"{P}edge_normal_6": "sep_conv_3x3", f"{P}edge_normal_5": "skip_connect",  # node 4 <- 1, 0
    f"{P}inputs_node_normal_4": "0_1",
    f"{P}edge_normal_9": "skip_connect", f"{P}edge_normal_11": "dil_conv_3x3",  # node 5 <- 0, 2
    f"{P}inputs_node_normal_5": "0_2",
    f"{P}edge_reduce_0": "max_pool_3x3", f"{P}edge_reduce_1": "max_pool_3x3",  # node 2 <- 0, 1
    f"{P}edge_reduce_4": "skip_connect", f"{P}edge_reduce_3": "max_pool_3x3",  # node 3 <- 2, 1
    f"{P}inputs_node_reduce_3": "1_2",
    f"{P}edge_reduce_5": "max_pool_3x3", f"{P}edge_reduce_7": "skip_connect",  # node 4 <- 0, 2
    f"{P}inputs_node_reduce_4": "0_2",
    f"{P}edge_reduce_11": "skip_connect", f"{P}edge_reduce_10": "max_pool_3x3",  # node 5 <- 2, 1
    f"{P}inputs_node_reduce_5": "1_2",
}

OP_INDEX = {"max_pool_3x3": 0, "avg_pool_3x3": 1, "skip_connect": 2, "sep_conv_3x3": 3, "sep_conv_5x5": 4,
            "dil_conv_3x3": 5, "dil_conv_5x5": 6}
PAIR_INDEX = {
    3: ["0_1", "0_2", "1_2"],
    4: ["0_1", "0_2", "0_3", "1_2", "1_3", "2_3"],
    5: ["0_1", "0_2", "0_3", "0_4", "1_2", "1_3", "1_4", "2_3", "2_4", "3_4"],
}


def unit(value, lower, upper, log=False):
    """ConfigSpace 0.4.12 uniform normalisation, written out."""
    if log:
        return (math.log(value) - math.log(lower)) / (math.log(upper) - math.log(lower))
    return (value - lower) / (upper - lower)


def integer(value, lower, upper, log=False):
    return unit(value, lower - 0.49999, upper + 0.49999, log)


# api.py fixed_hyperparameters through the hyperparameters of ConfigLoader.load_config_space, by hand.
TRAINING_VALUES = {
    "CreateImageDataLoader:batch_size": integer(96, 64, 128, log=True),
    "ImageAugmentation:cutout_holes": integer(1, 1, 3),
    "ImageAugmentation:cutout_length": integer(16, 1, 50),
    f"{P}init_channels": integer(32, 1, 10000),
    f"{P}layers": integer(8, 1, 10000),
    "OptimizerSelector:sgd:learning_rate": math.log(0.025),
    "OptimizerSelector:sgd:momentum": unit(0.9, 0.1, 0.99),
    "OptimizerSelector:sgd:weight_decay": math.log(0.0003),
    "SimpleLearningrateSchedulerSelector:cosine_annealing:T_max": integer(100, 1, 10000),
    "SimpleLearningrateSchedulerSelector:cosine_annealing:eta_min": unit(1e-8, 0.0, 10000.0),
    "SimpleTrainNode:mixup:alpha": unit(0.2, 0.01, 0.7, log=True),
}  # every other training hyperparameter is a categorical at index 0 or a constant (0)


def probe(name):
    return next(p for p in REFERENCE["probes"] if p["name"] == name)


def test_darts_v2_configuration_matches_the_hand_worked_keys_and_the_official_converter():
    assert configuration(DARTS_V2) == DARTS_V2_CONFIGURATION
    assert configuration(DARTS_V2) == probe("DARTS_V2")["config"]


def test_darts_v2_vector_matches_the_hand_worked_values():
    expected = []
    for name in HYPERPARAMETER_ORDER:
        if name in TRAINING_VALUES:
            expected.append(TRAINING_VALUES[name])
        elif name in DARTS_V2_CONFIGURATION:
            value = DARTS_V2_CONFIGURATION[name]
            expected.append(OP_INDEX[value] if "edge_" in name else PAIR_INDEX[int(name[-1])].index(value))
        elif "edge_" in name:
            expected.append(-1.0)  # an edge the node does not use: NaN in get_array, -1 in XGBModel.query
        else:
            expected.append(0.0)
    np.testing.assert_allclose(encode(DARTS_V2), expected, rtol=0, atol=1e-15)


def test_order_is_configspace_0_4_12_order():
    assert list(HYPERPARAMETER_ORDER) == REFERENCE["hyperparameter_order"]
    assert len(HYPERPARAMETER_ORDER) == 56


@pytest.mark.parametrize("name", [p["name"] for p in REFERENCE["probes"]])
def test_vectors_equal_the_official_pipeline(name):
    official = np.asarray(probe(name)["vector"])
    ours = encode(probe(name)["genotype"])
    assert ours.dtype == np.float64 and ours.shape == (56,)
    # The boosters read float32 (xgboost DMatrix): there the vectors are identical. In float64 they may differ
    # by an ulp where ConfigSpace's np.log did (see configspace.py _unit_interval).
    np.testing.assert_array_equal(ours.astype(np.float32), official.astype(np.float32))
    np.testing.assert_allclose(ours, official, rtol=0, atol=1e-14)


def test_official_configuration_of_every_probe():
    for record in REFERENCE["probes"]:
        assert configuration(record["genotype"]) == record["config"], record["name"]


def test_pair_order_within_a_node_does_not_matter():
    swapped = {**DARTS_V2, "normal": list(DARTS_V2["normal"])}
    swapped["normal"][6], swapped["normal"][7] = swapped["normal"][7], swapped["normal"][6]
    np.testing.assert_array_equal(encode(swapped), encode(DARTS_V2))


def test_namedtuple_genotypes_and_batches():
    Genotype = namedtuple("Genotype", "normal normal_concat reduce reduce_concat")
    as_tuple = Genotype(DARTS_V2["normal"], range(2, 6), DARTS_V2["reduce"], range(2, 6))
    np.testing.assert_array_equal(encode(as_tuple), encode(DARTS_V2))
    batch = encode_many([DARTS_V2, probe("random_0")["genotype"]])
    assert batch.shape == (2, 56)
    np.testing.assert_array_equal(batch[1], encode(probe("random_0")["genotype"]))
    assert encode_many([]).shape == (0, 56)


def with_pair(cell, index, pair):
    genotype = {**DARTS_V2, cell: list(DARTS_V2[cell])}
    genotype[cell][index] = pair
    return genotype


@pytest.mark.parametrize(
    "genotype, reason",
    [
        (with_pair("normal", 0, ("none", 0)), "op 'none' cannot be encoded"),
        (with_pair("reduce", 3, ("noise", 1)), "'noise' is not in NAS-Bench-301's search space"),
        (with_pair("normal", 7, ("skip_connect", 0)), "node 5: both pairs read input 0"),
        (with_pair("normal", 1, ("sep_conv_3x3", 0)), "node 2: both pairs read input 0"),
        (with_pair("reduce", 2, ("skip_connect", 3)), "node 3: input must be an integer in 0..2"),
        (with_pair("normal", 4, ("skip_connect", -1)), "input must be an integer in 0..3"),
        (with_pair("normal", 4, ("skip_connect", True)), "input must be an integer"),
        (with_pair("normal", 4, "skip_connect"), "expected an (op, input) pair"),
        ({**DARTS_V2, "normal": DARTS_V2["normal"][:6]}, "expected 8 (op, input) pairs"),
        ({**DARTS_V2, "reduce_concat": [4, 5]}, "always concatenate nodes [2, 3, 4, 5]"),
        ({k: v for k, v in DARTS_V2.items() if k != "reduce"}, "has no 'reduce'"),
        ("not a genotype", "without 'normal'"),
    ],
)
def test_genotypes_nb301_cannot_encode_are_rejected_with_the_reason(genotype, reason):
    with pytest.raises(MalformedArchitecture) as caught:
        encode(genotype)
    assert reason in str(caught.value)


def test_numpy_integer_inputs_are_accepted():
    genotype = with_pair("normal", 7, ("dil_conv_3x3", np.int64(2)))
    np.testing.assert_array_equal(encode(genotype), encode(DARTS_V2))
