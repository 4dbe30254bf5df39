"""Sweep files (YAML and TOML) mean what the same command line means."""

from __future__ import annotations

import argparse

import pytest

from harness.commands.sweep import add_parser, settings_from_flags
from harness.sweep.plan import expand_plan
from harness.sweep.sweep_file import read_sweep_file
from spaces.errors import ConfigError

COMMAND_LINE = ["sweep", "--methods", "darts,amended", "--spaces", "nb201", "--datasets", "cifar10,cifar100",
                "--seeds", "2", "--seed-offset", "3", "--epochs", "2,4", "--grid", "amended:amended.eta=0,1e-3,0.1",
                "--grid", "arch.betas=[0.5,0.999],[0,0.999]", "--preset", "quick", "--set", "supernet.channels=4",
                "--set", "data.subset=64", "--out", "sweep-out", "--workers", "2"]

YAML = """
methods: [darts, amended]
spaces: nb201
datasets: [cifar10, cifar100]
seeds: 2
seed_offset: 3
epochs: [2, 4]
grid:
  "amended:amended.eta": [0, "1e-3", 0.1]   # a bare 1e-3 is a string to PyYAML; strings parse like --set
  arch.betas: [[0.5, 0.999], [0, 0.999]]
preset: quick
set:
  supernet.channels: 4
  data.subset: 64
out: sweep-out
workers: 2
"""

TOML = """
methods = "darts,amended"
spaces = ["nb201"]
datasets = ["cifar10", "cifar100"]
seeds = 2
seed_offset = 3
epochs = [2, 4]
preset = "quick"
set = ["supernet.channels=4", "data.subset=64"]
out = "sweep-out"
workers = 2

[grid]
"amended:amended.eta" = [0, 1e-3, 0.1]
arch.betas = [[0.5, 0.999], [0, 0.999]]   # a bare dotted key is a nested table in TOML; read as arch.betas
"""


def parse(argv):
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    return parser.parse_args(argv)


def plan_of(settings):
    return [(run.run_dir, run.config, run.grid_values) for run in expand_plan(settings.spec())]


@pytest.mark.parametrize("suffix, text", [(".yaml", YAML), (".toml", TOML)])
def test_sweep_file_equals_the_command_line(tmp_path, suffix, text):
    path = tmp_path / f"sweep{suffix}"
    path.write_text(text)
    from_file = read_sweep_file(path)
    from_flags = settings_from_flags(parse(COMMAND_LINE))
    assert from_file == from_flags
    assert len(plan_of(from_file)) == 2 * 2 * 2 * 2 * (1 + 3)  # datasets x seeds x epochs x betas x (darts + 3 eta)
    assert plan_of(from_file) == plan_of(from_flags)


def test_command_line_flags_replace_the_file_keys(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text(YAML)
    merged = read_sweep_file(path).overridden_by(settings_from_flags(parse(["sweep", "--seeds", "1", "--out", "x"])))
    assert (merged.seeds, merged.out, merged.methods) == (1, "x", ("darts", "amended"))


@pytest.mark.parametrize("name, text, message", [
    ("s.yaml", "methods: [darts\n", "not valid YAML: .* at line 2, column 1$"),
    ("s.yaml", "\udcff\udcfe", "not UTF-8 text"),
    ("s.toml", "methods = [darts", "not valid TOML"),
    ("s.json", "{}", "unknown format .json"),
    ("s.yaml", "- darts\n", "the top level must be a mapping"),
    ("s.yaml", "methods: darts\nworker: 2\n", "unknown key worker; the keys are methods, "),
    ("s.yaml", "seeds: two\n", "seeds must be an integer of at least 1"),
    ("s.yaml", "epochs: [50, fifty]\n", "epochs takes positive epoch counts"),
    ("s.yaml", "methods: [darts, 3]\n", "methods takes names"),
    ("s.yaml", "grid: {amended.eta: 0.1}\n", "grid amended.eta: the values must be a non-empty list"),
    ("s.yaml", "grid: [amended.eta]\n", "must map KEY"),
    ("s.yaml", "set: 3\n", "set must map KEY to a value"),
    ("s.yaml", "set: [arch.lr]\n", "--set takes key=value"),
    ("s.toml", "out = 3\n", "out must be a string"),
])
def test_malformed_sweep_file_is_a_clear_error(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(ConfigError, match=message):
        read_sweep_file(path)


def test_missing_sweep_file_and_missing_keys_are_clear_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        read_sweep_file(tmp_path / "nope.yaml")
    (tmp_path / "s.toml").write_text('spaces = ["nb201"]\n')
    with pytest.raises(ConfigError, match="needs --methods"):
        read_sweep_file(tmp_path / "s.toml").spec()
