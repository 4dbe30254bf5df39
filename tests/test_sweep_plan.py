"""Expanding a sweep into runs: counts, run directories shared with `harness run`, grid parsing and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config import config_hash, resolve_config
from harness.records import RunDir
from harness.sweep.grid import GridAxis, parse_grid
from harness.sweep.plan import SweepSpec, expand_plan
from methods.registry import list_methods
from spaces.errors import ConfigError

TINY = ("supernet.channels=4", "data.subset=64", "data.batch_size=32")


def spec(**overrides) -> SweepSpec:
    fields = {"methods": ("darts", "amended"), "spaces": ("nb201",), "out": Path("runs"), "preset": "quick",
              "assignments": TINY}
    fields.update(overrides)
    return SweepSpec(**fields)


def test_every_combination_is_one_run():
    plan = expand_plan(spec(datasets=("cifar10", "cifar100"), seeds=3, epochs=(2, 4),
                            grid=(parse_grid("amended.eta=0,0.1"), parse_grid("arch.lr=0.001,0.0003,0.01"))))
    assert len(plan) == 2 * 2 * 3 * 2 * 2 * 3  # methods x datasets x seeds x epochs x eta x lr
    assert len({run.run_dir.path for run in plan}) == len(plan)
    assert {run.seed for run in plan} == {0, 1, 2}
    assert {run.config["epochs"] for run in plan} == {2, 4}
    assert {run.config["dataset"] for run in plan} == {"cifar10", "cifar100"}


def test_each_grid_value_has_its_own_config_hash_and_value():
    plan = expand_plan(spec(methods=("amended",), grid=(parse_grid("amended.eta=0,0.001,0.1"),)))
    assert [run.config["amended"]["eta"] for run in plan] == [0, 0.001, 0.1]
    assert [run.grid_values for run in plan] == [{"amended.eta": 0}, {"amended.eta": 0.001}, {"amended.eta": 0.1}]
    assert len({run.config_hash for run in plan}) == 3


def test_a_sweep_run_is_the_run_directory_of_harness_run():
    run = expand_plan(spec(methods=("amended",), seeds=2, seed_offset=5, epochs=(3,),
                           grid=(parse_grid("amended.eta=0.5"),)))[1]
    config = resolve_config("amended", "nb201", "quick", None, 3, [*TINY, "amended.eta=0.5"])
    assert run.config == config and run.seed == 6
    assert run.run_dir == RunDir.for_config(Path("runs"), config, config_hash(config), 6)


def test_scoped_grid_multiplies_only_its_method():
    plan = expand_plan(spec(grid=(parse_grid("amended:amended.eta=0,0.1,1"),)))
    by_method = {name: [run for run in plan if run.config["method"] == name] for name in ("darts", "amended")}
    assert len(by_method["darts"]) == 1 and by_method["darts"][0].grid_values == {}
    assert [run.config["amended"]["eta"] for run in by_method["amended"]] == [0, 0.1, 1]
    # Unscoped, the key exists for every method (every component section is in every config).
    assert len(expand_plan(spec(grid=(parse_grid("amended.eta=0,0.1,1"),)))) == 6


def test_methods_all_is_every_registered_method():
    plan = expand_plan(spec(methods=("all",)))
    assert sorted(run.config["method"] for run in plan) == sorted(m.name for m in list_methods())


@pytest.mark.parametrize("text, axis", [
    ("amended.eta=0,0.001,1e-1", GridAxis("amended.eta", (0, 0.001, 0.1))),
    ("amended:amended.eta=1", GridAxis("amended.eta", (1,), "amended")),
    ("arch.betas=[0.5,0.999],[0,0.999]", GridAxis("arch.betas", ([0.5, 0.999], [0, 0.999]))),
    ("arch.optimizer=adam,sgd", GridAxis("arch.optimizer", ("adam", "sgd"))),
    ('simplex.exclude_ops=[],["none","skip_connect"]', GridAxis("simplex.exclude_ops", ([], ["none", "skip_connect"]))),
])
def test_grid_values_parse_like_set(text, axis):
    assert parse_grid(text) == axis


@pytest.mark.parametrize("text, message", [
    ("amended.eta", "--grid takes"),
    ("=0,1", "--grid takes"),
    ("amended.eta=0,,1", "empty value"),
    ("amended.eta=0,0", "listed twice"),
    ("amended..eta=1", "not a config key"),
    (":amended.eta=1", "empty method name"),
    ("epochs=50,100", "use --epochs"),
    ("method=darts,gdas", "use --methods"),
])
def test_malformed_grid_is_a_clear_error(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_grid(text)


@pytest.mark.parametrize("overrides, message", [
    ({"grid": (parse_grid("amended.etaa=0,1"),)}, r"method darts has no setting amended\.etaa \(amended has: eta, "),
    ({"grid": (parse_grid("amended.eta.x=0,1"),)}, r"amended\.eta is a value, not a section"),
    ({"grid": (parse_grid("gdas:gumbel.tau_end=0.1"),)}, "gdas is not a method of this sweep"),
    ({"grid": (parse_grid("amended.eta=0"), parse_grid("amended:amended.eta=1"))}, "sweep amended.eta twice"),
    ({"grid": (parse_grid("amended.eta=0"),), "assignments": (*TINY, "amended.eta=1")}, "both set amended.eta"),
    ({"methods": ("darts", "nosuch")}, "unknown method 'nosuch'; available: .*darts"),
    ({"methods": ("all", "darts")}, "stands alone"),
    ({"methods": ("darts", "darts")}, "lists darts more than once"),
    ({"spaces": ("nosuch",)}, "nosuch"),
    ({"datasets": ("mnist",)}, "unknown dataset 'mnist'"),
    ({"epochs": (0,)}, "epochs must be a positive integer"),
    ({"seeds": 0}, "seeds must be a positive integer"),
])
def test_impossible_sweep_is_a_clear_error(overrides, message):
    with pytest.raises(ConfigError, match=message):
        expand_plan(spec(**overrides))


def test_command_line_errors_are_one_message_and_exit_2(tmp_path, capsys):
    from harness.cli import main

    common = ["--spaces", "nb201", "--out", str(tmp_path / "runs"), "--data-dir", str(tmp_path / "data")]
    assert main(["sweep", "--methods", "nosuch", *common, "--dry-run"]) == 2
    assert "harness: error: unknown method 'nosuch'; available: " in capsys.readouterr().err
    assert main(["sweep", "--methods", "darts", *common, "--grid", "amended.eta"]) == 2
    assert "harness: error: --grid takes [METHOD:]KEY=V1,V2" in capsys.readouterr().err
    assert main(["sweep", "--methods", "darts", *common, "--epochs", "5,x"]) == 2
    assert "--epochs takes positive epoch counts" in capsys.readouterr().err
    assert main(["sweep", "--methods", "darts", *common, "--preset", "quick"]) == 2
    error = capsys.readouterr().err
    assert "harness: error: dataset cifar10: " in error and "harness data download cifar10" in error
    assert "Traceback" not in error and not (tmp_path / "runs").exists()
