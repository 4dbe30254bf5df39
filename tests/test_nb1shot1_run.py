"""One-epoch searches on the 1Shot1 spaces through the runner (harness/runner.py run_seed), on a
synthetic image set and a 4-channel, 3-cell supernet: each method's own NAS-Bench-1Shot1 defaults
(methods/*.py, nb1shot1 family) under the quick preset.
"""

from __future__ import annotations

import pytest
import torch

import harness.runner as runner
from conftest import require_shared
from fixtures.nb101_store import CSV_RELATIVE, build_store, csv_rows
from harness.config import resolve_config
from methods.registry import list_methods, method_defaults
from spaces.registry import get_space
from tests.run_helpers import synthetic_image_set

CPU = torch.device("cpu")


def config_for(method: str, space: str):
    return resolve_config(method, space, "quick", epochs=1, assignments=[
        "data.subset=16", "data.batch_size=16", "eval.batch_size=64"])


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


ALL_METHODS = [spec.name for spec in list_methods()]


@pytest.mark.parametrize("method", ALL_METHODS)
def test_every_method_searches_and_derives_on_a_1shot1_space(tmp_path, method):
    """Each method's 1Shot1 defaults resolve, one epoch runs, and the derived cell parses back."""
    config = config_for(method, "nb1shot1-s2")
    result = run(tmp_path, config)
    assert result.failure is None, result.failure
    row = result.rows[-1]
    assert str(get_space("nb1shot1-s2").parse(row["arch"])) == row["arch"]
    assert row["skip_count"] == 0  # no skip op in NB101 cells


def test_1shot1_defaults_follow_the_repository_not_the_nb201_setup():
    darts = method_defaults("darts", "nb1shot1-s1", "cifar10")
    assert (darts["epochs"], darts["data"]["batch_size"]) == (50, 96)  # optimizers/darts/train_search.py
    assert darts["weights_optimizer"]["nesterov"] is False and darts["weights_optimizer"]["weight_decay"] == 3e-4
    gdas = method_defaults("gdas", "nb1shot1-s1", "cifar10")
    assert gdas["epochs"] == 100 and gdas["gumbel"] == {"tau_start": 10.0, "tau_end": 1.0}
    pcdarts = method_defaults("pcdarts", "nb1shot1-s1", "cifar10")
    assert pcdarts["arch"]["lr"] == 3e-4 and pcdarts["arch"]["warmup_epochs"] == 0
    gaea_pc = method_defaults("gaea-pcdarts", "nb1shot1-s1", "cifar10")
    assert gaea_pc["arch"]["lr"] == 0.1 and gaea_pc["arch"]["warmup_epochs"] == 10  # GAEA C.2; epc_edarts
    for method in ("gaea", "gaea-bilevel", "gaea-gdas", "gaea-pcdarts"):
        assert method_defaults(method, "nb1shot1-s3", "cifar10")["simplex"]["exclude_ops"] == []  # no zero op
