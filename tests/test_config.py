"""Config resolution: precedence, overrides, validation, hashing."""

from __future__ import annotations

import pytest

from harness.config import config_hash, resolve_config
from spaces.errors import ConfigError


def test_precedence_method_then_preset_then_flags_then_set():
    paper = resolve_config("darts", "nb201", "paper")
    quick = resolve_config("darts", "nb201", "quick")
    assert quick["supernet"]["channels"] < paper["supernet"]["channels"]
    assert quick["arch"] == paper["arch"], "a preset changes scale, not the method's optimizer settings"
    flagged = resolve_config("darts", "nb201", "quick", epochs=3, assignments=["epochs=4", "arch.lr=0.01"])
    assert flagged["epochs"] == 4 and flagged["arch"]["lr"] == 0.01


def test_set_parses_json_values_and_strings():
    config = resolve_config("darts", "nb201", assignments=["arch.betas=[0.9, 0.99]", "data.split_file=x.txt",
                                                           "data.split=nb201"])
    assert config["arch"]["betas"] == [0.9, 0.99]
    assert config["data"]["split_file"] == "x.txt"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"method": "nope"}, "unknown method 'nope'"),
        ({"space": "nb999"}, "unknown search space 'nb999'"),
        ({"preset_name": "huge"}, "unknown preset 'huge'"),
        ({"dataset": "mnist"}, "unknown dataset 'mnist'"),
        ({"epochs": 0}, "epochs must be a positive integer"),
        ({"assignments": ["arch.lrr=1"]}, "no such setting"),
        ({"assignments": ["arch"]}, "--set takes key=value"),
        ({"assignments": ["data.batch_size=-3"]}, "data.batch_size must be a positive integer"),
        ({"assignments": ["data.train_portion=1.5"]}, "train_portion"),
        ({"assignments": ["data.split=nb201"]}, "split_file"),
        ({"assignments": ["epochs.x=1"]}, "is not a section"),
    ],
)
def test_impossible_configs_fail_with_a_clear_message(kwargs, message):
    args = {"method": "darts", "space": "nb201", **kwargs}
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        resolve_config(**args)


def test_hash_ignores_seed_but_not_settings():
    base = resolve_config("darts", "nb201", "quick")
    assert config_hash(base) == config_hash({**base, "seed": 7})
    assert config_hash(base) != config_hash(resolve_config("darts", "nb201", "quick", epochs=9))
    assert config_hash(base) != config_hash(resolve_config("darts-2nd", "nb201", "quick"))


def test_quick_preset_keeps_the_warmup_fraction_of_the_paper_setup():
    paper = resolve_config("pcdarts", "nb201", "paper")
    quick = resolve_config("pcdarts", "nb201", "quick")
    assert paper["arch"]["warmup_epochs"] > 0
    assert 0 < quick["arch"]["warmup_epochs"] < quick["epochs"]
    fraction_paper = paper["arch"]["warmup_epochs"] / paper["epochs"]
    assert quick["arch"]["warmup_epochs"] == int(fraction_paper * quick["epochs"])
    assert resolve_config("darts", "nb201", "quick")["arch"]["warmup_epochs"] == 0
