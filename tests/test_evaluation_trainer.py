"""An evaluation end to end on a synthetic image set: records, determinism, exact resume, failure."""

from __future__ import annotations

import json
import math

import pytest
import torch

import harness.evaluation.trainer as trainer
from harness.evaluation.architectures import evaluation_space, parse_canonical
from harness.evaluation.protocols import resolve_evaluation_config
from harness.evaluation.records import arch_hash, evaluation_config_hash
from harness.records import read_epochs
from harness.run_lock import RunBusy, run_lock
from spaces.errors import ConfigError
from tests.run_helpers import synthetic_image_set
from tests.evaluation_helpers import DARTS_V2, NB201_BEST, one_thread  # noqa: F401  (one_thread: autouse)

CPU = torch.device("cpu")
TINY = ["data.train_subset=64", "data.test_subset=32", "data.batch_size=32", "eval.batch_size=32"]
S4 = ("Genotype(normal=[('sep_conv_3x3', 0), ('noise', 1), ('noise', 0), ('sep_conv_3x3', 2), ('noise', 2), "
      "('sep_conv_3x3', 3), ('noise', 3), ('sep_conv_3x3', 4)], normal_concat=[2, 3, 4, 5], "
      "reduce=[('noise', 0), ('noise', 1), ('noise', 0), ('noise', 1), ('noise', 0), ('noise', 1), "
      "('noise', 0), ('noise', 1)], reduce_concat=[2, 3, 4, 5])")


def config_for(space_name="nb201", arch=NB201_BEST, epochs=2, extra=()):
    space = evaluation_space(space_name)
    _, text = parse_canonical(space, arch)
    return resolve_evaluation_config(space, space_name, "cifar10", "quick", text, [*TINY, f"epochs={epochs}", *extra])


def evaluate(out, config, seed=0):
    return trainer.evaluate_seed(config, seed, out, CPU, synthetic_image_set(96, 48), show_progress=False,
                                 log=lambda message: None)


def without_time(rows):
    return [{k: v for k, v in row.items() if k != "time"} for row in rows]


def test_records_layout_and_summary(tmp_path):
    config = config_for()
    result = evaluate(tmp_path, config)
    run = result.run_dir
    expected = tmp_path / "nb201" / "cifar10" / arch_hash(NB201_BEST) / evaluation_config_hash(config) / "seed-0"
    assert run.path == expected
    recorded = json.loads(run.config.read_text())
    assert recorded["kind"] == "evaluation" and recorded["config"] == config and recorded["seed"] == 0
    assert recorded["provenance"]["device"] == "cpu" and "torch_threads" in recorded["provenance"]
    rows = read_epochs(run.epochs)
    assert [row["epoch"] for row in rows] == [1, 2]
    # per-epoch cosine from 0.1 (NAS-Bench-201): epoch 0 at 0.1, epoch 1 of 2 at 0.05
    assert [row["lr"] for row in rows] == [pytest.approx(0.1), pytest.approx(0.05)]
    for row in rows:
        assert set(row) >= {"train_loss", "train_acc", "test_loss", "test_acc", "time"}
        assert 0 <= row["test_acc"] <= 100 and math.isfinite(row["train_loss"])
    summary = json.loads(run.summary.read_text())
    assert summary["complete"] and summary["test_acc"] == rows[-1]["test_acc"]
    assert summary["arch"] == NB201_BEST and summary["protocol"] == "nb201-200E" and summary["preset"] == "quick"
    assert summary["params_mb"] > 0 and summary["multiply_adds_m"] > 0
    again = evaluate(tmp_path, config)
    assert again.already_complete and without_time(again.rows) == without_time(rows)


def test_the_architecture_is_not_part_of_the_config_hash(tmp_path):
    one = config_for()
    other = config_for(arch="|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|")
    assert evaluation_config_hash(one) == evaluation_config_hash(other)
    assert evaluation_config_hash(one) != evaluation_config_hash(config_for(extra=["optimizer.lr=0.05"]))


def test_same_seed_same_records_other_seed_differs(tmp_path):
    config = config_for("darts", DARTS_V2, epochs=2)
    first, second = evaluate(tmp_path / "a", config).rows, evaluate(tmp_path / "b", config).rows
    other = evaluate(tmp_path / "c", config, seed=1).rows
    assert without_time(first) == without_time(second) and without_time(first) != without_time(other)


@pytest.mark.parametrize("space_name, arch", [("darts", DARTS_V2), ("darts-s4", S4)])
def test_an_interrupted_evaluation_resumes_bit_identically(tmp_path, monkeypatch, space_name, arch):
    """Drop-path masks and the noise op draw from the network's own generator: its state is checkpointed."""
    config = config_for(space_name, arch, epochs=3, extra=["network.drop_path_prob=0.5"])
    reference = evaluate(tmp_path / "reference", config)
    real_save = trainer._save

    def save_then_die(run, digest, seed, epochs_done, training):
        real_save(run, digest, seed, epochs_done, training)
        if epochs_done == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(trainer, "_save", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        evaluate(tmp_path / "killed", config)
    monkeypatch.undo()
    resumed = evaluate(tmp_path / "killed", config)
    assert resumed.resumed_at == 2
    assert without_time(resumed.rows) == without_time(reference.rows)
    assert resumed.summary["test_acc"] == reference.summary["test_acc"]
    # and the drop-path ramp was on: its rows carry the probability of each epoch
    assert [row["drop_path_prob"] for row in resumed.rows] == [0.0, pytest.approx(0.5 / 3), pytest.approx(1 / 3)]


def test_a_busy_evaluation_is_one_message(tmp_path):
    config = config_for()
    run_path = trainer.evaluation_dir(tmp_path, config, 0).path
    with run_lock(run_path):
        with pytest.raises(RunBusy, match="another process"):
            evaluate(tmp_path, config)


def test_a_diverging_evaluation_is_marked_failed(tmp_path):
    config = config_for(extra=["optimizer.lr=1e30"])
    result = evaluate(tmp_path, config)
    assert result.failure is not None and result.failure["epoch"] == 1
    summary = json.loads(result.run_dir.summary.read_text())
    assert summary == {"complete": False, "failed": result.failure}


def test_the_auxiliary_loss_counts_in_the_training_objective(tmp_path):
    with_aux = evaluate(tmp_path / "a", config_for("darts", DARTS_V2, epochs=1)).rows[0]
    no_aux = config_for("darts", DARTS_V2, epochs=1, extra=["loss.auxiliary_weight=0"])
    without = evaluate(tmp_path / "b", no_aux).rows[0]
    assert with_aux["train_loss"] > without["train_loss"]  # CE + 0.4 CE(aux) against CE alone, same weights at start


@pytest.mark.parametrize("assignment, message", [
    ("optimizer.lr=-1", "optimizer.lr must be a number > 0"),
    ("data.train_subset=0", "data.train_subset must be null or a positive integer"),
    ("network.nope=3", "no such setting"),
    ("arch=x", "its own flag"),
    ("data.mean=[1, 2]", "data.mean must be null"),
])
def test_bad_settings_are_one_clear_error(assignment, message):
    with pytest.raises(ConfigError, match=message):
        config_for(extra=[assignment])


def test_paper_protocols_have_their_sources_numbers():
    darts = evaluation_space("darts")
    _, text = parse_canonical(darts, DARTS_V2)
    paper = resolve_evaluation_config(darts, "darts", "cifar10", "paper", text)
    assert (paper["epochs"], paper["data"]["batch_size"], paper["data"]["cutout"]) == (600, 96, 16)
    assert paper["optimizer"] == {"lr": 0.025, "lr_min": 0.0, "momentum": 0.9, "nesterov": False,
                                  "weight_decay": 3e-4, "grad_clip": 5.0}
    assert paper["network"] == {"channels": 36, "layers": 20, "auxiliary": True, "drop_path_prob": 0.2}
    assert paper["loss"]["auxiliary_weight"] == 0.4
    s2 = evaluation_space("darts-s2")
    pairs = ", ".join(["('skip_connect', 0)", "('skip_connect', 1)"] * 4)
    skip = f"Genotype(normal=[{pairs}], normal_concat=[2, 3, 4, 5], reduce=[{pairs}], reduce_concat=[2, 3, 4, 5])"
    _, s2_text = parse_canonical(s2, skip)
    assert resolve_evaluation_config(s2, "darts-s2", "cifar100", "paper", s2_text)["network"]["layers"] == 8
    nb201 = evaluation_space("nb201")
    _, nb_text = parse_canonical(nb201, NB201_BEST)
    nb = resolve_evaluation_config(nb201, "nb201", "cifar10", "paper", nb_text)
    assert (nb["epochs"], nb["data"]["batch_size"], nb["optimizer"]["lr"], nb["optimizer"]["nesterov"],
            nb["optimizer"]["weight_decay"], nb["network"]) == (200, 256, 0.1, True, 5e-4,
                                                                 {"channels": 16, "cells_per_stage": 5})
