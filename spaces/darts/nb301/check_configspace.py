"""Check configspace.py against an official nasbench301/configspace.json.

    python -m spaces.darts.nb301.check_configspace PATH/configspace.json

The file ships inside the nasbench301 package, not in nb_models_1.0 (nasbench301/surrogate_models/
surrogate_model.py reads it from the package directory): `pip download --no-deps nasbench301==0.3`
and unzip the wheel. Prints the differences (names, types, choices, bounds, conditions) and exits 1
if there are any; hyperparameters that ConfigLoader.load_config_space replaces are only required to
exist. The hyperparameter order needs no check: it follows from the names and conditions.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from spaces.darts.nb301.configspace import (
    CONDITIONS,
    HYPERPARAMETERS,
    LOADER_OVERRIDES,
    Categorical,
    Constant,
    Hyperparameter,
    NormalFloat,
    UniformFloat,
    UniformInteger,
)


def hyperparameter_from_json(entry: dict[str, Any]) -> Hyperparameter:
    """One entry of configspace.json's "hyperparameters" (ConfigSpace's JSON writer format, version 0.1)."""
    kind, name = entry["type"], entry["name"]
    if entry.get("q") is not None:
        raise ValueError(f"{name}: quantized hyperparameters are not modelled in configspace.py")
    if kind == "categorical":
        return Categorical(name, tuple(entry["choices"]))
    if kind == "constant":
        return Constant(name, entry["value"])
    if kind == "uniform_int":
        return UniformInteger(name, entry["lower"], entry["upper"], log=bool(entry.get("log", False)))
    if kind == "uniform_float":
        return UniformFloat(name, entry["lower"], entry["upper"], log=bool(entry.get("log", False)))
    if kind == "normal_float":
        return NormalFloat(name, entry["mu"], entry["sigma"], log=bool(entry.get("log", False)))
    raise ValueError(f"{name}: hyperparameter type {kind!r} is not modelled in configspace.py")


def differences(space: dict[str, Any]) -> list[str]:
    """How the parsed configspace.json `space` differs from configspace.py; empty when they agree."""
    found: list[str] = []
    official = {}
    for entry in space.get("hyperparameters", []):
        try:
            official[entry["name"]] = hyperparameter_from_json(entry)
        except (KeyError, ValueError) as error:
            found.append(f"cannot read {entry!r}: {error}")
    for name in sorted(set(HYPERPARAMETERS) - set(official)):
        found.append(f"{name}: in configspace.py, not in the json")
    for name in sorted(set(official) - set(HYPERPARAMETERS)):
        found.append(f"{name}: in the json, not in configspace.py")
    for name in sorted(set(official) & set(HYPERPARAMETERS)):
        if name not in LOADER_OVERRIDES and official[name] != HYPERPARAMETERS[name]:
            found.append(f"{name}: json {official[name]} != configspace.py {HYPERPARAMETERS[name]}")
    official_conditions = {}
    for condition in space.get("conditions", []):
        if condition.get("type") != "IN":
            found.append(f"condition of type {condition.get('type')!r} is not modelled: {condition!r}")
            continue
        official_conditions[condition["child"]] = (condition["parent"], tuple(sorted(condition["values"])))
    ours = {child: (parent, tuple(sorted(values))) for child, (parent, values) in CONDITIONS.items()}
    for child in sorted(set(ours) | set(official_conditions)):
        if ours.get(child) != official_conditions.get(child):
            found.append(f"condition on {child}: json {official_conditions.get(child)} != configspace.py {ours.get(child)}")
    if space.get("forbiddens"):
        found.append(f"the json has forbidden clauses, not modelled: {space['forbiddens']!r}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check configspace.py against an official nasbench301/configspace.json")
    parser.add_argument("configspace_json", type=Path)
    args = parser.parse_args(argv)
    with open(args.configspace_json, encoding="utf-8") as handle:
        found = differences(json.load(handle))
    for line in found:
        print(line)
    print(f"{len(found)} differences" if found else "configspace.py agrees with " + str(args.configspace_json))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
