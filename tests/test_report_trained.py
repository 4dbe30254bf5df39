"""The report's trained-accuracy tables: evaluations matched to the architectures search seeds returned."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.records import RunDir
from reports.evaluations import LoadedEvaluation
from reports.loading import LoadedRun
from reports.settings import group_settings
from reports.trained_tables import trained_tables
from tests.evaluation_helpers import DARTS_V2, NB201_BEST

OTHER = "|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|"


def search_run(seed, arch, space="nb201", method="darts"):
    config = {"space": space, "dataset": "cifar10", "method": method, "epochs": 1, "data": {"split": "darts"}}
    return LoadedRun(RunDir(Path(f"/runs/{method}/seed-{seed}")), config, "h", seed, [{"epoch": 1, "arch": arch}],
                     True, None, 1.0)


def evaluation(arch, test_acc, seed=0, space="nb201", protocol="nb201-200E", preset="cpu", config_hash="c1"):
    config = {"space": space, "dataset": "cifar10", "arch": arch, "protocol": protocol, "preset": preset}
    summary = {"test_acc": test_acc, "params_mb": 0.5, "multiply_adds_m": 10.0}
    return LoadedEvaluation(Path(f"/evaluations/{arch}/{seed}"), config, config_hash, arch[:6], seed, summary)


def test_a_setting_gets_the_mean_over_search_seeds_of_each_seeds_mean_over_training_seeds():
    settings = group_settings([search_run(0, NB201_BEST), search_run(1, OTHER), search_run(2, NB201_BEST)])
    evaluations = [evaluation(NB201_BEST, 90.0), evaluation(NB201_BEST, 92.0, seed=1), evaluation(OTHER, 80.0),
                   evaluation(OTHER, 70.0, protocol="nb201-200E", preset="paper", config_hash="c2")]
    trained, archs = trained_tables(settings, evaluations)
    assert trained.key == "trained" and archs.key == "trained-archs"
    by_protocol = {row.cells[trained.column_index("protocol")]: row.cells for row in trained.rows}
    cpu = by_protocol["nb201-200E, cpu preset (c1)"]
    # seeds 0 and 2 returned NB201_BEST (mean of 90 and 92 = 91 each), seed 1 OTHER (80)
    assert cpu[trained.column_index("seeds")] == 3
    stat = cpu[trained.column_index("trained test")]
    assert stat.mean == pytest.approx((91 + 80 + 91) / 3)
    assert stat.std == pytest.approx(((2 * (91 - 262 / 3) ** 2 + (80 - 262 / 3) ** 2) / 3) ** 0.5)
    paper = by_protocol["nb201-200E, paper preset (c2)"]
    assert paper[trained.column_index("seeds")] == 1 and paper[trained.column_index("trained test")].mean == 70
    assert len(archs.rows) == 3  # (NB201_BEST, cpu), (OTHER, cpu), (OTHER, paper)


def test_darts_genotypes_match_whatever_order_a_node_lists_its_pairs_in():
    from harness.evaluation.architectures import evaluation_space, parse_canonical

    swapped = DARTS_V2.replace("('sep_conv_3x3', 0), ('sep_conv_3x3', 1)", "('sep_conv_3x3', 1), ('sep_conv_3x3', 0)", 1)
    _, canonical = parse_canonical(evaluation_space("darts"), DARTS_V2)
    settings = group_settings([search_run(0, swapped, space="darts")])
    trained, _ = trained_tables(settings, [evaluation(canonical, 97.0, space="darts", protocol="darts")])
    assert trained.rows[0].cells[trained.column_index("trained test")].mean == 97.0


def test_no_evaluations_no_tables_and_unmatched_evaluations_only_in_the_architecture_table():
    settings = group_settings([search_run(0, NB201_BEST)])
    assert trained_tables(settings, []) == []
    (archs,) = trained_tables(settings, [evaluation(OTHER, 80.0)])
    assert archs.key == "trained-archs" and len(archs.rows) == 1
