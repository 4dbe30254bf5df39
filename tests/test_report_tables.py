"""`harness report` tables: numbers recomputed from the run rows, published rows apart, ablations detected."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
import torch

from harness.atomic import write_jsonl
from harness.cli import main
from harness.runner import run_seed
from reports.assemble import build_report
from reports.loading import load_runs
from reports.oracle_source import OracleSources
from reports.published import GAEA_TABLE_2_TRANSFER, LAMBDA_DARTS_TABLE_1
from reports.settings import group_settings
from reports.table import MEASURED, OPTIMAL, PUBLISHED, Stat
from spaces.errors import ConfigError
from spaces.nb201.oracle import NB201Oracle
from spaces.nb201.paper_columns import paper_columns
from tests.run_helpers import synthetic_image_set, tiny_run_config
from tests.test_report_loading import arch_at, data_root_of, write_run

DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
NAMES = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "ImageNet16-120": "ImageNet16-120"}


def build(root, store):
    source = OracleSources(store.parent.parent)
    loaded = load_runs([root], source, show_progress=False)
    settings = group_settings(loaded.runs)
    return build_report(settings, loaded, source)


def tables_by_key(report):
    return {table.key: table for table in report.tables}


def measured(table, label):
    (row,) = [row for row in table.rows if row.origin == MEASURED and row.cells[0] == label]
    return dict(zip([c.name for c in table.columns], row.cells))


def accuracies(value):
    """The same accuracy in every paper column (a record built by hand)."""
    return {d: {"valid": value[0], "test": value[1]} for d in DATASETS}


# -- through real run_seed output ------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_runs(tmp_path_factory, synthetic_store):
    """Two settings of darts from the real runner: one searched without the store (filled at report time)."""
    root = tmp_path_factory.mktemp("real-runs")
    oracle = NB201Oracle.load(synthetic_store)
    images = synthetic_image_set()
    results = {}
    for label, assignments, seeds, store_at_search in (("darts (arch.lr=0.0003)", [], (0, 1), None),
                                                       ("darts (arch.lr=0.01)", ["arch.lr=0.01"], (0,), oracle)):
        # the per-epoch alignment diagnostic is not what these tests check; it only costs time
        config = tiny_run_config(epochs=2, assignments=["diagnostics.alignment=false", *assignments])
        results[label] = [run_seed(config, seed, root, torch.device("cpu"),
                                   images, store_at_search, show_progress=False, log=lambda m: None)
                          for seed in seeds]
    return root, results


def test_real_runs_csv_numbers_equal_a_direct_computation(real_runs, synthetic_store, capsys):
    root, results = real_runs
    code = main(["report", str(root), "--format", "csv", "--data-dir", str(data_root_of(synthetic_store)),
                 "--no-progress"])
    assert code == 0
    blocks = {block.splitlines()[0].split(":")[0][2:]: list(csv.DictReader(io.StringIO("\n".join(block.splitlines()[1:]))))
              for block in capsys.readouterr().out.split("\n\n") if block.startswith("# nb201")}
    oracle = NB201Oracle.load(synthetic_store)
    for label, runs in results.items():
        finals = [paper_columns(oracle, result.rows[-1]["arch"])["accuracy"] for result in runs]
        (row,) = [r for r in blocks["nb201-valid-test"] if r["Method"] == label]
        assert row["origin"] == "measured" and int(row["seeds"]) == len(runs)
        for dataset in DATASETS:
            for split in ("valid", "test"):
                values = np.array([final[dataset][split] for final in finals])
                assert float(row[f"{NAMES[dataset]} {split} mean"]) == pytest.approx(values.mean(), abs=1e-12)
                assert float(row[f"{NAMES[dataset]} {split} std"]) == pytest.approx(values.std(ddof=0), abs=1e-12)
        (cost,) = [r for r in blocks["nb201-transfer"] if r["Method"] == label]
        seconds = [result.rows[-1]["time"]["search_seconds"] for result in runs]
        assert float(cost["search (s) mean"]) == pytest.approx(np.mean(seconds))


def test_real_runs_without_the_store_say_they_were_filled(real_runs, synthetic_store):
    root, _ = real_runs
    report = build(root, synthetic_store)
    assert any("filled from" in note and "for 2 runs (4 epoch rows)" in note for note in report.notes)


# -- the Optimal row -------------------------------------------------------------------------------


def test_optimal_row_is_the_real_stores_optimum(tmp_path, nb201_store, nb201_oracle):
    write_run(tmp_path, tiny_run_config(epochs=2), 0, [arch_at(10), arch_at(11)])  # filled from the real store
    tables = tables_by_key(build(tmp_path, nb201_store))
    main_table = tables["nb201-valid-test"]
    (optimal,) = main_table.rows_of(OPTIMAL)
    cells = dict(zip([c.name for c in main_table.columns], optimal.cells))
    # the papers' columns written out here (DESIGN.md "Benchmark conventions"), not taken from the code
    benchmark = {("CIFAR-10", "valid"): ("cifar10-valid", "x-valid"), ("CIFAR-10", "test"): ("cifar10", "ori-test"),
                 ("CIFAR-100", "valid"): ("cifar100", "x-valid"), ("CIFAR-100", "test"): ("cifar100", "x-test"),
                 ("ImageNet16-120", "valid"): ("ImageNet16-120", "x-valid"),
                 ("ImageNet16-120", "test"): ("ImageNet16-120", "x-test")}
    for (name, split), (dataset, bench_split) in benchmark.items():
        assert cells[f"{name} {split}"] == Stat(nb201_oracle.optimum(dataset, bench_split, 200)[0])
    (transfer_optimal,) = tables["nb201-transfer"].rows_of(OPTIMAL)
    assert transfer_optimal.cells[-3:] == [cells["CIFAR-10 test"], cells["CIFAR-100 test"], cells["ImageNet16-120 test"]]


def test_without_a_store_there_is_no_optimal_row_and_a_note(tmp_path, synthetic_store, without_packaged_stores):
    write_run(tmp_path, tiny_run_config(epochs=1), 0, [arch_at(1)], NB201Oracle.load(synthetic_store))
    report = build(tmp_path, tmp_path / "no-data" / "benchmarks" / "nb201.h5")
    assert all(not table.rows_of(OPTIMAL) for table in report.tables)
    assert any("No Optimal rows" in note and "harness data import nb201" in note for note in report.notes)


# -- published rows --------------------------------------------------------------------------------


def test_published_rows_are_marked_quoted_and_kept_out_of_the_statistics(tmp_path, synthetic_store):
    for seed, value in enumerate((10.0, 20.0)):
        write_run(tmp_path, tiny_run_config("gdas", epochs=1), seed, [arch_at(5)],
                  accuracy=accuracies((value, value + 1)), regret=accuracies((0.0, 0.0)))
    tables = tables_by_key(build(tmp_path, synthetic_store))
    main_table, transfer = tables["nb201-valid-test"], tables["nb201-transfer"]
    published = main_table.rows_of(PUBLISHED)
    assert [row.cells[0] for row in published] == [row.method for row in LAMBDA_DARTS_TABLE_1]
    assert all(row.cells[1] == "published: Lambda-DARTS Table 1" for row in published)
    (gdas,) = [row for row in published if row.cells[0] == "GDAS"]
    assert gdas.cells[3:5] == [Stat(89.89), Stat(93.61)], "quoted as the paper prints them (no std given)"
    assert [row.cells[0] for row in transfer.rows_of(PUBLISHED)] == [row.method for row in GAEA_TABLE_2_TRANSFER]
    assert all(row.cells[1] == "published: GAEA Table 2" for row in transfer.rows_of(PUBLISHED))
    # the measured gdas row is its own two seeds only, untouched by the published GDAS rows
    assert measured(main_table, "gdas")["CIFAR-10 valid"] == Stat(15.0, 5.0)
    assert measured(transfer, "gdas")["CIFAR-10 test"] == Stat(16.0, 5.0)
    assert len(main_table.rows_of(MEASURED)) == 1 and len(transfer.rows_of(MEASURED)) == 1
    assert any("Published rows are quoted from" in note for note in main_table.notes)


# -- settings, transfer and direct blocks ----------------------------------------------------------


def test_settings_are_labelled_by_what_differs_within_a_method(tmp_path, synthetic_store):
    oracle = NB201Oracle.load(synthetic_store)
    for eta in (0.01, 0.1):
        write_run(tmp_path, tiny_run_config("amended", epochs=1, assignments=[f"amended.eta={eta}"]), 0, [arch_at(3)],
                  oracle)
    write_run(tmp_path, tiny_run_config("darts", epochs=1), 0, [arch_at(3)], oracle)
    labels = [row.cells[0] for row in tables_by_key(build(tmp_path, synthetic_store))["nb201-valid-test"].rows_of(MEASURED)]
    assert labels == ["amended (amended.eta=0.01)", "amended (amended.eta=0.1)", "darts"]


def test_direct_block_takes_each_dataset_from_its_own_search(tmp_path, synthetic_store):
    write_run(tmp_path, tiny_run_config("gaea", epochs=1), 0, [arch_at(1)], accuracy=accuracies((50.0, 51.0)),
              regret=accuracies((1.0, 1.0)))
    for seed, value in enumerate((60.0, 64.0)):
        config = tiny_run_config("gaea", epochs=1)
        config["dataset"] = "cifar100"
        write_run(tmp_path, config, seed, [arch_at(2)], accuracy=accuracies((value, value + 2)),
                  regret=accuracies((1.0, 1.0)))
    write_run(tmp_path, tiny_run_config("darts", epochs=1), 0, [arch_at(3)], accuracy=accuracies((70.0, 71.0)),
              regret=accuracies((1.0, 1.0)))
    tables = tables_by_key(build(tmp_path, synthetic_store))
    assert [row.cells[0] for row in tables["nb201-direct"].rows_of(MEASURED)] == ["gaea"], \
        "a method searched on CIFAR-10 only is in the transfer block alone"
    direct = measured(tables["nb201-direct"], "gaea")
    assert direct["CIFAR-10 test"] == Stat(51.0, 0.0) and direct["CIFAR-10 seeds"] == 1
    assert direct["CIFAR-100 test"] == Stat(64.0, 2.0) and direct["CIFAR-100 seeds"] == 2
    assert direct["ImageNet16-120 test"] is None, "absent, not a placeholder"
    transfer = measured(tables["nb201-transfer"], "gaea")
    assert transfer["CIFAR-100 test"] == Stat(51.0, 0.0), "transfer: the CIFAR-10 search looked up on CIFAR-100"


def test_only_transfer_searches_give_no_direct_block(tmp_path, synthetic_store):
    write_run(tmp_path, tiny_run_config(epochs=1), 0, [arch_at(1)], NB201Oracle.load(synthetic_store))
    assert set(tables_by_key(build(tmp_path, synthetic_store))) == {"nb201-valid-test", "nb201-transfer"}


# -- ablations and best of k -----------------------------------------------------------------------


def test_prime_ablation_shows_the_variants_present_in_the_papers_order(tmp_path, synthetic_store):
    oracle = NB201Oracle.load(synthetic_store)
    for method in ("prime", "darts", "cs10"):
        write_run(tmp_path, tiny_run_config(method, epochs=1), 0, [arch_at(4)], oracle)
    table = tables_by_key(build(tmp_path, synthetic_store))["prime-ablation-cifar10"]
    assert [row.cells[1] for row in table.rows] == ["DARTS", "CS10", "PRIME"]


def test_no_prime_ablation_without_a_prime_variant(tmp_path, synthetic_store):
    write_run(tmp_path, tiny_run_config("darts", epochs=1), 0, [arch_at(4)], NB201Oracle.load(synthetic_store))
    assert not any(key.startswith("prime-ablation") for key in tables_by_key(build(tmp_path, synthetic_store)))


def test_sweep_tables_follow_the_values_present(tmp_path, synthetic_store):
    oracle = NB201Oracle.load(synthetic_store)
    for eta in (0.5, 0.01):
        write_run(tmp_path, tiny_run_config("amended", epochs=1, assignments=[f"amended.eta={eta}"]), 0, [arch_at(6)],
                  oracle)
    for sets, epochs in (([], 2), (["lambda_reg.e0=0.001"], 2), ([], 3)):
        write_run(tmp_path, tiny_run_config("lambda", epochs=epochs, assignments=sets), 0, [arch_at(6)] * epochs,
                  oracle)
    tables = tables_by_key(build(tmp_path, synthetic_store))
    assert [row.cells[1] for row in tables["amended-eta-cifar10"].rows] == [0.01, 0.5], "numeric order"
    assert [row.cells[1] for row in tables["lambda-epochs-cifar10"].rows] == [2, 2, 3]
    assert sorted(row.cells[1] for row in tables["lambda-e0-cifar10"].rows) == [0.0001, 0.0001, 0.001]
    assert "lambda-strength-cifar10" not in tables, "one strength value is no sweep"


def test_best_of_k_is_the_test_accuracy_of_the_best_validation_seed(tmp_path, synthetic_store):
    # seed 2 has the best test accuracy, seed 1 the best validation: papers report seed 1's test
    for seed, (valid, test) in enumerate(((90.0, 91.0), (92.0, 89.0), (85.0, 95.0))):
        write_run(tmp_path, tiny_run_config("cs10", epochs=1), seed, [arch_at(seed)], accuracy=accuracies((valid, test)),
                  regret=accuracies((0.0, 0.0)))
    row = measured(tables_by_key(build(tmp_path, synthetic_store))["prime-ablation-cifar10"], "cs10")
    assert row["CIFAR-10 test, best of k"] == 89.0
    assert row["CIFAR-10 test"] == Stat(float(np.mean([91, 89, 95])), float(np.std([91, 89, 95])))
    assert row["seeds"] == 3


def test_skipped_runs_are_counted_in_the_notes(tmp_path, synthetic_store):
    oracle = NB201Oracle.load(synthetic_store)
    write_run(tmp_path, tiny_run_config(epochs=2), 0, [arch_at(1)] * 2, oracle)
    stopped = write_run(tmp_path, tiny_run_config(epochs=2), 1, [arch_at(1)], oracle, complete=False)
    notes = build(tmp_path, synthetic_store).notes
    assert any(note.startswith("1 run skipped (1 incomplete)") for note in notes)
    assert any(str(stopped.path) in note for note in notes)


def test_darts_without_the_zero_op_is_its_own_row_of_the_gaea_table(tmp_path, synthetic_store):
    """GAEA C.3 / Figure 4: first-order DARTS with `none` excluded is the control of GAEA DARTS."""
    oracle = NB201Oracle.load(synthetic_store)
    write_run(tmp_path, tiny_run_config("darts", epochs=1), 0, [arch_at(3)], oracle)
    write_run(tmp_path, tiny_run_config("darts", epochs=1, assignments=['softmax.exclude_ops=["none"]']), 0,
              [arch_at(5)], oracle)
    table = tables_by_key(build(tmp_path, synthetic_store))["nb201-transfer"]
    labels = [row.cells[0] for row in table.rows_of(MEASURED)]
    assert labels == ['darts (softmax.exclude_ops=["none"])', "darts (softmax.exclude_ops=[])"]
    cifar10 = measured(table, labels[0])["CIFAR-10 test"]
    assert cifar10.mean == pytest.approx(paper_columns(oracle, arch_at(5))["accuracy"]["cifar10"]["test"])


def _with_val_acc(run, values):
    rows = [json.loads(line) for line in run.epochs.read_text().splitlines()]
    for row, value in zip(rows, values, strict=True):
        row["val_acc"] = value
    write_jsonl(run.epochs, rows)


def test_select_best_val_returns_the_epoch_of_best_supernet_validation(tmp_path, synthetic_store):
    """GAEA code (cnn/train_search.py): best_genotype at the strictly best supernet validation accuracy."""
    oracle = NB201Oracle.load(synthetic_store)
    run = write_run(tmp_path, tiny_run_config("darts", epochs=4), 0, [arch_at(3), arch_at(5), arch_at(7), arch_at(9)],
                    oracle)
    _with_val_acc(run, [19.0, 25.0, 25.0, 22.0])  # epochs 2 and 3 tie: the first wins
    erm = write_run(tmp_path, tiny_run_config("gaea", epochs=2), 0, [arch_at(11), arch_at(13)], oracle)
    _with_val_acc(erm, [30.0, 20.0])  # monitored on the test set: never chosen by
    source = OracleSources(synthetic_store.parent.parent)

    def cifar10_test(selection, label):
        loaded = load_runs([tmp_path], source, show_progress=False, selection=selection)
        report = build_report(group_settings(loaded.runs), loaded, source)
        return measured(tables_by_key(report)["nb201-transfer"], label)["CIFAR-10 test"].mean, report.notes

    def truth(index):
        return paper_columns(oracle, arch_at(index))["accuracy"]["cifar10"]["test"]

    assert cifar10_test("final", "darts")[0] == pytest.approx(truth(9))
    best, notes = cifar10_test("best-val", "darts")
    assert best == pytest.approx(truth(5))
    assert cifar10_test("best-val", "gaea")[0] == pytest.approx(truth(13))
    assert any("best supernet validation" in note for note in notes)
    assert any("1 single-level run" in note and "final epoch" in note for note in notes)
    with pytest.raises(ConfigError, match="--select"):
        load_runs([tmp_path], source, show_progress=False, selection="best")
