"""A run end to end on a synthetic image set: records, determinism, resume."""

from __future__ import annotations

import json

import pytest
import torch

import harness.runner as runner
from harness.records import RunDir, read_epochs
from tests.run_helpers import synthetic_image_set, tiny_run_config, without_timings

CPU = torch.device("cpu")


def run(tmp_path, config, seed=0, oracle=None):
    return runner.run_seed(config, seed, tmp_path, CPU, synthetic_image_set(), oracle, show_progress=False,
                           log=lambda message: None)


def test_run_writes_complete_records(tmp_path):
    config = tiny_run_config(epochs=2)
    result = run(tmp_path, config)
    run_dir = result.run_dir
    assert run_dir.path == tmp_path / "nb201" / "cifar10" / "darts" / run_dir.path.parent.name / "seed-0"
    recorded = json.loads(run_dir.config.read_text())
    assert recorded["config"] == config and recorded["provenance"]["device"] == "cpu"
    rows = read_epochs(run_dir.epochs)
    assert [row["epoch"] for row in rows] == [1, 2]
    for row in rows:
        assert row["arch"].count("~") == 6
        assert 0 <= row["skip_count"] <= 6 and 0 <= row["entropy"] <= 1.61
        assert len(row["arch_weights"]) == 6 and abs(sum(row["arch_weights"][0]) - 1) < 1e-6
        assert "accuracy" not in row, "without an oracle the accuracy columns are absent, not filled with a sentinel"
        assert row["arch_l1_change"] > 0 and -1 <= row["layer_alignment"] <= 1
        assert "hessian_eigenvalue" not in row, "the Hessian diagnostic is off by default"
    summary = json.loads(run_dir.summary.read_text())
    assert summary["complete"] and summary["final"]["arch"] == rows[-1]["arch"]
    best = max(rows, key=lambda row: row["val_acc"])  # max() keeps the first of equals, as the GAEA code
    assert summary["best_val"] == {"epoch": best["epoch"], "arch": best["arch"], "val_acc": best["val_acc"]}


def test_single_level_runs_record_no_best_validation_epoch(tmp_path):
    """Their supernet is monitored on the test set: selecting by it would select on test data."""
    summary = json.loads(run(tmp_path, tiny_run_config("gaea", epochs=1)).run_dir.summary.read_text())
    assert summary["complete"] and "best_val" not in summary


def test_same_seed_same_records_and_other_seed_differs(tmp_path):
    config = tiny_run_config(epochs=2)
    first = run(tmp_path / "a", config).rows
    second = run(tmp_path / "b", config).rows
    other = run(tmp_path / "c", config, seed=1).rows
    assert without_timings(first) == without_timings(second)
    assert without_timings(first) != without_timings(other)


def test_completed_run_is_not_repeated(tmp_path):
    config = tiny_run_config(epochs=1)
    run(tmp_path, config)
    again = run(tmp_path, config)
    assert again.already_complete and len(again.rows) == 1


@pytest.mark.parametrize("kill", ["after_checkpoint", "mid_epoch"])
def test_killed_run_resumes_exactly(tmp_path, monkeypatch, kill):
    config = tiny_run_config(epochs=3)
    reference = run(tmp_path / "reference", config).rows

    real_save = runner._save
    saves = {"n": 0}

    def save_then_die(*args, **kwargs):
        real_save(*args, **kwargs)
        saves["n"] += 1
        if saves["n"] == 2:
            raise KeyboardInterrupt

    if kill == "after_checkpoint":
        monkeypatch.setattr(runner, "_save", save_then_die)
    else:
        original_row = runner._epoch_row

        def die_in_third_epoch(epoch, *args, **kwargs):
            if epoch == 2:
                raise KeyboardInterrupt
            return original_row(epoch, *args, **kwargs)

        monkeypatch.setattr(runner, "_epoch_row", die_in_third_epoch)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "killed", config)
    monkeypatch.undo()
    resumed = run(tmp_path / "killed", config)
    assert resumed.resumed_at == 2
    assert without_timings(resumed.rows) == without_timings(reference)
    assert without_timings(read_epochs(resumed.run_dir.epochs)) == without_timings(reference)


def interrupted_after_epoch(tmp_path, config, epochs_done, monkeypatch):
    """A run stopped (KeyboardInterrupt) right after its `epochs_done`-th checkpoint."""
    real_save = runner._save

    def save_then_maybe_die(run_dir, digest, seed, epochs, *args, **kwargs):
        real_save(run_dir, digest, seed, epochs, *args, **kwargs)
        if epochs == epochs_done:
            raise KeyboardInterrupt

    monkeypatch.setattr(runner, "_save", save_then_maybe_die)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, config)
    monkeypatch.undo()


def test_a_truncated_latest_checkpoint_resumes_from_the_previous_one(tmp_path, monkeypatch):
    config = tiny_run_config(epochs=4)
    reference = run(tmp_path / "reference", config).rows
    interrupted_after_epoch(tmp_path / "crashed", config, 3, monkeypatch)
    run_dir = RunDir.for_config(tmp_path / "crashed", config, runner.config_hash(config), 0)
    assert run_dir.previous_checkpoint.exists()
    latest = run_dir.checkpoint.read_bytes()
    run_dir.checkpoint.write_bytes(latest[: len(latest) // 2])  # a copy cut short
    messages = []
    resumed = runner.run_seed(config, 0, tmp_path / "crashed", CPU, synthetic_image_set(), None,
                              show_progress=False, log=messages.append)
    warnings = [m for m in messages if m.startswith("warning:")]
    assert len(warnings) == 1 and "checkpoint.pt cannot be read" in warnings[0] and "epoch 2" in warnings[0]
    assert resumed.resumed_at == 2
    assert without_timings(resumed.rows) == without_timings(reference)
    assert without_timings(read_epochs(resumed.run_dir.epochs)) == without_timings(reference)


def test_a_torn_last_line_of_the_records_resumes_exactly(tmp_path, monkeypatch):
    config = tiny_run_config(epochs=3)
    reference = run(tmp_path / "reference", config).rows
    interrupted_after_epoch(tmp_path / "crashed", config, 2, monkeypatch)
    run_dir = RunDir.for_config(tmp_path / "crashed", config, runner.config_hash(config), 0)
    text = run_dir.epochs.read_text()
    last_line = text.splitlines()[-1]
    run_dir.epochs.write_text(text[: len(text) - len(last_line) // 2 - 1])  # epoch 2's row cut in half
    messages = []
    resumed = runner.run_seed(config, 0, tmp_path / "crashed", CPU, synthetic_image_set(), None,
                              show_progress=False, log=messages.append)
    warnings = [m for m in messages if m.startswith("warning:")]
    # the latest checkpoint (epoch 2) is ahead of the 1 complete row: the previous one (epoch 1) resumes
    assert len(warnings) == 1 and "cut short" in warnings[0] and "epoch 1" in warnings[0], messages
    assert resumed.resumed_at == 1
    assert without_timings(read_epochs(resumed.run_dir.epochs)) == without_timings(reference)


def test_no_loadable_checkpoint_is_a_clear_error(tmp_path, monkeypatch):
    from spaces.errors import BenchmarkFileError

    config = tiny_run_config(epochs=3)
    interrupted_after_epoch(tmp_path, config, 2, monkeypatch)
    run_dir = RunDir.for_config(tmp_path, config, runner.config_hash(config), 0)
    for path in (run_dir.checkpoint, run_dir.previous_checkpoint):
        path.write_bytes(b"not a checkpoint")
    with pytest.raises(BenchmarkFileError, match="no checkpoint .* can be resumed from .*cannot be read"):
        run(tmp_path, config)


def test_run_directory_layout_uses_config_hash(tmp_path):
    a = run(tmp_path, tiny_run_config(epochs=1)).run_dir
    b = run(tmp_path, tiny_run_config(epochs=1, assignments=["arch.lr=0.01"])).run_dir
    assert a.path.parent != b.path.parent and isinstance(a, RunDir)


def test_hessian_diagnostic_every_k_epochs(tmp_path):
    config = tiny_run_config(epochs=2, assignments=["diagnostics.hessian_every=2", "diagnostics.hessian_iterations=3"])
    rows = run(tmp_path, config).rows
    assert "hessian_eigenvalue" not in rows[0] and isinstance(rows[1]["hessian_eigenvalue"], float)


def test_duration_estimate_is_logged_once_with_the_remaining_work(tmp_path):
    messages = []
    runner.run_seed(tiny_run_config(epochs=2), 0, tmp_path, CPU, synthetic_image_set(), None, show_progress=False,
                    estimate_duration=True, log=messages.append)
    estimates = [m for m in messages if m.startswith("estimate:")]
    assert len(estimates) == 1 and "x 2 steps x 2 epochs" in estimates[0], messages
