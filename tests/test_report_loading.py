"""Reading run directories for `harness report`: complete runs only, oracle columns filled from the store.

Also home of `write_run`, which writes run records exactly as harness/runner.py
does (checked here against a real run), so the other report tests can build
many runs in milliseconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from harness.atomic import write_json, write_jsonl
from harness.config import config_hash
from harness.records import RunDir
from harness.runner import run_seed
from reports.loading import load_runs
from reports.oracle_source import OracleSources
from spaces.errors import BenchmarkFileError, ConfigError
from spaces.nb201.encoding import NUM_ARCHS, NUM_EDGES, OPS, NB201Arch
from spaces.nb201.oracle import NB201Oracle
from spaces.nb201.paper_columns import paper_columns
from tests.run_helpers import synthetic_image_set, tiny_run_config

# -- writing records as the runner does ------------------------------------------------------------


def fake_row(epoch: int, arch: str, oracle=None, seconds_per_epoch: float = 1.5, **extra) -> dict:
    """An epochs.jsonl row with the runner's keys; oracle columns only when `oracle` is given."""
    parsed = NB201Arch.parse(arch)
    weights = np.full((NUM_EDGES, len(OPS)), 1.0 / len(OPS)) + 0.01 * epoch * np.eye(NUM_EDGES, len(OPS))
    row = {"epoch": epoch, "arch": arch, "skip_count": parsed.count("skip_connect"),
           "parametric_count": parsed.num_parametric, "entropy": 1.6 - 0.1 * epoch,
           "arch_weights": (weights / weights.sum(1, keepdims=True)).tolist(), "train_loss": 2.0, "train_acc": 20.0,
           "arch_steps": 4, "val_loss": 2.1, "val_acc": 19.0, "search_val_loss": 2.1, "lr": 0.025,
           "arch_l1_change": 0.01, "layer_alignment": 0.5 - 0.1 * epoch,
           "time": {"epoch_seconds": seconds_per_epoch, "search_seconds": seconds_per_epoch * epoch}}
    if oracle is not None:
        row.update(paper_columns(oracle, arch))
    row.update(extra)
    return row


def write_run(root: Path, config: dict, seed: int, archs: list[str], oracle=None, complete: bool = True,
              failure: dict | None = None, **extra) -> RunDir:
    """A run directory of `config` and `seed` whose epoch e derived archs[e-1]; the runner's layout and files.

    complete=False leaves summary.json out (interrupted); `failure` writes the runner's failed summary."""
    digest = config_hash(config)
    run = RunDir.for_config(root, config, digest, seed)
    rows = [fake_row(epoch, arch, oracle, **extra) for epoch, arch in enumerate(archs, start=1)]
    write_json(run.config, {"config": config, "seed": seed, "config_hash": digest, "seed_streams": {},
                            "provenance": {"device": "cpu"},
                            "oracle": oracle.describe() if oracle is not None else {"absent": "no store"}})
    write_jsonl(run.epochs, rows)
    if failure is not None:
        write_json(run.summary, {"complete": False, "failed": failure})
    elif complete:
        best = max(rows, key=lambda row: row["val_acc"])  # the first of equals, as harness/selection.py
        write_json(run.summary, {"complete": True, "epochs": len(rows), "search_seconds": rows[-1]["time"]["search_seconds"],
                                 "final": {k: v for k, v in rows[-1].items() if k != "arch_weights"},
                                 "best_val": {"epoch": best["epoch"], "arch": best["arch"], "val_acc": best["val_acc"]}})
    return run


def arch_at(ordinal: int) -> str:
    return str(NB201Arch.from_ordinal(ordinal % NUM_ARCHS))


def data_root_of(store: Path) -> Path:
    """The --data-dir holding `store` at <data-dir>/benchmarks/nb201.h5."""
    return store.parent.parent


# -- tests -----------------------------------------------------------------------------------------


def test_fake_rows_have_the_real_runners_format(tmp_path, synthetic_store):
    """write_run must not drift from what run_seed writes: same files, same row keys and shapes."""
    oracle = NB201Oracle.load(synthetic_store)
    real = run_seed(tiny_run_config(epochs=1), 0, tmp_path / "real", torch.device("cpu"), synthetic_image_set(),
                    oracle, show_progress=False, log=lambda m: None)
    fake = write_run(tmp_path / "fake", tiny_run_config(epochs=1), 0, [real.rows[0]["arch"]], oracle)
    real_row, fake_row_ = real.rows[0], json.loads(fake.epochs.read_text())
    assert set(fake_row_) <= set(real_row), "the fake writes only keys the runner writes"
    assert np.shape(fake_row_["arch_weights"]) == np.shape(real_row["arch_weights"])
    assert set(fake_row_["time"]) == set(real_row["time"])
    assert fake_row_["accuracy"] == real_row["accuracy"] and fake_row_["regret"] == real_row["regret"]
    real_config, fake_config = (json.loads(run.config.read_text()) for run in (real.run_dir, fake))
    assert set(real_config) == set(fake_config)
    assert fake.path.relative_to(tmp_path / "fake") == real.run_dir.path.relative_to(tmp_path / "real")
    real_summary, fake_summary = (json.loads(run.summary.read_text()) for run in (real.run_dir, fake))
    assert set(real_summary) == set(fake_summary)


def test_missing_oracle_columns_are_filled_from_the_store(tmp_path, synthetic_store):
    oracle = NB201Oracle.load(synthetic_store)
    archs = [arch_at(7), arch_at(7), arch_at(901)]
    write_run(tmp_path, tiny_run_config(epochs=3), 0, archs, oracle=None)
    loaded = load_runs([tmp_path], OracleSources(synthetic_store.parent.parent), show_progress=False)
    (run,) = loaded.runs
    for row, arch in zip(run.rows, archs):
        assert row["accuracy"] == paper_columns(oracle, arch)["accuracy"]
        assert row["regret"] == paper_columns(oracle, arch)["regret"]
    assert (loaded.filled_runs, loaded.filled_rows) == (1, 3)


def test_recorded_oracle_columns_are_kept(tmp_path, synthetic_store):
    recorded = {"cifar10": {"valid": 1.0, "test": 2.0}}
    write_run(tmp_path, tiny_run_config(epochs=1), 0, [arch_at(3)], accuracy=recorded, regret=recorded)
    missing_store = OracleSources(tmp_path / "no-data")
    loaded = load_runs([tmp_path], missing_store, show_progress=False)
    assert loaded.runs[0].final["accuracy"] == recorded and loaded.filled_runs == 0


def test_filling_without_a_store_is_one_error_naming_the_import_command(tmp_path, without_packaged_stores):
    write_run(tmp_path / "runs", tiny_run_config(epochs=1), 0, [arch_at(3)])
    with pytest.raises(BenchmarkFileError, match="harness data import nb201") as error:
        load_runs([tmp_path / "runs"], OracleSources(tmp_path / "data"),
                  show_progress=False)
    assert "searched without the oracle store" in str(error.value)


def test_incomplete_runs_are_skipped_and_listed(tmp_path, synthetic_store):
    oracle = NB201Oracle.load(synthetic_store)
    config = tiny_run_config(epochs=3)
    write_run(tmp_path, config, 0, [arch_at(1)] * 3, oracle)
    stopped = write_run(tmp_path, config, 1, [arch_at(2)] * 2, oracle, complete=False)
    loaded = load_runs([tmp_path], OracleSources(synthetic_store.parent.parent), show_progress=False)
    assert [run.seed for run in loaded.runs] == [0]
    assert [(s.path, s.kind) for s in loaded.skipped] == [(stopped.path, "incomplete")]
    assert "2 of 3 epochs" in loaded.skipped[0].reason


def test_failed_runs_are_skipped_with_their_reason(tmp_path, synthetic_store):
    oracle = NB201Oracle.load(synthetic_store)
    write_run(tmp_path, tiny_run_config(epochs=3), 0, [arch_at(1)] * 3, oracle)
    failed = write_run(tmp_path, tiny_run_config(epochs=3), 1, [arch_at(1)], oracle,
                       failure={"epoch": 2, "reason": "non-finite loss (train_loss=nan)"})
    loaded = load_runs([tmp_path], OracleSources(synthetic_store.parent.parent), show_progress=False)
    assert [run.seed for run in loaded.runs] == [0]
    assert [(s.path, s.kind, s.reason) for s in loaded.skipped] == [
        (failed.path, "failed", "failed at epoch 2: non-finite loss (train_loss=nan)")]


def test_search_seconds_come_from_the_summary(tmp_path, synthetic_store):
    write_run(tmp_path, tiny_run_config(epochs=2), 0, [arch_at(1)] * 2, NB201Oracle.load(synthetic_store),
              seconds_per_epoch=4.0)
    (run,) = load_runs([tmp_path], OracleSources(synthetic_store.parent.parent), show_progress=False).runs
    assert run.search_seconds == 8.0


def test_a_run_named_twice_is_read_once(tmp_path, synthetic_store):
    run = write_run(tmp_path, tiny_run_config(epochs=1), 0, [arch_at(1)], NB201Oracle.load(synthetic_store))
    loaded = load_runs([tmp_path, run.path], OracleSources(synthetic_store.parent.parent), show_progress=False)
    assert len(loaded.runs) == 1


@pytest.mark.parametrize("damage, message", [
    (lambda run: run.epochs.write_text('{"epoch": 1, "arch": \n'), "not valid JSON"),
    (lambda run: run.config.write_text("{}"), "lacks config, seed, config_hash"),
    (lambda run: run.epochs.write_text(""), "says 1 epochs but"),
])
def test_damaged_records_are_one_clear_error(tmp_path, synthetic_store, damage, message):
    run = write_run(tmp_path, tiny_run_config(epochs=1), 0, [arch_at(1)], NB201Oracle.load(synthetic_store))
    damage(run)
    with pytest.raises(BenchmarkFileError, match=message):
        load_runs([tmp_path], OracleSources(synthetic_store.parent.parent), show_progress=False)


def test_no_runs_is_an_error(tmp_path, synthetic_store):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no run directories"):
        load_runs([tmp_path / "empty"], OracleSources(synthetic_store.parent.parent), show_progress=False)
    with pytest.raises(BenchmarkFileError, match="does not exist"):
        load_runs([tmp_path / "nowhere"], OracleSources(synthetic_store.parent.parent), show_progress=False)


def test_only_incomplete_runs_is_an_error(tmp_path, synthetic_store):
    write_run(tmp_path, tiny_run_config(epochs=3), 0, [arch_at(1)], complete=False)
    with pytest.raises(ConfigError, match="can be reported.*incomplete"):
        load_runs([tmp_path], OracleSources(synthetic_store.parent.parent), show_progress=False)
