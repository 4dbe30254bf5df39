"""`harness report` on the command line: where output goes, and user errors as one message."""

from __future__ import annotations

import pytest

from harness.cli import main
from spaces.nb201.oracle import NB201Oracle
from tests.run_helpers import tiny_run_config
from tests.test_report_loading import arch_at, data_root_of, write_run


@pytest.fixture
def runs(tmp_path, synthetic_store):
    oracle = NB201Oracle.load(synthetic_store)
    for seed in (0, 1):
        write_run(tmp_path / "runs", tiny_run_config(epochs=2), seed, [arch_at(seed), arch_at(seed + 1)], oracle)
    return tmp_path / "runs"


def report(*argv):
    return main(["report", *map(str, argv), "--no-progress"])


def test_markdown_goes_to_stdout_by_default(runs, synthetic_store, capsys):
    assert report(runs, "--data-dir", data_root_of(synthetic_store)) == 0
    out = capsys.readouterr().out
    assert out.startswith("### NAS-Bench-201, search on CIFAR-10") and "| darts " in out and "Optimal" in out


def test_out_file_gets_the_tables_and_stderr_says_where(runs, synthetic_store, tmp_path, capsys):
    target = tmp_path / "tables" / "report.tex"
    assert report(runs, "--format", "latex", "--out", target, "--data-dir", data_root_of(synthetic_store)) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and str(target) in captured.err
    assert r"\begin{tabular}" in target.read_text()


def test_figures_option_writes_the_figures_and_names_them(runs, synthetic_store, tmp_path, capsys):
    figures = tmp_path / "figures"
    assert report(runs, "--figures", figures, "--run", next(runs.rglob("seed-1")), "--out", tmp_path / "t.md",
                  "--data-dir", data_root_of(synthetic_store)) == 0
    err = capsys.readouterr().err
    assert f"written to {figures}" in err and "arch_weights" in err
    assert (figures / "arch_weights.pdf").stat().st_size > 0 and (figures / "oracle_test_accuracy.png").stat().st_size > 0


@pytest.mark.parametrize("make_argv, message", [
    (lambda tmp: [tmp / "nowhere"], "does not exist"),
    (lambda tmp: [tmp], "no run directories"),
])
def test_no_runs_is_one_message(tmp_path, capsys, make_argv, message):
    assert report(*make_argv(tmp_path), "--data-dir", tmp_path / "data") == 2
    err = capsys.readouterr().err
    assert err.startswith("harness: error: ") and message in err and "Traceback" not in err


def test_run_option_must_name_a_run_directory(runs, synthetic_store, tmp_path, capsys):
    assert report(runs, "--figures", tmp_path / "f", "--run", tmp_path, "--data-dir",
                  data_root_of(synthetic_store)) == 2
    assert "not a run directory" in capsys.readouterr().err


def test_runs_without_oracle_columns_and_no_store_is_one_message(tmp_path, capsys, without_packaged_stores):
    write_run(tmp_path / "runs", tiny_run_config(epochs=1), 0, [arch_at(3)])
    assert report(tmp_path / "runs", "--data-dir", tmp_path / "data") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "harness data import nb201" in err and "searched without the oracle store" in err
