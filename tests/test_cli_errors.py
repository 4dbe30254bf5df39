"""User mistakes end in one clear message and exit code 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.cli import main


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "--method", "dartz", "--space", "nb201"], "unknown method 'dartz'"),
        (["run", "--method", "darts", "--space", "nb999"], "unknown search space 'nb999'"),
        (["run", "--method", "darts", "--space", "nb201", "--set", "arch.lr"], "--set takes key=value"),
        (["run", "--method", "darts", "--space", "nb201", "--seeds", "0"], "--seeds must be at least 1"),
        (["run", "--method", "darts", "--space", "nb201", "--device", "tpu"], "--device must be"),
        (["run", "--method", "darts", "--space", "nb201", "--preset", "quick"], "cifar-10-batches-py"),
        (["query", "--space", "nb201", "--arch", "|nor_conv_3x3~0|+|oops~0|"], "malformed NB201 architecture"),
        (["query", "--space", "nb201", "--arch", "5"], "harness data import nb201"),
        (["run", "--method", "darts", "--space", "nb201", "--set", "arch.lr=abc"], "--set arch.lr=\"abc\": expected a number"),
        (["run", "--method", "darts", "--space", "nb201", "--seed-offset", "-1"], "--seed-offset must be >= 0"),
        (["run", "--method", "darts", "--space", "nb201", "--out", "/proc/harness-x"], "--out /proc/harness-x: cannot create"),
        (["report", "/proc/harness-x"], "does not exist"),
    ],
)
def test_user_errors_are_one_message(argv, message, tmp_path, capsys, without_packaged_stores):
    code = main([*argv, "--data-dir", str(tmp_path / "empty")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("harness: error: ") and message in err
    assert "Traceback" not in err


def test_console_script_prints_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", "--method", "nope", "--space", "nb201",
         "--data-dir", str(tmp_path)], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], "exactly one line"
    assert "unknown method 'nope'" in result.stderr and "Traceback" not in result.stderr


def test_an_output_path_under_a_file_is_one_message(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    for argv in (["run", "--method", "darts", "--space", "nb201", "--out", str(blocker / "runs")],
                 ["report", str(tmp_path), "--figures", str(blocker)],
                 ["report", str(tmp_path), "--out", str(tmp_path)]):
        assert main([*argv, "--data-dir", str(tmp_path / "empty")]) == 2
        err = capsys.readouterr().err
        assert err.startswith("harness: error: --") and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_disk_that_fills_up_mid_run_is_one_message(tmp_path, capsys, monkeypatch):
    import errno

    import harness.commands.run as run_command

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "runs" / "epochs.jsonl"))

    monkeypatch.setattr(run_command, "resolve_config", full_disk)
    assert main(["run", "--method", "darts", "--space", "nb201", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == f"harness: error: {tmp_path / 'runs' / 'epochs.jsonl'}: No space left on device\n"


def test_a_sweep_into_an_unwritable_out_is_one_message(tmp_path, capsys, shared_cifar10):
    (tmp_path / "data" / "cifar10").mkdir(parents=True)
    (tmp_path / "data" / "cifar10" / "cifar-10-batches-py").symlink_to(shared_cifar10)
    code = main(["sweep", "--methods", "darts", "--spaces", "nb201", "--out", "/proc/harness-x",
                 "--data-dir", str(tmp_path / "data"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "harness: error: --out /proc/harness-x: cannot create the directory" in err
