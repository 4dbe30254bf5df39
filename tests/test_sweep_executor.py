"""The local executor end to end: worker processes, identical records for any number of workers,
a diverging run marked failed while the sweep goes on, and skipping or retrying finished runs.

Worker processes are spawned, so these tests take longer than a few seconds each."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from harness.records import find_run_dirs, read_epochs
from tests.fixtures.official_formats import write_cifar10

pytestmark = pytest.mark.slow

TINY = ["--preset", "quick", "--set", "supernet.channels=4", "--set", "data.subset=64", "--set", "data.batch_size=32",
        "--set", "eval.batch_size=64"]


@pytest.fixture
def data_root(tmp_path):
    root = tmp_path / "data"
    write_cifar10(root / "cifar10" / "cifar-10-batches-py", images_per_batch=26)  # 130 images: 64 + 64 used
    return root


def sweep(out, data_root, *extra, methods="darts,gdas", seeds=2):
    # lr=1e12 makes darts diverge in its first epoch. --threads 1: CPU results depend on the thread
    # count, and a fixed count is what makes 1 and 2 workers comparable.
    return main(["sweep", "--methods", methods, "--spaces", "nb201", "--seeds", str(seeds), "--epochs", "1",
                 "--grid", "darts:weights_optimizer.lr=0.025,1e12", "--threads", "1", "--no-progress",
                 "--out", str(out), "--data-dir", str(data_root), *TINY, *extra])


def records(out):
    """Every run's rows and summary, keyed by its path below `out`, without timings."""
    found = {}
    for run in find_run_dirs([out]):
        rows = [{k: v for k, v in row.items() if k != "time"} for row in read_epochs(run.epochs)]
        summary = json.loads(run.summary.read_text())
        summary.pop("search_seconds", None)
        summary.get("final", {}).pop("time", None)
        found[str(run.path.relative_to(out))] = (rows, summary)
    return found


def test_one_or_two_workers_give_the_same_records_and_a_diverging_run_fails(tmp_path, data_root, capsys):
    assert sweep(tmp_path / "one", data_root, "--workers", "1") == 0
    printed = capsys.readouterr().out
    assert "sweep: 4 complete, 2 failed, 0 errors, of 6 runs" in printed
    assert printed.count("non-finite loss") == 2 and "weights_optimizer.lr=1000000000000.0" in printed
    assert sweep(tmp_path / "two", data_root, "--workers", "2") == 0
    capsys.readouterr()

    one, two = records(tmp_path / "one"), records(tmp_path / "two")
    assert len(one) == 6 and one == two
    failed = [summary for rows, summary in one.values() if not summary["complete"]]
    assert [summary["failed"]["epoch"] for summary in failed] == [1, 1]
    assert all(len(rows) == 1 for rows, summary in one.values() if summary["complete"])

    logs = [run.path / "run.log" for run in find_run_dirs([tmp_path / "one"])]
    assert all("start: " in log.read_text() for log in logs)
    assert sum(log.read_text().count("loading dataset cifar10") for log in logs) == 1, \
        "one worker loads the dataset once for all its runs"


def test_finished_runs_are_skipped_and_failed_ones_retried_only_when_asked(tmp_path, data_root, capsys):
    out = tmp_path / "runs"
    for lr in ("0.025", "1e12"):  # `harness run` and `harness sweep` share run directories
        assert main(["run", "--method", "darts", "--space", "nb201", "--epochs", "1", "--no-progress", "--out",
                     str(out), "--data-dir", str(data_root), "--set", f"weights_optimizer.lr={lr}", *TINY]) == 0
    capsys.readouterr()
    first = records(out)

    assert sweep(out, data_root, methods="darts", seeds=1) == 0
    printed = capsys.readouterr().out
    assert "sweep: 1 complete, 1 failed, 0 errors, of 2 runs (0 completed now, 1 complete before)" in printed
    assert "failed before, not retried" in printed
    assert records(out) == first and not list(out.rglob("run.log")), "nothing ran"

    assert sweep(out, data_root, "--retry-failed", methods="darts", seeds=1) == 0
    printed = capsys.readouterr().out
    assert "(0 completed now, 1 complete before)" in printed and "failed now:" in printed
    assert records(out) == first, "the retried run starts over and diverges in the same epoch"
    assert [log.parent.name for log in out.rglob("run.log")] == ["seed-0"]
