"""`harness report` on DARTS-family runs: Lambda-DARTS Table 3, the papers' DARTS-space tables, NB301 predictions.

Run and evaluation records are written here as harness/runner.py and harness/evaluation/trainer.py write
them (the files and keys the reports read), so each test builds its runs in milliseconds.
"""

from __future__ import annotations

import pytest
import torch

from harness.atomic import write_json, write_jsonl
from harness.cli import main
from harness.config import config_hash, resolve_config
from harness.evaluation.protocols import resolve_evaluation_config
from harness.evaluation.records import KIND, arch_hash, evaluation_config_hash, evaluation_dir
from harness.records import RunDir
from reports.assemble import build_report
from reports.formats import render_markdown
from reports.loading import load_runs
from reports.oracle_source import OracleSources
from reports.published_darts import (DARTS_PRIME_TABLE_1, LAMBDA_TABLE_3_METHODS, PAPER_TABLES, ROBUST_DATASETS,
                                     ROBUST_SPACES, lambda_table_3)
from reports.settings import group_settings
from reports.space_reports import oracle_optional
from reports.table import MEASURED, PUBLISHED, Stat
from spaces.nb201.oracle import NB201Oracle
from spaces.registry import get_space
from tests.run_helpers import tiny_run_config
from tests.test_report_loading import arch_at, write_run

PROVENANCE = {"device": "cpu", "device_name": "x86_64", "torch_threads": 1}


def genotype(space_name: str, seed: int) -> str:
    """A valid architecture of the space: derived from random scores, in the space's canonical text."""
    space = get_space(space_name)
    decisions = space.decisions(space.supernet_defaults())
    shape = (decisions.num_types, len(decisions.cell_types[0].op_choices),
             max(len(choice.ops) for choice in decisions.cell_types[0].op_choices))
    scores = torch.rand(shape, generator=torch.Generator().manual_seed(seed))
    return str(space.canonical(space.derive(scores)))


def write_search(root, space, dataset, seed, archs, val_accs, method="darts", nb301=None, seconds=10.0):
    """A complete search run whose epoch e derived archs[e-1] with supernet validation accuracy val_accs[e-1];
    nb301: the NB301 prediction of each epoch's architecture (absent: searched without the store)."""
    config = resolve_config(method, space, "quick", dataset=dataset, epochs=len(archs))
    digest = config_hash(config)
    run = RunDir.for_config(root, config, digest, seed)
    rows = []
    for epoch, (arch, val_acc) in enumerate(zip(archs, val_accs), start=1):
        row = {"epoch": epoch, "arch": arch, "train_loss": 2.0, "val_acc": val_acc,
               "time": {"epoch_seconds": seconds, "search_seconds": seconds * epoch}}
        if nb301 is not None:
            row["accuracy"] = {"cifar10": {"nb301": nb301[epoch - 1]}}
        rows.append(row)
    write_json(run.config, {"config": config, "seed": seed, "config_hash": digest, "seed_streams": {},
                            "provenance": PROVENANCE, "oracle": {"absent": "test"}})
    write_jsonl(run.epochs, rows)
    write_json(run.summary, {"complete": True, "epochs": len(rows), "search_seconds": seconds * len(rows),
                             "final": rows[-1]})
    return run


def write_evaluation(root, space, dataset, arch, test_acc, seed=0, preset="paper", params=3.25):
    """A complete `harness evaluate` record of `arch` trained on `dataset`."""
    config = resolve_evaluation_config(get_space(space), space, dataset, preset, arch)
    run = evaluation_dir(root, config, seed)
    write_json(run.config, {"kind": KIND, "config": config, "arch_hash": arch_hash(config["arch"]),
                            "config_hash": evaluation_config_hash(config), "seed": seed, "seed_streams": {},
                            "provenance": PROVENANCE})
    final = {"epoch": 1, "test_acc": test_acc, "test_loss": 0.1}
    write_jsonl(run.epochs, [final])
    write_json(run.summary, {"complete": True, "epochs": 1, "arch": config["arch"], "test_acc": test_acc,
                             "test_loss": 0.1, "params_mb": params, "multiply_adds_m": 500.0, "train_seconds": 1.0,
                             "protocol": config["protocol"], "preset": preset, "final": final})
    return run


def build(root, data_root, selection="final"):
    oracles = OracleSources(data_root)
    loaded = load_runs([root], oracles, show_progress=False, selection=selection, oracle_optional=oracle_optional)
    return build_report(group_settings(loaded.runs), loaded, oracles)


def by_key(report):
    return {table.key: table for table in report.tables}


def measured_rows(table, **match):
    names = [c.name for c in table.columns]
    rows = [dict(zip(names, row.cells)) for row in table.rows if row.origin == MEASURED]
    return [row for row in rows if all(row[key] == value for key, value in match.items())]


def paper_protocol():
    from reports.evaluations import LoadedEvaluation

    config = resolve_evaluation_config(get_space("darts-s2"), "darts-s2", "cifar10", "paper", genotype("darts-s2", 0))
    return LoadedEvaluation(None, config, evaluation_config_hash(config), "", 0, {}).protocol


# -- Lambda-DARTS Table 3 --------------------------------------------------------------------------------------


@pytest.fixture
def robust_runs(tmp_path):
    """darts on darts-s2 / CIFAR-10, three seeds: seed 1 has the best supernet validation, seed 2 the best trained
    architecture; every architecture trained. darts on darts-s3 / CIFAR-100 searched, nothing trained."""
    archs = {seed: genotype("darts-s2", seed) for seed in range(3)}
    for seed, val_acc in ((0, 60.0), (1, 70.0), (2, 65.0)):
        write_search(tmp_path / "runs", "darts-s2", "cifar10", seed, [archs[seed]], [val_acc])
    evaluations = tmp_path / "evaluations"
    write_evaluation(evaluations, "darts-s2", "cifar10", archs[0], 96.0)
    write_evaluation(evaluations, "darts-s2", "cifar10", archs[1], 96.0)  # seed 1: two training seeds, mean 96.5
    write_evaluation(evaluations, "darts-s2", "cifar10", archs[1], 97.0, seed=1)
    write_evaluation(evaluations, "darts-s2", "cifar10", archs[2], 98.0)  # the best trained: not picked
    write_search(tmp_path / "runs", "darts-s3", "cifar100", 0, [genotype("darts-s3", 5)], [40.0])
    return tmp_path


def test_table_3_cell_is_the_trained_error_of_the_best_validation_seed(robust_runs):
    table = by_key(build(robust_runs, robust_runs / "no-data"))["lambda-darts-table-3"]
    (row,) = measured_rows(table, Space="darts-s2", Method="darts")
    assert row["protocol"] == paper_protocol()
    assert row["CIFAR-10"] == Stat(pytest.approx(100 - 96.5))  # seed 1 (val 70), not seed 2 (trained 98)
    assert row["CIFAR-100"] is None and row["SVHN"] is None  # not searched there


def test_best_val_selection_picks_by_the_best_epochs_validation(tmp_path):
    early, late = genotype("darts-s2", 10), genotype("darts-s2", 11)
    write_search(tmp_path / "runs", "darts-s2", "cifar10", 0, [early, late], [80.0, 50.0])  # best-val: epoch 1
    write_search(tmp_path / "runs", "darts-s2", "cifar10", 1, [late, late], [60.0, 70.0])
    write_evaluation(tmp_path / "evaluations", "darts-s2", "cifar10", early, 90.0)
    write_evaluation(tmp_path / "evaluations", "darts-s2", "cifar10", late, 95.0)
    final = by_key(build(tmp_path, tmp_path / "no-data"))["lambda-darts-table-3"]
    best_val = by_key(build(tmp_path, tmp_path / "no-data", "best-val"))["lambda-darts-table-3"]
    # final: seed 1 (final val 70 > 50) returns `late`; best-val: seed 0 (80 at epoch 1) returns `early`
    assert measured_rows(final, Space="darts-s2")[0]["CIFAR-10"].mean == pytest.approx(5.0)
    assert measured_rows(best_val, Space="darts-s2")[0]["CIFAR-10"].mean == pytest.approx(10.0)


def test_table_3_unfilled_cells_say_which_command_fills_them(robust_runs):
    report = build(robust_runs, robust_runs / "no-data")
    table = by_key(report)["lambda-darts-table-3"]
    (row,) = measured_rows(table, Space="darts-s3")
    assert row["CIFAR-100"] is None and row["protocol"] is None
    (note,) = [n for n in table.notes if n.startswith("darts-s3, darts, CIFAR-100")]
    run_dir = next((robust_runs / "runs" / "darts-s3").rglob("seed-0"))
    assert f"harness evaluate {run_dir} --dataset cifar100" in note and "seed 0" in note


def test_table_3_published_rows_are_the_papers(robust_runs):
    table = by_key(build(robust_runs, robust_runs / "no-data"))["lambda-darts-table-3"]
    published = [dict(zip([c.name for c in table.columns], row.cells)) for row in table.rows_of(PUBLISHED)]
    assert len(published) == len(ROBUST_SPACES) * len(LAMBDA_TABLE_3_METHODS)
    assert all(row["source"] == "published: Lambda-DARTS Table 3" for row in published)
    cell = {(row["Space"], row["Method"]): row for row in published}
    # read off Lambda-DARTS Table 3 (papers/lambda-darts.txt) by hand
    assert cell[("darts-s1", "DARTS")]["CIFAR-10"] == Stat(3.84)
    assert cell[("darts-s4", "DARTS")]["CIFAR-10"] == Stat(7.20)
    assert cell[("darts-s1", "SDARTS-RS")]["SVHN"] == Stat(2.35)
    assert cell[("darts-s4", "DARTS+PT")]["CIFAR-100"] == Stat(20.80)
    assert cell[("darts-s4", "Lambda-DARTS")]["CIFAR-100"] == Stat(20.65)
    assert cell[("darts-s1", "R-DARTS")]["SVHN"] == Stat(4.79)


def test_table_3_numbers_agree_with_the_papers_text():
    """Lambda-DARTS Section 5.3: best in 10 of the 12 (space, dataset) rows; DARTS+PT beats SDARTS on S4."""
    best = [(space, dataset) for space in ROBUST_SPACES for dataset in ROBUST_DATASETS
            if min(LAMBDA_TABLE_3_METHODS, key=lambda m: lambda_table_3(m, space, dataset)) == "Lambda-DARTS"]
    assert len(best) == 10 and ("darts-s1", "cifar10") not in best and ("darts-s1", "svhn") not in best
    assert all(lambda_table_3("DARTS+PT", "darts-s4", d) < lambda_table_3("SDARTS-RS", "darts-s4", d)
               for d in ROBUST_DATASETS)


# -- the DARTS-space CIFAR tables ------------------------------------------------------------------------------


def test_paper_tables_hold_measured_mean_std_params_seconds_and_device(tmp_path):
    archs = [genotype("darts", seed) for seed in range(3)]
    for seed in range(3):
        write_search(tmp_path / "runs", "darts", "cifar10", seed, [archs[seed]], [50.0], method="prime",
                     seconds=100.0 + seed)
    write_evaluation(tmp_path / "evaluations", "darts", "cifar10", archs[0], 97.0, params=3.0)
    write_evaluation(tmp_path / "evaluations", "darts", "cifar10", archs[1], 96.0, params=4.0)
    tables = by_key(build(tmp_path, tmp_path / "no-data"))
    assert {spec.key for spec in PAPER_TABLES} <= set(tables)  # each has the darts space and CIFAR-10
    (row,) = measured_rows(tables["darts-prime-table-1"])
    assert row["seeds"] == "2 of 3" and row["device"] == "cpu (x86_64)"
    assert row["test error (%)"] == Stat(pytest.approx(3.5), pytest.approx(0.5))
    assert row["params (M)"] == Stat(pytest.approx(3.5), pytest.approx(0.5))
    assert row["search (s)"].mean == pytest.approx(101.0) and row["search cost (GPU-days)"] is None
    (accuracy_row,) = measured_rows(tables["lambda-darts-table-2"])
    assert accuracy_row["test accuracy (%)"].mean == pytest.approx(96.5)  # Lambda-DARTS Table 2 is accuracy


def test_paper_tables_published_rows_are_the_papers(tmp_path):
    write_search(tmp_path / "runs", "darts", "cifar10", 0, [genotype("darts", 0)], [50.0])
    tables = by_key(build(tmp_path, tmp_path / "no-data"))

    def published(key, method, dataset="CIFAR-10"):
        table = tables[key]
        names = [c.name for c in table.columns]
        (row,) = [dict(zip(names, r.cells)) for r in table.rows_of(PUBLISHED)
                  if r.cells[0] == method and r.cells[3] == dataset]
        return row

    # read off each paper's table by hand (papers/*.txt), cross-checked in reports/published_darts.py
    prime = published("darts-prime-table-1", "DARTS-PRIME")
    assert prime["test error (%)"] == Stat(2.62, 0.07) and prime["params (M)"] == Stat(3.70, 0.27)
    assert prime["search cost (GPU-days)"] == 0.5 and prime["source"] == "published: DARTS-PRIME Table 1"
    assert published("darts-prime-table-1", "DARTS-PRIME", "CIFAR-100")["test error (%)"] == Stat(17.44, 0.57)
    assert published("lambda-darts-table-2", "Lambda-DARTS Lambda (avg)")["test accuracy (%)"] == Stat(97.48, 0.11)
    assert published("lambda-darts-table-2", "R-DARTS", "CIFAR-100")["test accuracy (%)"] == Stat(81.99, 0.26)
    assert published("pr-darts-table-1", "PR-DARTS", "CIFAR-100")["test error (%)"] == Stat(16.45)
    assert published("gaea-table-1", "GAEA PC-DARTS")["test error (%)"] == Stat(2.50, 0.06)
    assert published("amended-darts-table-1", "Amended-DARTS, S_1")["test error (%)"] == Stat(2.81, 0.21)
    # the same result in two papers agrees: R-DARTS 97.05 ± 0.21 accuracy (Lambda) is 2.95 ± 0.21 error (PRIME)
    r_darts = published("darts-prime-table-1", "R-DARTS (L2)")["test error (%)"]
    assert 100 - r_darts.mean == pytest.approx(97.05) and r_darts.std == 0.21
    assert DARTS_PRIME_TABLE_1.rows[0].gpu_days == 1.5


def test_a_setting_without_evaluations_has_empty_cells_and_a_note(tmp_path):
    write_search(tmp_path / "runs", "darts", "cifar10", 0, [genotype("darts", 0)], [50.0])
    report = build(tmp_path, tmp_path / "no-data")
    table = by_key(report)["gaea-table-1"]
    (row,) = measured_rows(table)
    assert row["test error (%)"] is None and row["seeds"] == "0 of 1" and row["search (s)"].mean == 10.0
    assert any("no architecture of its 1 seeds is trained yet" in note and "harness evaluate" in note
               for note in table.notes)
    assert any(note.startswith("No DARTS-family architecture has been trained yet") for note in report.notes)


# -- NAS-Bench-301 predictions ---------------------------------------------------------------------------------


def test_nb301_table_final_and_best_epoch_and_notes_for_what_it_lacks(tmp_path):
    archs = [genotype("darts", seed) for seed in range(2)]
    write_search(tmp_path / "runs", "darts", "cifar10", 0, archs, [50.0, 51.0], nb301=[93.0, 92.0])
    write_search(tmp_path / "runs", "darts", "cifar10", 1, archs, [50.0, 51.0], nb301=[91.0, 94.0])
    write_search(tmp_path / "runs", "darts-s1", "cifar10", 0, [genotype("darts-s1", 0)], [50.0])  # no store
    write_search(tmp_path / "runs", "darts-s4", "cifar10", 0, [genotype("darts-s4", 0)], [50.0])
    report = build(tmp_path, tmp_path / "no-data")
    table = by_key(report)["darts-nb301"]
    (darts,) = measured_rows(table, space="darts")
    assert darts["NB301, returned arch"] == Stat(pytest.approx(93.0), pytest.approx(1.0))  # 92 and 94
    assert darts["NB301, best epoch"] == Stat(pytest.approx(93.5), pytest.approx(0.5))  # 93 and 94
    (s1,) = measured_rows(table, space="darts-s1")
    assert s1["seeds"] == 0 and s1["NB301, returned arch"] is None
    assert any("1 run(s) on darts-s1 have no NAS-Bench-301 prediction" in n and "harness data import nb301" in n
               for n in report.notes)
    assert any(n.startswith("No NAS-Bench-301 prediction for darts-s4") and "noise" in n for n in report.notes)
    assert not measured_rows(table, space="darts-s4")


# -- NB201 untouched, and the command line ---------------------------------------------------------------------


def test_nb201_tables_are_unchanged_by_darts_runs_beside_them(tmp_path, synthetic_store):
    oracle = NB201Oracle.load(synthetic_store)
    for seed in (0, 1):
        write_run(tmp_path / "nb201", tiny_run_config(epochs=2), seed, [arch_at(seed), arch_at(seed + 3)], oracle)
    data_root = synthetic_store.parent.parent
    alone = build(tmp_path / "nb201", data_root)
    write_search(tmp_path / "nb201", "darts-s2", "cifar10", 0, [genotype("darts-s2", 0)], [50.0])
    mixed = build(tmp_path / "nb201", data_root)
    nb201_keys = [table.key for table in alone.tables]
    assert [t.key for t in mixed.tables][:len(nb201_keys)] == nb201_keys
    assert render_markdown(mixed.tables[:len(nb201_keys)], []) == render_markdown(alone.tables, [])
    assert "lambda-darts-table-3" in {t.key for t in mixed.tables}
    assert not any(note.startswith("Spaces without tables here") for note in mixed.notes)


def test_harness_report_prints_the_table_3_section(robust_runs, capsys):
    code = main(["report", str(robust_runs), "--data-dir", str(robust_runs / "no-data"), "--no-progress"])
    assert code == 0
    out = capsys.readouterr().out
    assert "### RobustDARTS spaces S1-S4: test error (%) of the best of k searches" in out
    (line,) = [line for line in out.splitlines() if line.startswith("| darts-s2 | darts ")]
    assert "| 3.50 " in line and "| measured " in line
    assert "| darts-s1 | DARTS " in out and "published: Lambda-DARTS Table 3" in out
