"""Run status (complete / partial / failed / new), the dry-run listing, and runs that diverge."""

from __future__ import annotations

import json

import pytest
import torch

from harness import runner
from harness.cli import main
from harness.commands.sweep import add_parser, settings_from_flags
from harness.records import read_epochs
from harness.sweep.plan import expand_plan
from harness.sweep.status import COMPLETE, FAILED, NEW, PARTIAL, forget_failure, run_status
from tests.run_helpers import synthetic_image_set, tiny_run_config

CPU = torch.device("cpu")
TINY = ["--preset", "quick", "--set", "supernet.channels=4", "--set", "data.subset=64", "--set", "data.batch_size=32",
        "--set", "eval.batch_size=64"]
DIVERGES = "weights_optimizer.lr=1e6"  # darts on the synthetic set: NaN loss in epoch 2


def run(config, seed, out_root):
    return runner.run_seed(config, seed, out_root, CPU, synthetic_image_set(), None, show_progress=False,
                           log=lambda message: None)


def sweep_argv(out):
    return ["sweep", "--methods", "darts", "--spaces", "nb201", "--seeds", "3", "--epochs", "2",
            "--grid", "weights_optimizer.lr=0.025,1e6", "--out", str(out), *TINY]


def test_non_finite_loss_marks_the_run_failed_and_keeps_the_finite_epochs(tmp_path):
    result = run(tiny_run_config(epochs=3, assignments=[DIVERGES]), 0, tmp_path)
    assert result.failure["epoch"] == 2 and "non-finite loss" in result.failure["reason"]
    summary = json.loads(result.run_dir.summary.read_text())
    assert summary == {"complete": False, "failed": result.failure}
    assert result.run_dir.is_failed() and not result.run_dir.is_complete()
    assert [row["epoch"] for row in read_epochs(result.run_dir.epochs)] == [1]
    again = run(tiny_run_config(epochs=3, assignments=[DIVERGES]), 0, tmp_path)
    assert again.failure == result.failure and again.resumed_at is None, "a failed run is not retried"


def test_harness_run_reports_a_failed_seed_and_goes_on(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("harness.commands.run.ensure_dataset", lambda name, root, *args, **kwargs: synthetic_image_set())
    code = main(["run", "--method", "darts", "--space", "nb201", "--seeds", "2", "--epochs", "2", "--no-progress",
                 "--out", str(tmp_path), "--data-dir", str(tmp_path / "data"), "--set", DIVERGES, *TINY])
    printed = capsys.readouterr().out
    assert code == 0
    assert "seed 0: failed at epoch 2, non-finite loss" in printed and "seed 1: failed at epoch 2" in printed


def test_status_of_each_kind_of_run_and_the_dry_run_listing(tmp_path, monkeypatch, capsys):
    parser_args = _parse(sweep_argv(tmp_path))
    plan = expand_plan(settings_from_flags(parser_args).spec())
    finite = [p for p in plan if p.config["weights_optimizer"]["lr"] == 0.025]
    diverging = [p for p in plan if p.config["weights_optimizer"]["lr"] == 1e6]
    run(finite[0].config, 0, tmp_path)
    run(diverging[0].config, 0, tmp_path)
    real_save = runner._save

    def save_then_die(*args, **kwargs):
        real_save(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "_save", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        run(finite[1].config, 1, tmp_path)
    monkeypatch.undo()

    statuses = {(p.config["weights_optimizer"]["lr"], p.seed): run_status(p.run_dir) for p in plan}
    assert statuses[(0.025, 0)].state == COMPLETE
    assert (statuses[(0.025, 1)].state, statuses[(0.025, 1)].epochs_done) == (PARTIAL, 1)
    assert (statuses[(1e6, 0)].state, statuses[(1e6, 0)].failure["epoch"]) == (FAILED, 2)
    assert [statuses[key].state for key in ((0.025, 2), (1e6, 1), (1e6, 2))] == [NEW] * 3

    assert main([*sweep_argv(tmp_path), "--dry-run"]) == 0
    listing = capsys.readouterr().out
    lines = {line.split("|")[5].strip() + " seed " + line.split("|")[6].strip(): line
             for line in listing.splitlines() if line.startswith("| darts")}
    assert "| complete " in lines["weights_optimizer.lr=0.025 seed 0"]
    assert "| partial at epoch 1/2 " in lines["weights_optimizer.lr=0.025 seed 1"]
    assert "| failed at epoch 2: non-finite loss" in lines["weights_optimizer.lr=1000000.0 seed 0"]
    assert "| new " in lines["weights_optimizer.lr=1000000.0 seed 2"]
    assert str(finite[1].run_dir.path) in lines["weights_optimizer.lr=0.025 seed 1"]
    assert "6 runs: 1 complete, 1 failed (not retried without --retry-failed), 1 partial (resume), 3 new" in listing
    assert not finite[2].run_dir.path.exists(), "a dry run creates nothing"

    forget_failure(diverging[0].run_dir)
    assert run_status(diverging[0].run_dir).state == NEW


def _parse(argv):
    import argparse

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    return parser.parse_args(argv)
