"""Training protocols of an evaluation (an architecture trained from scratch) and their presets.

paper  the protocol the space's papers trained their final architectures with:
       nb201          NAS-Bench-201's own training (D-X-Y/AutoDL-Projects configs/nas-benchmark/
                      hyper-opts/200E.config: cosine to 0 over 200 epochs, SGD lr 0.1, Nesterov momentum
                      0.9, weight decay 5e-4, batch 256; NAS-Bench-201 Section 2.3) with its network C=16,
                      N=5; random crop (pad 4) and flip, no cutout, no gradient clipping (lib/procedures/
                      funcs_nasbench.py procedure() clips nothing)
       DARTS family   DARTS Section 3.3 / quark0/darts cnn/train.py defaults: 600 epochs, batch 96, SGD lr
                      0.025 momentum 0.9 weight decay 3e-4, cosine to 0, gradient norm clipped at 5,
                      auxiliary head weighted 0.4, drop-path 0.2, cutout 16; 20 cells of 36 channels on
                      CIFAR-10. RobustDARTS' evaluation uses the same numbers (automl/RobustDARTS
                      src/evaluation/args.py, --cutout --auxiliary in scripts/DARTS_eval.sh) with the
                      network sizes of src/evaluation/config.yaml: CIFAR-10 S1 and S3 20 cells x 36
                      channels, S2 and S4 20 x 16; CIFAR-100 and SVHN 8 cells x 16 channels (harness
                      choice: the same for the DARTS and Amended-DARTS spaces there, whose papers train
                      on CIFAR-10 only). Amended-DARTS Section 4.1.1 retrains the same way (36 channels,
                      lr 0.025 cosine to 0 over 600 epochs, weight decay 3e-4, momentum 0.9).
cpu    fits a 2-core CPU (harness choice): the paper protocol's optimizer, loss and augmentation on
       2,048 training and 1,024 test images for 20 epochs, batch 64, with a small network (DARTS family
       C=8, 5 cells; NAS-Bench-201 C=8, N=2). Measured with one torch thread on real CIFAR-10: DARTS_V2
       17-34 s per epoch (6-11 min per evaluation, depending on the machine's other load), the best
       NAS-Bench-201 cell 8-10 s per epoch (about 3 min).
quick  a pipeline check in seconds (harness choice): 256 training and 128 test images, 2 epochs, batch 64,
       DARTS family C=4, 3 cells; NAS-Bench-201 C=4, N=1.
The cosine is per epoch: epoch e (0-based) of E trains at lr_min + (lr - lr_min)(1 + cos(pi e / E)) / 2,
as torch's CosineAnnealingLR(optimizer, E) stepped once per epoch in quark0/darts cnn/train.py and
NAS-Bench-201's CosineAnnealingLR.update(epoch, ...) (lib/procedures/optimizers.py: the epoch alone sets it).
"""

from __future__ import annotations

import copy
from typing import Any

from harness.config import apply_assignment, deep_merge, flatten, parse_assignment
from harness.config_checks import boolean, non_negative_int, non_negative_number, optional, \
    positive_int, positive_number, unit_interval_open_right
from spaces.errors import ConfigError

EVALUATION_DATASETS = ("cifar10", "cifar100", "svhn")
PRESETS = ("paper", "cpu", "quick")
NB201_SPACES = ("nb201",)
ROBUSTDARTS_SPACES = ("darts-s1", "darts-s2", "darts-s3", "darts-s4")

# quark0/darts cnn/utils.py _data_transforms_cifar10 (DARTS' own CIFAR-10 constants)
DARTS_CIFAR10_MEAN = [0.49139968, 0.48215827, 0.44653124]
DARTS_CIFAR10_STD = [0.24703233, 0.24348505, 0.26158768]
# automl/RobustDARTS src/utils.py _data_transforms_cifar100
ROBUSTDARTS_CIFAR100_MEAN = [0.5071, 0.4865, 0.4409]
ROBUSTDARTS_CIFAR100_STD = [0.2673, 0.2564, 0.2762]

NB201_TRAINING: dict[str, Any] = {
    "protocol": "nb201-200E",
    "epochs": 200,
    "optimizer": {"lr": 0.1, "lr_min": 0.0, "momentum": 0.9, "nesterov": True, "weight_decay": 5e-4,
                  "grad_clip": None},
    "loss": {"auxiliary_weight": 0.0},
    "data": {"batch_size": 256, "augment": True, "cutout": 0, "mean": None, "std": None},
}
DARTS_TRAINING: dict[str, Any] = {
    "protocol": "darts",
    "epochs": 600,
    "optimizer": {"lr": 0.025, "lr_min": 0.0, "momentum": 0.9, "nesterov": False, "weight_decay": 3e-4,
                  "grad_clip": 5.0},
    "loss": {"auxiliary_weight": 0.4},
    "data": {"batch_size": 96, "augment": True, "cutout": 16, "mean": None, "std": None},
}
# Shared by every protocol (harness choices): the test pass batch, and no subsets at paper scale.
COMMON: dict[str, Any] = {"data": {"train_subset": None, "test_subset": None}, "eval": {"batch_size": 256}}

SMALL_NETWORKS = {  # preset -> (DARTS family channels and cells, NAS-Bench-201 channels and cells per stage)
    "cpu": ({"channels": 8, "layers": 5}, {"channels": 8, "cells_per_stage": 2}),
    "quick": ({"channels": 4, "layers": 3}, {"channels": 4, "cells_per_stage": 1}),
}
SMALL_TRAINING = {
    "cpu": {"epochs": 20, "data": {"batch_size": 64, "train_subset": 2048, "test_subset": 1024}},
    "quick": {"epochs": 2, "data": {"batch_size": 64, "train_subset": 256, "test_subset": 128}},
}

EVALUATION_RANGES = {
    "epochs": positive_int,
    "optimizer.lr": positive_number,
    "optimizer.lr_min": non_negative_number,
    "optimizer.momentum": unit_interval_open_right,
    "optimizer.nesterov": boolean,
    "optimizer.weight_decay": non_negative_number,
    "optimizer.grad_clip": optional(positive_number),
    "loss.auxiliary_weight": non_negative_number,
    "data.batch_size": positive_int,
    "data.augment": boolean,
    "data.cutout": non_negative_int,
    "data.train_subset": optional(positive_int),
    "data.test_subset": optional(positive_int),
    "eval.batch_size": positive_int,
}


def _darts_network(space, space_name: str, dataset: str) -> dict[str, Any]:
    network = space.evaluation_defaults()
    if dataset in ("cifar100", "svhn"):  # automl/RobustDARTS src/evaluation/config.yaml s*_cifar100/svhn
        network["channels"] = 16
        if not _type_per_cell(space):
            network["layers"] = 8
    elif space_name in ("darts-s2", "darts-s4"):  # config.yaml s2_cifar10_dp, s4_cifar10_dp: 16 x 20
        network["channels"] = 16
    return network


def _type_per_cell(space) -> bool:
    return getattr(getattr(space, "layout", None), "type_per_cell", False)


def _darts_training(space_name: str, dataset: str) -> dict[str, Any]:
    training = copy.deepcopy(DARTS_TRAINING)
    if space_name in ROBUSTDARTS_SPACES or dataset != "cifar10":
        training["protocol"] = "robustdarts"
    elif space_name.startswith("amended"):
        training["protocol"] = "amended-darts"
    if dataset == "cifar10":
        training["data"].update(mean=DARTS_CIFAR10_MEAN, std=DARTS_CIFAR10_STD)
    elif dataset == "cifar100":
        training["data"].update(mean=ROBUSTDARTS_CIFAR100_MEAN, std=ROBUSTDARTS_CIFAR100_STD)
    return training


def paper_protocol(space, space_name: str, dataset: str) -> dict[str, Any]:
    if space_name in NB201_SPACES:
        return deep_merge(COMMON, {**copy.deepcopy(NB201_TRAINING), "network": space.evaluation_defaults()})
    return deep_merge(COMMON, {**_darts_training(space_name, dataset),
                               "network": _darts_network(space, space_name, dataset)})


def preset_protocol(space, space_name: str, dataset: str, preset: str) -> dict[str, Any]:
    if preset not in PRESETS:
        raise ConfigError(f"unknown evaluation preset {preset!r}; presets: {', '.join(PRESETS)}")
    config = paper_protocol(space, space_name, dataset)
    if preset == "paper":
        return config
    darts_net, nb201_net = SMALL_NETWORKS[preset]
    network = dict(nb201_net) if space_name in NB201_SPACES else dict(darts_net)
    if _type_per_cell(space):
        network.pop("layers")  # a genotype per cell fixes the number of cells
    config = deep_merge(config, {**SMALL_TRAINING[preset], "network": network})
    return config


def resolve_evaluation_config(space, space_name: str, dataset: str, preset: str, arch_text: str,
                              assignments=()) -> dict[str, Any]:
    """The resolved config of one evaluation (saved as config.json; its hash without `arch` names the
    directory level below the architecture's)."""
    if dataset not in EVALUATION_DATASETS:
        raise ConfigError(f"unknown evaluation dataset {dataset!r}; datasets: {', '.join(EVALUATION_DATASETS)}")
    config = {"kind": "evaluation", "space": space_name, "dataset": dataset, "preset": preset, "arch": arch_text,
              **preset_protocol(space, space_name, dataset, preset)}
    for text in assignments:
        path, value = parse_assignment(text)
        if ".".join(path) in ("kind", "space", "dataset", "preset", "arch", "protocol"):
            raise ConfigError(f"--set {'.'.join(path)}: choose it with its own flag, not --set")
        apply_assignment(config, path, value)
    check_evaluation_config(config)
    space.check_evaluation_network(config["network"])
    return config


def check_evaluation_config(config: dict[str, Any]) -> None:
    flat = flatten(config)
    for key, check in EVALUATION_RANGES.items():
        problem = check(flat[key])
        if problem is not None:
            raise ConfigError(f"{key} must be {problem}, got {flat[key]!r}")
    for key in ("mean", "std"):
        value = config["data"][key]
        if value is not None and not (isinstance(value, list) and len(value) == 3 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in value)):
            raise ConfigError(f"data.{key} must be null (the dataset's) or three positive numbers, got {value!r}")
    if config["data"]["cutout"] and not config["data"]["augment"]:
        raise ConfigError("data.cutout needs data.augment=true")
    if config["optimizer"]["nesterov"] and not config["optimizer"]["momentum"]:
        raise ConfigError("optimizer.nesterov=true needs optimizer.momentum > 0")
