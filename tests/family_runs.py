"""Fake run records of DARTS-family and NAS-Bench-1Shot1 searches, in the runner's row format (checked against
real records of `harness run --preset quick`: op_counts per cell type, arch_weights by type for DARTS; accuracy
and regret under cifar10.test for 1Shot1), so report tests need no search."""

from __future__ import annotations

from pathlib import Path

from harness.atomic import write_json, write_jsonl
from harness.config import config_hash, resolve_config
from harness.records import RunDir, find_run_dirs
from reports.loading import load_run
from reports.settings import group_settings
from spaces.base import architecture_columns
from spaces.registry import get_space

ONESHOT_ARCHS = {  # one valid architecture per space (parents per node: spaces/nb1shot1/spaces.py)
    "nb1shot1-s1": "conv3x3~0|maxpool3x3~0,1|conv1x1~1,2|conv3x3~0,3|output~2,4",
    "nb1shot1-s2": "conv3x3~0|conv3x3~1|conv1x1~1,2|maxpool3x3~0,3|output~2,3,4",
    "nb1shot1-s3": "conv3x3~0|conv3x3~1|conv1x1~2|maxpool3x3~1,3|conv3x3~0,4|output~3,5",
}


def family_config(method: str, space: str, epochs: int):
    return resolve_config(method, space, "quick", epochs=epochs)


def family_row(config, epoch: int, arch: str, **columns) -> dict:
    """A row of `config`'s space with the architecture columns the runner writes, uniform weights."""
    space = get_space(config["space"])
    decisions = space.decisions(config["supernet"])
    uniform = [[1.0 / decisions.max_ops] * decisions.max_ops for _ in range(decisions.num_choices)]
    weights = uniform if decisions.num_types == 1 else {t.name: uniform for t in decisions.cell_types}
    return {"epoch": epoch, **architecture_columns(space.parse(arch), decisions), "arch_weights": weights,
            "entropy": 1.0 - 0.1 * epoch, "train_loss": 2.0, "train_acc": 20.0, "arch_steps": 4, "val_loss": 2.1,
            "val_acc": 19.0, "lr": 0.025, "time": {"epoch_seconds": 1.0, "search_seconds": float(epoch)}, **columns}


def write_rows(root: Path, config, seed: int, rows: list[dict]) -> RunDir:
    """A complete run directory of `config` and `seed` holding `rows` (harness/runner.py's files)."""
    digest = config_hash(config)
    run = RunDir.for_config(root, config, digest, seed)
    write_json(run.config, {"config": config, "seed": seed, "config_hash": digest, "seed_streams": {},
                            "provenance": {"device": "cpu"}, "oracle": {"absent": "fake record"}})
    write_jsonl(run.epochs, rows)
    write_json(run.summary, {"complete": True, "epochs": len(rows), "search_seconds": float(len(rows)),
                             "final": rows[-1], "best_val": {"epoch": 1, "arch": rows[0]["arch"], "val_acc": 19.0}})
    return run


def settings_under(root: Path):
    """The settings of every run under `root`, as recorded (no oracle columns filled in)."""
    return group_settings([load_run(run_dir) for run_dir in find_run_dirs([root])])
