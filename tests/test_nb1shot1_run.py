"""One-epoch searches on the 1Shot1 spaces through the runner (harness/runner.py run_seed), on a
synthetic image set and a 4-channel, 3-cell supernet.

The methods' registered defaults exist for nb201 only (methods/registry.py require_space), so
`harness run --method darts --space nb1shot1-s1` stops at config resolution; these tests resolve a
method's quick NB201 config and swap in the 1Shot1 space and its supernet section, which is what
a method's 1Shot1 defaults will do.
"""

from __future__ import annotations

import pytest
import torch

import harness.runner as runner
from conftest import require_shared
from fixtures.nb101_store import CSV_RELATIVE, build_store, csv_rows
from harness.config import resolve_config
from spaces.errors import ConfigError
from spaces.registry import get_space
from tests.run_helpers import synthetic_image_set

CPU = torch.device("cpu")


def config_for(method: str, space: str):
    config = resolve_config(method, "nb201", "quick", epochs=1, assignments=[
        "supernet.channels=4", "data.subset=64", "data.batch_size=32", "eval.batch_size=64"])
    config["space"] = space
    config["supernet"] = {"channels": 4, "cells_per_stage": 1,
                          "partial_channels": config["supernet"]["partial_channels"]}
    if "simplex" in config:
        config["simplex"]["exclude_ops"] = []  # GAEA's NB201 setting drops `none`, which 1Shot1 does not have
    return config


def run(tmp_path, config, oracle=None):
    return runner.run_seed(config, 0, tmp_path, CPU, synthetic_image_set(), oracle, show_progress=False,
                           log=lambda message: None)


@pytest.mark.shared_data
def test_darts_records_nb101_columns(tmp_path, tmp_path_factory):
    csv_path = require_shared(CSV_RELATIVE)
    space = get_space("nb1shot1-s1")
    oracle = space.load_oracle(build_store(csv_path, tmp_path_factory.getbasetemp()))
    result = run(tmp_path, config_for("darts", "nb1shot1-s1"), oracle)
    assert result.failure is None
    row = result.rows[-1]
    arch = space.parse(row["arch"])
    assert row["parametric_count"] == arch.op_counts()["cell"]["parametric"] and row["skip_count"] == 0
    assert len(row["arch_weights"]) == 4 and all(abs(sum(ops) - 1) < 1e-6 for ops in row["arch_weights"])
    header, body = csv_rows(csv_path)
    col = {name: i for i, name in enumerate(header)}
    by_hash = {r[col["module_hash"]]: float(r[col["test_acc_108_mean"]]) for r in body}
    assert row["accuracy"] == {"cifar10": {"test": pytest.approx(100 * by_hash[arch.to_nb101().module_hash()])}}
    assert row["regret"]["cifar10"]["test"] >= 0


@pytest.mark.parametrize("method, space, parameterization", [
    ("darts", "nb1shot1-s2", "softmax"),
    ("gaea", "nb1shot1-s3", "simplex"),
    ("pcdarts", "nb1shot1-s1", "partial-channel"),
])
def test_methods_with_learned_input_weights_search_the_space(tmp_path, method, space, parameterization):
    config = config_for(method, space)
    assert config["arch"]["parameterization"] == parameterization
    result = run(tmp_path, config)
    assert result.failure is None and len(result.rows) == 1
    row = result.rows[0]
    assert str(get_space(space).parse(row["arch"])) == row["arch"]
    assert "accuracy" not in row  # no oracle given: absent, not filled in
    if parameterization == "partial-channel":
        assert config["supernet"]["partial_channels"] == 4
        assert len(row["edge_weights"]) == 15  # every candidate edge of space 1


def test_methods_without_input_weights_cannot_derive(tmp_path):
    with pytest.raises(ConfigError, match="learned input weights"):
        run(tmp_path, config_for("gdas", "nb1shot1-s1"))
