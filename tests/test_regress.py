"""`harness regress`: every method's pinned runs match its committed golden and stay above its floor;
the comparison, diff, floor and update logic on hand-made goldens; the command end to end."""

from __future__ import annotations

import json

import pytest
import torch
from conftest import require_shared

from harness import regress
from harness.cli import main
from harness.config import config_hash
from harness.records import RunDir
from methods.registry import list_methods
from spaces.errors import BenchmarkFileError, ConfigError

METHODS = [spec.name for spec in list_methods()]
GOOD = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
SKIPS = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"
ENVIRONMENT = {"torch": "2.13.0+cpu", "threads": 1, "machine": "x86_64", "cpu_capability": "AVX512",
               "cpu_model": "AMD EPYC", "device": "cpu"}


def epoch_entry(epoch: int, arch: str, cifar10_test: float) -> dict:
    return {"epoch": epoch, "arch": arch, "accuracy": {
        "cifar10": {"valid": cifar10_test - 3.0, "test": cifar10_test},
        "cifar100": {"valid": 70.0, "test": 70.5},
        "ImageNet16-120": {"valid": 44.0, "test": 44.5}}}


def hand_made(finals=(92.0, 94.0), method="darts") -> dict:
    """A golden-form record: seeds 0, 1; two epochs each, the second with CIFAR-10 test `finals[seed]`."""
    config = {"method": method, "epochs": 2, "arch": {"lr": 0.0003}}
    return {"format": regress.GOLDEN_FORMAT, "method": method, "config_hash": config_hash(config), "config": config,
            "environment": dict(ENVIRONMENT), "oracle": {"source_kind": "csv", "source_sha256": "ab" * 32},
            "seeds": [{"seed": seed, "epochs": [epoch_entry(1, SKIPS, 80.0), epoch_entry(2, GOOD, final)]}
                      for seed, final in enumerate(finals)]}


def verdict(golden, record, floor=90.0):
    return regress.judge({record["method"]: record}, {} if golden is None else {golden["method"]: golden},
                         {} if floor is None else {record["method"]: {"floor": floor}})[0]


# -- comparison and diff -----------------------------------------------------------------------


def test_identical_records_have_no_differences():
    assert regress.differences(hand_made(), hand_made()) == []


def test_changed_arch_names_seed_epoch_both_archs_and_the_accuracy_change():
    golden, record = hand_made(), hand_made()
    record["seeds"][1]["epochs"][1] = epoch_entry(2, SKIPS, 88.5)
    lines = regress.differences(golden, record)
    assert len(lines) == 1
    assert lines[0].startswith("seed 1 epoch 2: ")
    assert f"{GOOD} -> {SKIPS}" in lines[0] and "94.00 -> 88.50, -5.50" in lines[0]


def test_accuracies_compare_to_1e9():
    golden, close, far = hand_made(), hand_made(), hand_made()
    close["seeds"][0]["epochs"][0]["accuracy"]["cifar100"]["test"] += 1e-11
    far["seeds"][0]["epochs"][0]["accuracy"]["cifar100"]["test"] += 1e-6
    assert regress.differences(golden, close) == []
    [line] = regress.differences(golden, far)
    assert line.startswith("seed 0 epoch 1: same architecture") and "cifar100 test" in line


def test_config_change_names_the_settings():
    golden, record = hand_made(), hand_made()
    record["config"]["arch"]["lr"] = 0.001
    record["config"]["arch"]["momentum"] = 0.9
    record["config_hash"] = config_hash(record["config"])
    [line] = regress.differences(golden, record)
    assert "arch.lr 0.0003 -> 0.001" in line and "arch.momentum absent -> 0.9" in line


def test_missing_seeds_and_epochs_are_differences():
    golden, record = hand_made(), hand_made()
    del record["seeds"][1]
    record["seeds"][0]["epochs"].pop()
    assert regress.differences(golden, record) == ["seed 0: 2 epochs in the golden, 1 now",
                                                   "seed 1: in the golden, not run now"]


def test_floor_metric_is_the_mean_final_cifar10_test_accuracy():
    assert regress.final_mean(hand_made(finals=(92.0, 94.0))) == pytest.approx(93.0)


def test_statuses():
    changed = hand_made(finals=(92.0, 86.0))
    changed["seeds"][1]["epochs"][1]["arch"] = SKIPS
    assert verdict(hand_made(), hand_made()).status == "ok"
    assert verdict(hand_made(), changed, floor=80.0).status == "CHANGED"
    assert verdict(hand_made(), hand_made(), floor=95.0).status == "BELOW FLOOR"
    assert verdict(hand_made(), changed, floor=90.0).status == "CHANGED + BELOW FLOOR"
    assert verdict(None, hand_made()).status == "MISSING GOLDEN"
    assert verdict(hand_made(), hand_made(), floor=None).status == "MISSING GOLDEN"


def test_another_fingerprint_skips_the_exact_comparison_but_not_the_floor():
    golden, changed = hand_made(), hand_made(finals=(92.0, 86.0))
    changed["seeds"][1]["epochs"][1]["arch"] = SKIPS
    changed["environment"]["cpu_model"] = "Intel Xeon"  # same SIMD level, another CPU
    found = verdict(golden, changed, floor=80.0)
    assert not found.exact and found.changes  # the differences are found, and not held against the run
    assert found.status == "ok (portable checks only)" and found.passed
    assert verdict(golden, changed, floor=95.0).status == "BELOW FLOOR"


def test_portable_checks_catch_records_that_disagree_with_the_oracle(nb201_oracle):
    record = regress.golden_record("darts", regress.pinned_config("darts"), {0: [
        {"epoch": 1, "arch": GOOD, "accuracy": nb201_oracle.record_columns(GOOD)["accuracy"]},
        {"epoch": 2, "arch": SKIPS, "accuracy": nb201_oracle.record_columns(GOOD)["accuracy"]},
        {"epoch": 3, "arch": "|skip~0|", "accuracy": {}}]}, ENVIRONMENT, nb201_oracle)
    problems = regress.portable_problems(record, nb201_oracle)
    assert len(problems) == 2
    assert problems[0].startswith("seed 0 epoch 2: recorded accuracies differ") and "epoch 3" in problems[1]
    assert verdict(hand_made(), hand_made()).inconsistencies == []


def test_environment_note_names_what_differs():
    golden, record = hand_made(), hand_made()
    assert regress.environment_note(golden, record) is None
    record["environment"]["torch"] = "2.14.0"
    record["oracle"]["source_kind"] = "nats"
    note = regress.environment_note(golden, record)
    assert "torch 2.13.0+cpu -> 2.14.0" in note and "oracle store csv" in note and "machine" not in note


# -- updating ----------------------------------------------------------------------------------


def test_new_method_gets_a_floor_one_margin_below_its_mean():
    update = regress.plan_update(verdict(None, hand_made(finals=(92.0, 94.0)), floor=None), lower_floor=False)
    assert update.status == "NEW" and update.golden == hand_made(finals=(92.0, 94.0))
    assert update.floor["floor"] == pytest.approx(93.0 - regress.FLOOR_MARGIN)


def test_changed_method_is_recorded_keeping_the_lower_floor():
    lower = hand_made(finals=(90.0, 92.0))
    lower["seeds"][1]["epochs"][1]["arch"] = SKIPS
    update = regress.plan_update(verdict(hand_made(), lower, floor=90.5), lower_floor=False)
    assert update.status == "CHANGED (updated)" and update.golden == lower and not update.refused
    assert update.floor["floor"] == pytest.approx(91.0 - regress.FLOOR_MARGIN)
    higher = hand_made(finals=(92.0, 95.0))
    higher["seeds"][1]["epochs"][1]["arch"] = SKIPS
    update = regress.plan_update(verdict(hand_made(), higher, floor=92.0), lower_floor=False)
    # another draw of the same chaotic searches: the floor environments without goldens are judged by stays
    assert update.floor == {"mean": 93.5, "margin": regress.FLOOR_MARGIN, "floor": 92.0}


def test_a_change_recorded_in_another_environment_never_raises_the_floor():
    elsewhere = hand_made()
    elsewhere["environment"]["torch"] = "2.12.0"
    higher = hand_made(finals=(92.0, 95.0))
    higher["seeds"][1]["epochs"][1]["arch"] = SKIPS
    update = regress.plan_update(verdict(elsewhere, higher, floor=90.0), lower_floor=False)
    # the golden moves to this environment, the floor stays where the other environment passes it
    assert update.status == "CHANGED (updated)" and update.floor == {"mean": 93.5, "margin": regress.FLOOR_MARGIN,
                                                                     "floor": 90.0}


def test_a_drop_below_the_floor_is_recorded_only_when_asked_by_name():
    collapsed = hand_made(finals=(60.0, 62.0))
    refused = regress.plan_update(verdict(hand_made(), collapsed, floor=92.0), lower_floor=False)
    assert refused.refused and refused.golden is None and refused.floor is None
    lowered = regress.plan_update(verdict(hand_made(), collapsed, floor=92.0), lower_floor=True)
    assert lowered.status == "FLOOR LOWERED" and lowered.floor["floor"] == pytest.approx(61.0 - regress.FLOOR_MARGIN)


def test_unchanged_results_rewrite_only_a_golden_from_another_environment():
    assert regress.plan_update(verdict(hand_made(), hand_made()), lower_floor=False).golden is None
    elsewhere = hand_made()
    elsewhere["environment"]["torch"] = "2.12.0"
    update = regress.plan_update(verdict(elsewhere, hand_made()), lower_floor=False)
    assert update.status == "ok" and update.golden == hand_made() and update.floor is None


def test_updates_are_written_and_read_back_keeping_other_floors(tmp_path):
    floors = {"gdas": regress.floor_entry(88.0)}
    update = regress.plan_update(verdict(None, hand_made(), floor=None), lower_floor=False)
    written = regress.apply_updates(tmp_path, [update], floors)
    assert sorted(written) == [regress.floors_path(tmp_path), regress.golden_path(tmp_path, "darts")]
    assert regress.read_goldens(tmp_path, ["darts", "gdas"]) == {"darts": hand_made()}
    assert regress.read_floors(tmp_path) == {"gdas": floors["gdas"], "darts": update.floor}


@pytest.mark.parametrize("content", ["{not json", json.dumps({"format": 1, "method": "darts"}),
                                     json.dumps({**hand_made(), "method": "gdas"})])
def test_damaged_golden_is_a_user_error_naming_the_file(tmp_path, content):
    path = regress.golden_path(tmp_path, "darts")
    path.parent.mkdir()
    path.write_text(content)
    with pytest.raises(BenchmarkFileError, match="darts.json") as error:
        regress.read_goldens(tmp_path, ["darts"])
    assert "harness regress --update" in str(error.value)


def test_damaged_floors_file_is_a_user_error(tmp_path):
    regress.floors_path(tmp_path).write_text(json.dumps({"floors": {"darts": {"mean": 90.0}}}))
    with pytest.raises(BenchmarkFileError, match="floors.json"):
        regress.read_floors(tmp_path)


# -- pinned configuration and running ----------------------------------------------------------


def test_pinned_threads_are_restored_even_after_an_error():
    before = torch.get_num_threads()
    with pytest.raises(KeyboardInterrupt), regress.pinned_threads(1):
        assert torch.get_num_threads() == 1
        raise KeyboardInterrupt
    assert torch.get_num_threads() == before


def test_every_method_has_a_pinned_config_and_overrides_say_why():
    for method in METHODS:
        config = regress.pinned_config(method)
        assert config["method"] == method and config["data"]["subset"] == 128
    for method, (epochs, reason) in regress.FEWER_EPOCHS.items():
        assert method in METHODS and epochs < regress.PINNED_EPOCHS and reason
        assert regress.pinned_config(method)["epochs"] == epochs


def test_select_methods():
    assert regress.select_methods(None) == METHODS
    assert regress.select_methods("gdas, darts,gdas") == ["gdas", "darts"]
    with pytest.raises(ConfigError, match="unknown method 'dartz'"):
        regress.select_methods("darts,dartz")


def test_runs_are_never_reused_from_an_earlier_out_dir(tmp_path):
    config = regress.pinned_config("darts")
    RunDir.for_config(tmp_path, config, config_hash(config), regress.PINNED_SEEDS[-1]).path.mkdir(parents=True)
    with pytest.raises(ConfigError, match="fresh runs only"):
        regress.check_fresh(tmp_path, ["gdas", "darts"])


def test_every_committed_golden_names_a_registered_method():
    assert regress.orphan_goldens(regress.DEFAULT_GOLDENS) == []


# -- command-line errors (no data needed) -------------------------------------------------------


@pytest.mark.parametrize("argv, message", [
    (["--methods", "dartz"], "unknown method 'dartz'"),
    (["--lower-floors", "darts"], "--lower-floors only applies together with --update"),
    (["--update", "--methods", "gdas", "--lower-floors", "darts"], "which --methods does not run"),
    (["--goldens", "{tmp}/nowhere"], "no golden files at"),
    (["--goldens", "{tmp}"], "harness data import nb201"),
])
def test_user_errors_are_one_message(argv, message, tmp_path, capsys, without_packaged_stores):
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in argv]
    code = main(["regress", *argv, "--data-dir", str(tmp_path / "empty"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("harness: error: ") and message in err


# -- on real data: every method against its committed golden -----------------------------------


@pytest.fixture(scope="module")
def data_root(tmp_path_factory, nb201_store):
    """A data directory in the DESIGN.md layout: the session's NB201 store, ../shared/data's CIFAR-10."""
    cifar10 = require_shared("cifar10/cifar-10-batches-py")
    root = tmp_path_factory.mktemp("regress-data")
    (root / "benchmarks").mkdir()
    (root / "benchmarks" / "nb201.h5").symlink_to(nb201_store)
    (root / "cifar10").mkdir()
    (root / "cifar10" / "cifar-10-batches-py").symlink_to(cifar10)
    return root


@pytest.fixture(scope="module")
def pinned_verdicts(data_root, tmp_path_factory) -> dict[str, regress.Verdict]:
    """One pinned run of every registered method (about a minute), judged against the committed goldens."""
    image_set, oracle = regress.load_inputs(data_root)
    records = regress.run_methods(METHODS, image_set, oracle, tmp_path_factory.mktemp("regress-runs"),
                                  show_progress=False, log=lambda message: None)
    goldens = regress.read_goldens(regress.DEFAULT_GOLDENS, METHODS)
    return {v.method: v for v in regress.judge(records, goldens, regress.read_floors(regress.DEFAULT_GOLDENS), oracle)}


def _missing(method: str) -> str:
    return (f"{method} has no golden or floor in {regress.DEFAULT_GOLDENS}: run "
            f"`harness regress --update --methods {method}` and commit the files")


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_method_matches_its_golden(method, pinned_verdicts):
    found = pinned_verdicts[method]
    if found.golden is None:
        pytest.fail(_missing(method))
    if not found.exact:
        # an honest, visible skip: this machine's fingerprint is not the golden's
        pytest.skip(f"exact comparison skipped: {method}'s golden was recorded elsewhere ({found.environment_note}); "
                    f"the floor and the portable checks ran")
    assert not found.changes, "\n".join(
        [f"{method} now finds other architectures or accuracies than its golden:", *found.changes,
         "if intended, check this diff and run `harness regress --update`"])


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_method_passes_the_portable_checks(method, pinned_verdicts):
    assert pinned_verdicts[method].inconsistencies == []


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_method_stays_above_its_floor(method, pinned_verdicts):
    found = pinned_verdicts[method]
    if found.floor is None:
        pytest.fail(_missing(method))
    assert found.mean >= found.floor, (
        f"{method}: mean final CIFAR-10 test accuracy {found.mean:.2f} fell below its floor {found.floor:.2f}; "
        f"a collapse? (`harness regress --update --lower-floors {method}` only if the drop is intended)")


@pytest.mark.slow
def test_command_records_checks_and_reports_a_change(data_root, tmp_path, capsys):
    goldens = tmp_path / "goldens"
    common = ["regress", "--methods", "gdas", "--goldens", str(goldens), "--data-dir", str(data_root), "--no-progress"]
    assert main([*common, "--update"]) == 0
    assert "| NEW" in capsys.readouterr().out
    assert main(common) == 0
    assert "| ok" in capsys.readouterr().out

    path = regress.golden_path(goldens, "gdas")
    golden = json.loads(path.read_text())
    real = golden["seeds"][0]["epochs"][-1]["arch"]
    fake = SKIPS if real != SKIPS else GOOD
    golden["seeds"][0]["epochs"][-1]["arch"] = fake
    path.write_text(json.dumps(golden))
    assert main(common) == 1
    out = capsys.readouterr().out
    epoch = golden["seeds"][0]["epochs"][-1]["epoch"]
    assert f"gdas seed 0 epoch {epoch}: {fake} -> {real}" in out
    assert "comparison: exact" in out and "| CHANGED" in out and "harness regress --update" in out

    golden["environment"]["torch"] = "0.0.1"  # recorded elsewhere: the exact part is skipped, and says so
    path.write_text(json.dumps(golden))
    assert main(common) == 0
    out = capsys.readouterr().out
    assert "EXACT PART SKIPPED for 1 methods" in out and "torch 0.0.1 ->" in out
    assert "| ok (portable checks only)" in out and f"{fake} -> {real}" not in out
