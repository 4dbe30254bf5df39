"""configspace.py against the configuration space the official ConfigLoader builds, and the check script."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from spaces.darts.nb301 import check_configspace
from spaces.darts.nb301.configspace import (
    CONDITIONS,
    HYPERPARAMETERS,
    Categorical,
    Constant,
    NormalFloat,
    UniformFloat,
    UniformInteger,
)

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "nb301_2020" / "reference.json").read_text())

# ConfigSpace 0.4.12 class -> (our class, the fields that define its vector value)
OFFICIAL_CLASSES = {
    "CategoricalHyperparameter": (Categorical, ("choices",)),
    "Constant": (Constant, ("value",)),
    "UniformIntegerHyperparameter": (UniformInteger, ("lower", "upper", "log")),
    "UniformFloatHyperparameter": (UniformFloat, ("lower", "upper", "log")),
    "NormalFloatHyperparameter": (NormalFloat, ("mu", "sigma", "log")),
}


def test_every_hyperparameter_matches_the_official_config_loader():
    official = {hp["name"]: hp for hp in REFERENCE["hyperparameters"]}
    assert set(official) == set(HYPERPARAMETERS)
    for name, hp in official.items():
        cls, fields = OFFICIAL_CLASSES[hp["type"]]
        ours = HYPERPARAMETERS[name]
        assert isinstance(ours, cls), name
        assert hp.get("q") is None, name
        for field in fields:
            expected = tuple(hp[field]) if field == "choices" else hp[field]
            assert getattr(ours, field) == expected, (name, field)


def test_conditions_match_the_official_config_loader():
    official = {c["child"]: (c["parent"], sorted(c["values"])) for c in REFERENCE["conditions"]}
    assert {child: (parent, sorted(values)) for child, (parent, values) in CONDITIONS.items()} == official


def configspace_json(hyperparameters, conditions):
    """A configspace.json in ConfigSpace's JSON format (the one nasbench301/configspace.json is written in)."""
    kinds = {Categorical: "categorical", Constant: "constant", UniformInteger: "uniform_int",
             UniformFloat: "uniform_float", NormalFloat: "normal_float"}
    entries = []
    for hp in hyperparameters.values():
        entry = {"name": hp.name, "type": kinds[type(hp)]}
        entry.update({f.name: getattr(hp, f.name) for f in dataclasses.fields(hp) if f.name != "name"})
        if "choices" in entry:
            entry["choices"] = list(entry["choices"])
        entries.append(entry)
    return {
        "hyperparameters": entries,
        "conditions": [{"child": c, "parent": p, "type": "IN", "values": list(v)} for c, (p, v) in conditions.items()],
        "forbiddens": [],
        "python_module_version": "0.4.11",
        "json_format_version": 0.1,
    }


def test_check_script_accepts_an_agreeing_file(tmp_path, capsys):
    path = tmp_path / "configspace.json"
    path.write_text(json.dumps(configspace_json(HYPERPARAMETERS, CONDITIONS)))
    assert check_configspace.main([str(path)]) == 0
    assert "agrees" in capsys.readouterr().out


@pytest.mark.parametrize(
    "change, reported",
    [
        ("choices", "NetworkSelectorDatasetInfo:darts:edge_normal_3"),
        ("condition", "condition on NetworkSelectorDatasetInfo:darts:edge_reduce_9"),
        ("bounds", "SimpleTrainNode:mixup:alpha"),
        ("missing", "ImageAugmentation:cutout: in configspace.py, not in the json"),
    ],
)
def test_check_script_reports_each_kind_of_difference(tmp_path, capsys, change, reported):
    hyperparameters, conditions = dict(HYPERPARAMETERS), dict(CONDITIONS)
    if change == "choices":
        name = "NetworkSelectorDatasetInfo:darts:edge_normal_3"
        hyperparameters[name] = Categorical(name, hyperparameters[name].choices + ("noise",))
    elif change == "condition":
        child = "NetworkSelectorDatasetInfo:darts:edge_reduce_9"
        conditions[child] = (conditions[child][0], conditions[child][1][:-1])
    elif change == "bounds":
        hyperparameters["SimpleTrainNode:mixup:alpha"] = UniformFloat("SimpleTrainNode:mixup:alpha", 0.01, 0.7)
    else:
        del hyperparameters["ImageAugmentation:cutout"]
    path = tmp_path / "configspace.json"
    path.write_text(json.dumps(configspace_json(hyperparameters, conditions)))
    assert check_configspace.main([str(path)]) == 1
    assert reported in capsys.readouterr().out


def test_check_script_only_requires_overridden_hyperparameters_to_exist(tmp_path):
    # configspace.json has layers as the constant 20; ConfigLoader replaces it, so that is no difference.
    hyperparameters = dict(HYPERPARAMETERS)
    name = "NetworkSelectorDatasetInfo:darts:layers"
    hyperparameters[name] = Constant(name, 20)
    assert check_configspace.differences(configspace_json(hyperparameters, CONDITIONS)) == []
