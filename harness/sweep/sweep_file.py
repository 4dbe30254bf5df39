"""Reading a sweep file (YAML or TOML) into SweepSettings.

The keys are those of the command line (see README, `harness sweep`):

    methods: [darts, amended]          # or "darts,amended", or all
    spaces: [nb201]
    datasets: [cifar10]                # optional
    seeds: 4                           # seeds seed_offset .. seed_offset + 3
    seed_offset: 0                     # optional
    epochs: [50, 100, 200, 400]        # optional, one count or a list
    grid:                              # optional; KEY or METHOD:KEY -> list of values
      "amended:amended.eta": [0, 0.001, 0.01, 0.1, 1]
    preset: quick                      # optional
    set: {data.subset: 1024}           # optional; or a list of "KEY=VALUE" strings
    out: runs                          # optional; relative to the current directory, like --out
    workers: 2                         # optional
    evaluate: cpu                      # optional; an evaluation preset: each complete search's final
                                       # architecture is trained from scratch after the searches
    evaluate_out: evaluations          # optional; root of those evaluation records

A string value in `grid` or `set` is read like a command-line value (JSON if it parses,
else the string), so `"1e-3"` is the number 0.001 in both file formats and on the
command line. (PyYAML reads a bare 1e-3 as a string: YAML 1.1 wants 1.0e-3.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.config import flatten, parse_assignment
from harness.sweep.grid import axis_from_values
from harness.sweep.settings import SweepSettings, epoch_counts, integer_at_least, names
from spaces.errors import ConfigError

KEYS = ("methods", "spaces", "datasets", "seeds", "seed_offset", "epochs", "grid", "preset", "set", "out", "workers",
        "evaluate", "evaluate_out")


def read_sweep_file(path: Path) -> SweepSettings:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"sweep file {path} does not exist")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        content = _load_yaml(path)
    elif suffix == ".toml":
        content = _load_toml(path)
    else:
        raise ConfigError(f"sweep file {path}: unknown format {suffix or '(no suffix)'}; name it .yaml, .yml or .toml")
    if not isinstance(content, dict):
        raise ConfigError(f"sweep file {path}: the top level must be a mapping of keys ({', '.join(KEYS)})")
    unknown = sorted(set(content) - set(KEYS))
    if unknown:
        raise ConfigError(f"sweep file {path}: unknown key {', '.join(map(str, unknown))}; "
                          f"the keys are {', '.join(KEYS)}")
    return _settings(content, path)


def _settings(content: dict[str, Any], path: Path) -> SweepSettings:
    def source(key: str) -> str:
        return f"sweep file {path}, {key}"

    given: dict[str, Any] = {}
    for key in ("methods", "spaces", "datasets"):
        if key in content:
            given[key] = names(content[key], source(key))
    if "seeds" in content:
        given["seeds"] = integer_at_least(content["seeds"], 1, source("seeds"))
    if "seed_offset" in content:
        given["seed_offset"] = integer_at_least(content["seed_offset"], 0, source("seed_offset"))
    if "epochs" in content:
        given["epochs"] = epoch_counts(content["epochs"], source("epochs"))
    if "grid" in content:
        grid = content["grid"]
        if not isinstance(grid, dict):
            raise ConfigError(f"{source('grid')}: must map KEY (or METHOD:KEY) to a list of values")
        given["grid"] = tuple(axis_from_values(label, _as_listed(values), f"{source('grid')} {label}")
                              for label, values in flatten(grid).items())
    if "set" in content:
        given["assignments"] = _assignments(content["set"], source("set"))
    for key in ("preset", "out", "evaluate", "evaluate_out"):
        if key in content:
            if not isinstance(content[key], str) or not content[key]:
                raise ConfigError(f"{source(key)} must be a string, got {content[key]!r}")
            given[key] = content[key]
    if "workers" in content:
        given["workers"] = integer_at_least(content["workers"], 1, source("workers"))
    return SweepSettings(**given)




def _as_listed(values: Any) -> Any:
    """Strings in a value list are read as on the command line; anything else stays as written."""
    if not isinstance(values, list):
        return values  # axis_from_values says a list is needed
    return [_as_command_line(value) for value in values]


def _assignments(value: Any, source: str) -> tuple[str, ...]:
    if isinstance(value, dict):
        return tuple(f"{key}={json.dumps(_as_command_line(item))}" for key, item in flatten(value).items())
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        for item in value:
            parse_assignment(item)  # ConfigError on a malformed KEY=VALUE
        return tuple(value)
    raise ConfigError(f"{source} must map KEY to a value, or list KEY=VALUE strings; got {value!r}")


def _as_command_line(value: Any) -> Any:
    return parse_assignment(f"value={value}")[1] if isinstance(value, str) else value


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"sweep file {path} is not UTF-8 text") from None


def _load_yaml(path: Path) -> Any:
    try:
        import yaml
    except ImportError:
        raise ConfigError(f"sweep file {path}: reading YAML needs PyYAML (pip install pyyaml); "
                          f"or write the sweep file in TOML") from None
    try:
        return yaml.safe_load(_text(path))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"sweep file {path} is not valid YAML: {problem}{where}") from None


def _load_toml(path: Path) -> Any:
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        try:
            import tomli as tomllib
        except ImportError:
            raise ConfigError(f"sweep file {path}: reading TOML needs Python 3.11 or the tomli package "
                              f"(pip install tomli)") from None
    try:
        return tomllib.loads(_text(path))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"sweep file {path} is not valid TOML: {error}") from None
