"""NAS-Bench-301's configuration space as the surrogates see it, without the ConfigSpace package.

The surrogates were fit on `Configuration.get_array()` of ConfigSpace 0.4.12 (automl/nasbench301
requirements.txt pins it) over `nasbench301/configspace.json`, as loaded by
`nasbench301/surrogate_models/utils.py: ConfigLoader.load_config_space`. Three facts of that pipeline
fix the feature vector, and this module reproduces each:

1. Order. ConfigSpace 0.4.12 `ConfigurationSpace._sort_hyperparameters` puts hyperparameters by
   depth in the condition graph (unconditioned first, then their children), and within one depth
   in Python string order. Here: the 32 unconditioned names sorted, then the 24 conditioned edges
   sorted (so `edge_normal_10` comes before `edge_normal_2`).
2. Values (ConfigSpace 0.4.12 hyperparameters.pyx `_inverse_transform`): a categorical is the index
   of its value in `choices`; a constant is 0; a uniform float is (v - lower) / (upper - lower),
   in log space when `log`, clipped to [0, 1]; a uniform integer is the same over the float range
   [lower - 0.49999, upper + 0.49999]; a normal float is log(v) when `log`, else v (no scaling).
3. Overrides. `load_config_space` replaces `layers`, `init_channels`, `T_max` (constants or narrow
   ranges in configspace.json) by uniform integers on [1, 10000] and `eta_min` by a uniform float
   on [0, 10000], so the values of `fixed_hyperparameters` (nasbench301/api.py) are legal.

`spaces/darts/nb301/check_configspace.py` compares this table with an official configspace.json.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Union

PREFIX = "NetworkSelectorDatasetInfo:darts:"

# nasbench301/configspace.json, choices of every edge_* hyperparameter (and nasbench301/representations.py
# OPS): the DARTS primitives without `none` (NB301 cells keep exactly two real inputs per node).
OPS = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5")
CELL_TYPES = ("normal", "reduce")
NUM_INTERMEDIATE_NODES = 4
# Edge index of intermediate node k's first candidate input: node k has k + 2 candidates, listed node
# after node (nasbench301/representations.py convert_genotype_to_config: start = 0, n = 2, 3, 4, 5).
NODE_EDGE_OFFSETS = (0, 2, 5, 9)


@dataclass(frozen=True)
class Categorical:
    name: str
    choices: tuple

    def vector_value(self, value) -> float:
        return float(self.choices.index(value))


@dataclass(frozen=True)
class Constant:
    name: str
    value: float

    def vector_value(self, value) -> float:
        if value != self.value:
            raise ValueError(f"{self.name} is the constant {self.value!r}, not {value!r}")
        return 0.0


@dataclass(frozen=True)
class UniformFloat:
    name: str
    lower: float
    upper: float
    log: bool = False

    def vector_value(self, value) -> float:
        return _unit_interval(float(value), float(self.lower), float(self.upper), self.log)


@dataclass(frozen=True)
class UniformInteger:
    name: str
    lower: int
    upper: int
    log: bool = False

    def vector_value(self, value) -> float:
        # ConfigSpace 0.4.12 UniformIntegerHyperparameter: a UniformFloat on [lower - 0.49999, upper + 0.49999].
        return _unit_interval(float(value), self.lower - 0.49999, self.upper + 0.49999, self.log)


@dataclass(frozen=True)
class NormalFloat:
    name: str
    mu: float
    sigma: float
    log: bool = False

    def vector_value(self, value) -> float:
        return math.log(value) if self.log else float(value)


Hyperparameter = Union[Categorical, Constant, UniformFloat, UniformInteger, NormalFloat]


def _unit_interval(value: float, lower: float, upper: float, log: bool) -> float:
    # The operations of ConfigSpace 0.4.12 UniformFloatHyperparameter, in its order. It used np.log, whose
    # float64 result differs by an ulp between numpy builds (numpy 1.23.5 with AVX-512 gives log(128.49999)
    # = 4.855928826514259, libm 4.85592882651426); math.log is the same everywhere, and the boosters read
    # float32 features (xgboost DMatrix), where the two agree.
    if log:
        value, lower, upper = math.log(value), math.log(lower), math.log(upper)
    scaled = (value - lower) / (upper - lower)
    return min(1.0, max(0.0, scaled))


def edge_name(cell: str, edge: int) -> str:
    return f"{PREFIX}edge_{cell}_{edge}"


def inputs_name(cell: str, node: int) -> str:
    """Input pair of intermediate node `node` (numbered 2..5 as in the genotype; node 2 has none: always 0_1)."""
    return f"{PREFIX}inputs_node_{cell}_{node}"


def input_pairs(node: int) -> tuple[str, ...]:
    """configspace.json choices of inputs_node_*_<node>: pairs i < j of its candidate inputs, as "i_j"."""
    return tuple(f"{i}_{j}" for i in range(node) for j in range(i + 1, node))


# nasbench301/configspace.json, the non-architecture part, with ConfigLoader.load_config_space's overrides.
TRAINING_HYPERPARAMETERS: tuple[Hyperparameter, ...] = (
    UniformInteger("CreateImageDataLoader:batch_size", 64, 128, log=True),
    Categorical("ImageAugmentation:augment", (True,)),
    Categorical("ImageAugmentation:autoaugment", (False, True)),
    Categorical("ImageAugmentation:cutout", (True,)),
    UniformInteger("ImageAugmentation:cutout_holes", 1, 3),
    UniformInteger("ImageAugmentation:cutout_length", 1, 50),
    Categorical("ImageAugmentation:fastautoaugment", (False, True)),
    Categorical("LossModuleSelectorIndices:loss_module", ("cross_entropy",)),
    Categorical(f"{PREFIX}auxiliary", (True,)),
    Constant(f"{PREFIX}drop_path_prob", 0.2),
    UniformInteger(f"{PREFIX}init_channels", 1, 10000),  # override; configspace.json: constant 50
    UniformInteger(f"{PREFIX}layers", 1, 10000),  # override; configspace.json: constant 20
    Categorical("NetworkSelectorDatasetInfo:network", ("darts",)),
    Categorical("OptimizerSelector:optimizer", ("sgd",)),
    NormalFloat("OptimizerSelector:sgd:learning_rate", 0.025, 0.05, log=True),
    UniformFloat("OptimizerSelector:sgd:momentum", 0.1, 0.99),
    NormalFloat("OptimizerSelector:sgd:weight_decay", 0.0003, 0.0006, log=True),
    UniformInteger("SimpleLearningrateSchedulerSelector:cosine_annealing:T_max", 1, 10000),  # override; json: 10..100
    UniformFloat("SimpleLearningrateSchedulerSelector:cosine_annealing:eta_min", 0.0, 10000.0),  # override; json: 0..2
    Categorical("SimpleLearningrateSchedulerSelector:lr_scheduler", ("cosine_annealing",)),
    Categorical("SimpleTrainNode:batch_loss_computation_technique", ("mixup",)),
    UniformFloat("SimpleTrainNode:mixup:alpha", 0.01, 0.7, log=True),
)

# Replaced by ConfigLoader.load_config_space whatever configspace.json says (the comments above give the json's).
LOADER_OVERRIDES = (
    f"{PREFIX}init_channels",
    f"{PREFIX}layers",
    "SimpleLearningrateSchedulerSelector:cosine_annealing:T_max",
    "SimpleLearningrateSchedulerSelector:cosine_annealing:eta_min",
)

# nasbench301/api.py fixed_hyperparameters: the training protocol every NB301 query is made under
# (32 channels, 8 cells, 100 epochs). The strings "True"/"False" there become booleans in
# ConfigLoader.convert_config_dict_to_configspace_instance, so they are booleans here.
FIXED_HYPERPARAMETERS: dict[str, object] = {
    "CreateImageDataLoader:batch_size": 96,
    "ImageAugmentation:augment": True,
    "ImageAugmentation:cutout": True,
    "ImageAugmentation:cutout_holes": 1,
    "ImageAugmentation:cutout_length": 16,
    "ImageAugmentation:autoaugment": False,
    "ImageAugmentation:fastautoaugment": False,
    "LossModuleSelectorIndices:loss_module": "cross_entropy",
    f"{PREFIX}auxiliary": True,
    f"{PREFIX}drop_path_prob": 0.2,
    "NetworkSelectorDatasetInfo:network": "darts",
    "OptimizerSelector:optimizer": "sgd",
    "OptimizerSelector:sgd:learning_rate": 0.025,
    "OptimizerSelector:sgd:momentum": 0.9,
    "OptimizerSelector:sgd:weight_decay": 0.0003,
    "SimpleLearningrateSchedulerSelector:cosine_annealing:T_max": 100,
    "SimpleLearningrateSchedulerSelector:cosine_annealing:eta_min": 1e-8,
    "SimpleLearningrateSchedulerSelector:lr_scheduler": "cosine_annealing",
    "SimpleTrainNode:batch_loss_computation_technique": "mixup",
    "SimpleTrainNode:mixup:alpha": 0.2,
    f"{PREFIX}init_channels": 32,
    f"{PREFIX}layers": 8,
}


def _architecture_hyperparameters() -> tuple[tuple[Hyperparameter, ...], dict[str, tuple[str, tuple[str, ...]]]]:
    """Edge and input-pair hyperparameters, and the conditions: child -> (parent, parent values that activate it)."""
    hyperparameters: list[Hyperparameter] = []
    conditions: dict[str, tuple[str, tuple[str, ...]]] = {}
    for cell in CELL_TYPES:
        for k, offset in enumerate(NODE_EDGE_OFFSETS):
            node = k + 2
            for source in range(node):
                hyperparameters.append(Categorical(edge_name(cell, offset + source), OPS))
            if k == 0:
                continue  # node 2 has exactly two candidates, both always used: no choice, no condition
            pairs = input_pairs(node)
            hyperparameters.append(Categorical(inputs_name(cell, node), pairs))
            for source in range(node):
                using = tuple(pair for pair in pairs if str(source) in pair.split("_"))
                conditions[edge_name(cell, offset + source)] = (inputs_name(cell, node), using)
    return tuple(hyperparameters), conditions


_ARCHITECTURE, CONDITIONS = _architecture_hyperparameters()
HYPERPARAMETERS: dict[str, Hyperparameter] = {hp.name: hp for hp in TRAINING_HYPERPARAMETERS + _ARCHITECTURE}

# ConfigSpace 0.4.12 order: depth 1 (no condition) sorted by name, then depth 2 (conditioned on an inputs_node_*).
HYPERPARAMETER_ORDER: tuple[str, ...] = tuple(sorted(n for n in HYPERPARAMETERS if n not in CONDITIONS)) + tuple(
    sorted(CONDITIONS)
)
NUM_FEATURES = len(HYPERPARAMETER_ORDER)

# XGBModel.query / LGBModel.query (nasbench301/surrogate_models/gradient_boosting/): get_array() leaves an
# inactive hyperparameter NaN and the query sets every NaN to -1 before calling the booster. The value is
# part of the features the surrogates were trained on, so it is reproduced here, not a sentinel of ours.
INACTIVE_FEATURE_VALUE = -1.0
