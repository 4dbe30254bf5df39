"""`harness evaluate` from the command line: user errors, search runs as sources, real CIFAR-10, and the
evaluations that `harness sweep --evaluate` schedules and `harness report` tables."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from harness.cli import main
from harness.evaluation.records import arch_hash
from harness.records import RunDir, find_run_dirs
from harness.runner import run_seed
from harness.sweep.evaluations import evaluation_plan
from harness.sweep.plan import SweepSpec, expand_plan
from spaces.errors import ConfigError
from tests.conftest import require_shared
from tests.fixtures.official_formats import write_cifar10
from tests.run_helpers import synthetic_image_set, tiny_run_config
from tests.evaluation_helpers import DARTS_V2, NB201_BEST, one_thread  # noqa: F401  (one_thread: autouse)

TINY = ["--preset", "quick", "--set", "data.train_subset=64", "--set", "data.test_subset=32", "--set",
        "data.batch_size=32", "--set", "epochs=1", "--no-progress", "--device", "cpu"]


@pytest.fixture
def data_root(tmp_path):
    root = tmp_path / "data"
    write_cifar10(root / "cifar10" / "cifar-10-batches-py", images_per_batch=128)  # 640 train, 128 test images
    return root


SEARCH = tiny_run_config(epochs=1, assignments=["diagnostics.alignment=false"])


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """A finished one-epoch NB201 search run, made once (its final architecture is what `harness evaluate RUN`
    trains); tests copy it."""
    out = tmp_path_factory.mktemp("searched")
    result = run_seed(SEARCH, 0, out, torch.device("cpu"), synthetic_image_set(), None, show_progress=False,
                      log=lambda message: None)
    return out, result


def complete_search(out, searched):
    """A copy of the finished search under `out`: (its run directory, its final architecture)."""
    root, result = searched
    shutil.copytree(root, out)
    return RunDir(out / result.run_dir.path.relative_to(root)), result.rows[-1]["arch"]


@pytest.mark.parametrize("argv, message", [
    (["evaluate"], "nothing to evaluate"),
    (["evaluate", "--space", "nb201"], "--space and --arch go together"),
    (["evaluate", "runs", "--space", "nb201", "--arch", NB201_BEST], "not both"),
    (["evaluate", "--space", "nb999", "--arch", "x"], "unknown search space 'nb999'"),
    (["evaluate", "--space", "nb201", "--arch", "|oops~0|"], "malformed NB201 architecture"),
    (["evaluate", "--space", "darts", "--arch", "Genotype(normal=[])"], "malformed DARTS genotype"),
    (["evaluate", "--space", "nb201", "--arch", NB201_BEST, "--preset", "fast"], "unknown evaluation preset"),
    (["evaluate", "--space", "nb201", "--arch", NB201_BEST, "--seeds", "0"], "--seeds must be at least 1"),
    (["evaluate", "--space", "nb201", "--arch", NB201_BEST, "--dataset", "mnist"], "unknown evaluation dataset"),
    (["evaluate", "--space", "nb201", "--arch", NB201_BEST, "--set", "optimizer.lr=abc"], "expected a number"),
    (["evaluate", "--space", "nb201", "--arch", NB201_BEST, "--set", "network.channels=0"],
     "network.channels must be a positive integer"),
    (["evaluate", "--space", "nb201", "--arch", NB201_BEST, "--select", "best-val"], "does not apply to --arch"),
    (["evaluate", "--space", "nb201", "--arch", NB201_BEST, "--out", "/proc/harness-x"], "--out /proc/harness-x"),
    (["evaluate", "--space", "nb201", "--arch", NB201_BEST, "--device", "tpu"], "--device must be"),
    (["evaluate", "--space", "nb201", "--arch", NB201_BEST], "cifar-10-batches-py"),
    (["evaluate", "/proc/harness-x"], "does not exist"),
])
def test_user_errors_are_one_message(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main([*argv, "--data-dir", str(tmp_path / "empty")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("harness: error: ") and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_an_incomplete_search_run_is_one_message(tmp_path, searched, capsys):
    run, _ = complete_search(tmp_path / "runs", searched)
    run.summary.unlink()
    assert main(["evaluate", str(run.path), "--data-dir", str(tmp_path)]) == 2
    assert "is incomplete: it has no final architecture" in capsys.readouterr().err


def test_evaluate_an_architecture_end_to_end(tmp_path, data_root, capsys):
    out = tmp_path / "evaluations"
    argv = ["evaluate", "--space", "nb201", "--arch", NB201_BEST, "--seeds", "2", "--out", str(out),
            "--data-dir", str(data_root), *TINY]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert printed.count("done, test accuracy") == 2 and "nb201-200E (quick)" in printed
    runs = find_run_dirs([out])
    assert sorted(run.path.name for run in runs) == ["seed-0", "seed-1"]
    assert all(run.path.parts[-3] == arch_hash(NB201_BEST) for run in runs)
    assert main(argv) == 0
    assert capsys.readouterr().out.count("already complete") == 2


def test_evaluate_the_final_architecture_of_search_runs(tmp_path, data_root, synthetic_data_dir, searched, capsys):
    _, final_arch = complete_search(tmp_path / "runs", searched)
    out = tmp_path / "evaluations"
    assert main(["evaluate", str(tmp_path / "runs"), "--out", str(out), "--data-dir", str(data_root), *TINY]) == 0
    printed = capsys.readouterr().out
    (run,) = find_run_dirs([out])
    recorded = json.loads(run.config.read_text())
    assert recorded["config"]["arch"] == final_arch and recorded["config"]["dataset"] == "cifar10"
    assert f"nb201 {arch_hash(final_arch)} seed 0: done" in printed
    # the report finds the evaluation beside the search and tables it as trained accuracy of that setting
    assert main(["report", str(tmp_path / "runs"), str(out), "--format", "csv", "--no-progress",
                 "--data-dir", str(synthetic_data_dir)]) == 0
    report = capsys.readouterr().out
    assert "# trained: Searched architectures trained from scratch" in report
    assert "# trained-archs: Evaluated architectures" in report
    summary = json.loads(run.summary.read_text())
    assert f"{summary['test_acc']:.2f}" in report.split("# trained-archs")[0].split("# trained:")[1]


def test_darts_genotype_pairs_in_any_order_share_one_evaluation(tmp_path, data_root, capsys):
    swapped = DARTS_V2.replace("('sep_conv_3x3', 0), ('sep_conv_3x3', 1)",
                               "('sep_conv_3x3', 1), ('sep_conv_3x3', 0)", 1)
    assert swapped != DARTS_V2
    out = tmp_path / "evaluations"
    for text in (DARTS_V2, swapped):
        assert main(["evaluate", "--space", "darts", "--arch", text, "--out", str(out), "--data-dir",
                     str(data_root), *TINY]) == 0
    assert "already complete" in capsys.readouterr().out
    assert len(find_run_dirs([out])) == 1


SWEEP_SETS = ["--set", "supernet.channels=4", "--set", "data.subset=64", "--set", "data.batch_size=32",
              "--set", "eval.batch_size=64", "--set", "diagnostics.alignment=false"]


def sweep_spec(out):
    """The one-run sweep whose run is SEARCH (the same resolved config, so it shares the searched record)."""
    sets = tuple(SWEEP_SETS[1::2])
    return SweepSpec(methods=("darts",), spaces=("nb201",), out=out, seeds=1, preset="quick", assignments=sets,
                     epochs=(1,))


def test_sweep_schedules_an_evaluation_per_complete_search(tmp_path, searched):
    plan = expand_plan(sweep_spec(tmp_path / "runs"))
    assert len(plan) == 1 and plan[0].config == SEARCH
    assert evaluation_plan(plan, "cpu", tmp_path / "evaluations") == []  # nothing searched yet
    complete_search(tmp_path / "runs", searched)
    (planned,) = evaluation_plan(plan, "cpu", tmp_path / "evaluations")
    assert planned.config["kind"] == "evaluation" and planned.config["preset"] == "cpu" and planned.seed == 0
    assert planned.run_dir.path.is_relative_to(tmp_path / "evaluations" / "nb201" / "cifar10")
    assert planned.label.startswith("evaluate nb201 ")


def test_sweep_with_evaluate_evaluates_its_complete_searches(tmp_path, data_root, searched, capsys):
    """End to end through the worker pool (one worker process); the search is already complete, so only the
    evaluation phase runs."""
    complete_search(tmp_path / "runs", searched)
    argv = ["sweep", "--methods", "darts", "--spaces", "nb201", "--seeds", "1", "--epochs", "1", "--preset", "quick",
            *SWEEP_SETS, "--workers", "1", "--threads", "1", "--no-progress", "--out", str(tmp_path / "runs"),
            "--data-dir", str(data_root), "--evaluate", "quick", "--evaluate-out", str(tmp_path / "evaluations")]
    assert main([*argv, "--dry-run"]) == 0
    assert "of the searches complete now: 1 runs: 0 complete" in capsys.readouterr().out
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "sweep: 1 complete" in printed and "(0 completed now, 1 complete before)" in printed
    assert "evaluations sweep: 1 complete, 0 failed, 0 errors, of 1 runs" in printed
    (evaluation,) = find_run_dirs([tmp_path / "evaluations"])
    assert json.loads(evaluation.summary.read_text())["complete"]
    assert (evaluation.path / "run.log").exists()


def test_sweep_evaluate_rejects_what_cannot_be_evaluated(tmp_path, capsys):
    assert main(["sweep", "--methods", "darts", "--spaces", "nb201", "--evaluate", "fast", "--dry-run",
                 "--out", str(tmp_path)]) == 2
    assert "unknown evaluation preset" in capsys.readouterr().err
    assert main(["sweep", "--methods", "darts", "--spaces", "nb201", "--datasets", "ImageNet16-120", "--evaluate",
                 "cpu", "--dry-run", "--out", str(tmp_path)]) == 2
    assert "cannot be evaluated here" in capsys.readouterr().err


def test_quick_evaluation_on_the_real_cifar10(tmp_path, capsys):
    cifar = require_shared("cifar10/cifar-10-batches-py")
    out = tmp_path / "evaluations"
    assert main(["evaluate", "--space", "nb201", "--arch", NB201_BEST, "--out", str(out),
                 "--data-dir", str(cifar.parent.parent), *TINY]) == 0
    (run,) = find_run_dirs([out])
    summary = json.loads(run.summary.read_text())
    assert summary["complete"] and 0 <= summary["test_acc"] <= 100
    rows = [json.loads(line) for line in run.epochs.read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["train_acc"] >= 0


def test_sweep_files_take_the_evaluate_keys(tmp_path):
    from harness.sweep.sweep_file import read_sweep_file

    path = tmp_path / "sweep.toml"
    path.write_text('methods = ["darts"]\nspaces = ["nb201"]\nevaluate = "cpu"\nevaluate_out = "trained"\n')
    settings = read_sweep_file(path)
    assert (settings.evaluate, settings.evaluate_out) == ("cpu", "trained")
    path.write_text('methods = ["darts"]\nspaces = ["nb201"]\nevaluate = 3\n')
    with pytest.raises(ConfigError, match="evaluate must be a string"):
        read_sweep_file(path)
