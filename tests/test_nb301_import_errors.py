"""Incomplete or damaged NB301 model directories and records end in one clear error."""

from __future__ import annotations

import json
import pickle
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from harness.atomic import write_json
from spaces.darts.nb301.importer import import_nb301, record_path
from spaces.darts.nb301.oracle import NB301Oracle, RuntimeSurrogateMissing
from spaces.errors import BenchmarkFileError, ConfigError, MalformedArchitecture, UserError



def needs_boosters():
    pytest.importorskip("xgboost", reason="loading NB301 members needs the nb301 extra (xgboost)")
    pytest.importorskip("lightgbm", reason="loading NB301 members needs the nb301 extra (lightgbm)")


@pytest.fixture
def models(tmp_path):
    """A fresh model directory this test may damage: trained here, so any installed xgboost reads it."""
    needs_boosters()
    from tests.fixtures.nb301_ensembles import write_model_dir

    return write_model_dir(tmp_path, np.random.default_rng(5))


def layout_only(tmp_path) -> Path:
    """nb_models_1.0 with member files and configs that fail before any booster is read."""
    models = tmp_path / "nb_models_1.0"
    member = models / "xgb_v1.0" / "m0"
    member.mkdir(parents=True)
    (member / "surrogate_model.model").write_bytes(b"not read in these tests")
    (member / "model_config.json").write_text(json.dumps({"model": "xgb"}))
    (member / "data_config.json").write_text(json.dumps({"seed": 6}))
    return models


def test_missing_directory(tmp_path):
    with pytest.raises(BenchmarkFileError, match="is not a directory.*nb_models_1.0"):
        import_nb301(tmp_path / "nowhere")


def test_directory_without_the_xgboost_ensemble(tmp_path):
    (tmp_path / "lgb_runtime_v1.0").mkdir()
    with pytest.raises(BenchmarkFileError, match="has no xgb_v1.0/"):
        import_nb301(tmp_path)


def test_one_surrogate_directory_points_to_its_parent(tmp_path):
    models = layout_only(tmp_path)
    with pytest.raises(BenchmarkFileError, match=f"import its parent.*--from {models}"):
        import_nb301(models / "xgb_v1.0")


def test_ensemble_without_members(tmp_path):
    (tmp_path / "xgb_v1.0" / "m0").mkdir(parents=True)
    with pytest.raises(BenchmarkFileError, match="no ensemble members"):
        import_nb301(tmp_path)


@pytest.mark.parametrize("config", ["model_config.json", "data_config.json"])
def test_missing_or_corrupt_member_config(tmp_path, config):
    models = layout_only(tmp_path)
    path = models / "xgb_v1.0" / "m0" / config
    path.unlink()
    with pytest.raises(BenchmarkFileError, match=f"{config} does not exist"):
        import_nb301(models)
    path.write_text("{not json")
    with pytest.raises(BenchmarkFileError, match=f"{config} is not readable JSON"):
        import_nb301(models)


def test_model_config_naming_another_model(tmp_path):
    models = layout_only(tmp_path)
    (models / "xgb_v1.0" / "m0" / "model_config.json").write_text(json.dumps({"model": "gnn_gin"}))
    with pytest.raises(BenchmarkFileError, match="names model 'gnn_gin'; xgb_v1.0 must hold the 'xgb' ensemble"):
        import_nb301(models)


def test_missing_extra_says_how_to_install(tmp_path, monkeypatch):
    models = layout_only(tmp_path)
    monkeypatch.setitem(sys.modules, "xgboost", None)  # import xgboost now raises ImportError
    with pytest.raises(UserError, match=r"XGBoost ensemble: pip install 'dnas-harness\[nb301\]'"):
        import_nb301(models)


def test_truncated_member(models):
    member = sorted((models / "xgb_v1.0").rglob("surrogate_model.model"))[1]
    member.write_bytes(member.read_bytes()[:200])
    with pytest.raises(BenchmarkFileError, match=f"{member}: cannot load"):
        import_nb301(models)


def test_member_that_is_not_a_booster(models):
    member = sorted((models / "lgb_runtime_v1.0").rglob("surrogate_model.model"))[0]
    member.write_bytes(pickle.dumps({"a": "dict"}))
    with pytest.raises(BenchmarkFileError, match="expected a pickled lightgbm.Booster, found dict"):
        import_nb301(models)


def test_gin_ensemble_is_listed_as_not_imported(models):
    shutil.copytree(models / "xgb_v1.0", models / "gnn_gin_v1.0")
    record = import_nb301(models)
    assert [entry["directory"] for entry in record["not_imported"]] == ["gnn_gin_v1.0"]
    assert "XGBoost" in record["not_imported"][0]["reason"]


def imported(models, tmp_path) -> Path:
    record_file = record_path(tmp_path / "data")
    write_json(record_file, import_nb301(models))
    return record_file


def test_missing_record_says_how_to_import(tmp_path):
    with pytest.raises(BenchmarkFileError, match="harness data import nb301 --from"):
        NB301Oracle.load(tmp_path / "benchmarks" / "nb301.json")


def test_record_of_another_format(tmp_path):
    path = tmp_path / "nb301.json"
    path.write_text(json.dumps({"format": "dnas-harness/nb201-oracle", "format_version": 1}))
    with pytest.raises(BenchmarkFileError, match="not a dnas-harness/nb301-record"):
        NB301Oracle.load(path)


def test_incomplete_record(models, tmp_path):
    record_file = imported(models, tmp_path)
    record = json.loads(record_file.read_text())
    del record["ensembles"]["accuracy"]
    record_file.write_text(json.dumps(record))
    with pytest.raises(BenchmarkFileError, match="is incomplete"):
        NB301Oracle.load(record_file)


def test_member_changed_after_import(models, tmp_path):
    record_file = imported(models, tmp_path)
    member = sorted((models / "xgb_v1.0").rglob("surrogate_model.model"))[2]
    other = sorted((models / "xgb_v1.0").rglob("surrogate_model.model"))[0]
    member.write_bytes(other.read_bytes())  # a valid booster, but not the imported one
    with pytest.raises(BenchmarkFileError, match=f"{member} changed since it was imported"):
        NB301Oracle.load(record_file)


def test_member_removed_after_import(models, tmp_path):
    record_file = imported(models, tmp_path)
    member = sorted((models / "lgb_runtime_v1.0").rglob("surrogate_model.model"))[0]
    member.unlink()
    with pytest.raises(BenchmarkFileError, match=f"{member} .*is missing"):
        NB301Oracle.load(record_file)


def test_member_predicting_other_values_than_at_import(models, tmp_path):
    record_file = imported(models, tmp_path)
    record = json.loads(record_file.read_text())
    record["ensembles"]["accuracy"]["members"][0]["probe_prediction"] += 0.01
    record_file.write_text(json.dumps(record))
    with pytest.raises(BenchmarkFileError, match="for the probe DARTS_V2 where the import recorded"):
        NB301Oracle.load(record_file)


def test_runtime_without_the_lightgbm_ensemble(tmp_path):
    needs_boosters()
    from tests.fixtures.nb301_ensembles import write_model_dir

    models = write_model_dir(tmp_path, np.random.default_rng(9), runtime=False)
    oracle = NB301Oracle.load(imported(models, tmp_path))
    assert not oracle.has_runtime and oracle.describe()["runtime_surrogate"] is None
    genotype = oracle.record["probe"]["genotype"]
    assert np.isfinite(oracle.predict(genotype))
    with pytest.raises(RuntimeSurrogateMissing, match="no lgb_runtime_v1.0/") as caught:
        oracle.runtime(genotype)
    assert isinstance(caught.value, ConfigError)


def test_genotypes_nb301_cannot_score_are_user_errors(models, tmp_path):
    oracle = NB301Oracle.load(imported(models, tmp_path))
    genotype = json.loads(json.dumps(oracle.record["probe"]["genotype"]))
    genotype["normal"][3] = ["noise", 1]
    with pytest.raises(MalformedArchitecture, match="'noise' is not in NAS-Bench-301's search space"):
        oracle.predict(genotype)
