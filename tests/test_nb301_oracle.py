"""NB301Oracle: ensembles in the official layout, predictions against the members computed independently.

Two sources of ensembles: ones these tests train and pickle the official way (tests/fixtures/nb301_ensembles.py),
and the committed 2020-format fixture (xgboost 1.2.1 / lightgbm 2.3.1 pickles) with the answers of the
official nasbench301 0.3 API on it (tests/fixtures/nb301_2020, made by make_fixture.py).
"""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

xgb = pytest.importorskip("xgboost", reason="NAS-Bench-301 surrogate tests need the nb301 extra (xgboost)")
lgb = pytest.importorskip("lightgbm", reason="NAS-Bench-301 surrogate tests need the nb301 extra (lightgbm)")

from harness.atomic import write_json  # noqa: E402
from spaces.darts.nb301.importer import import_nb301, record_path  # noqa: E402
from spaces.darts.nb301.layout import member_files  # noqa: E402
from spaces.darts.nb301.oracle import NB301Oracle  # noqa: E402
from spaces.errors import UserError  # noqa: E402
from tests.fixtures.nb301_ensembles import write_model_dir  # noqa: E402

FIXTURE = Path(__file__).parent / "fixtures" / "nb301_2020"
REFERENCE = json.loads((FIXTURE / "reference.json").read_text())
PROBES = REFERENCE["probes"]
FEATURES = np.array([p["vector"] for p in PROBES])  # made by the official ConfigLoader, not by our encoder
GENOTYPES = [p["genotype"] for p in PROBES]


def unpickled(directory: Path):
    boosters = []
    for path in sorted(directory.rglob("surrogate_model.model")):
        with open(path, "rb") as handle:
            boosters.append(pickle.load(handle))
    return boosters


def xgb_version_reads_2020_pickles() -> bool:
    major, minor = (int(x) for x in re.match(r"(\d+)\.(\d+)", xgb.__version__).groups())
    return (major, minor) < (3, 1)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(model dir, oracle) for ensembles trained here with the installed libraries."""
    root = tmp_path_factory.mktemp("nb301")
    models = write_model_dir(root, np.random.default_rng(301))
    record_file = record_path(root / "data")
    write_json(record_file, import_nb301(models))
    return models, NB301Oracle.load(record_file)


def test_accuracy_is_the_mean_of_the_xgboost_members(trained):
    models, oracle = trained
    boosters = unpickled(models / "xgb_v1.0")
    assert len(boosters) == 3
    # All trees, as Booster.predict does by default after early stopping (XGBModel.query).
    members = np.array([b.predict(xgb.DMatrix(FEATURES), iteration_range=(0, b.num_boosted_rounds())) for b in boosters])
    best_only = np.array([b.predict(xgb.DMatrix(FEATURES), iteration_range=(0, b.best_iteration + 1)) for b in boosters])
    assert not np.allclose(members, best_only)  # the trees after the best round change the answer
    expected = members.astype(np.float64).mean(axis=0)
    np.testing.assert_allclose(oracle.predict_many(GENOTYPES), expected, rtol=1e-12)
    assert oracle.predict(GENOTYPES[1]) == pytest.approx(expected[1], rel=1e-12)
    np.testing.assert_allclose(oracle.member_predictions(GENOTYPES), members, rtol=1e-12)
    assert not np.allclose(members[0], members[1])  # the mean is not just one member


def test_runtime_is_the_mean_of_the_lightgbm_members_at_their_best_iteration(trained):
    models, oracle = trained
    boosters = unpickled(models / "lgb_runtime_v1.0")
    at_best = np.array([b.predict(FEATURES, num_iteration=b.best_iteration) for b in boosters])
    all_trees = np.array([b.predict(FEATURES, num_iteration=b.num_trees()) for b in boosters])
    assert not np.allclose(at_best, all_trees)
    for genotype, expected in zip(GENOTYPES, at_best.mean(axis=0), strict=True):
        assert oracle.runtime(genotype) == pytest.approx(expected, rel=1e-12)


def test_noise_is_the_official_sample_drawn_from_the_given_generator(trained):
    _, oracle = trained
    members = oracle.member_predictions(GENOTYPES)
    mean, std = members.mean(axis=0), members.std(axis=0)  # np.std, ddof 0, as Ensemble.query
    assert np.all(std > 0)
    noisy = oracle.predict_many(GENOTYPES, noise=np.random.default_rng(7))
    np.testing.assert_allclose(noisy, mean + np.random.default_rng(7).normal(0.0, std), rtol=1e-12)
    assert oracle.predict(GENOTYPES[0], noise=np.random.default_rng(7)) == pytest.approx(
        mean[0] + np.random.default_rng(7).normal(0.0, std[0]), rel=1e-12
    )
    assert oracle.predict(GENOTYPES[0], noise=np.random.default_rng(8)) != oracle.predict(
        GENOTYPES[0], noise=np.random.default_rng(7)
    )
    np.testing.assert_allclose(oracle.predict_many(GENOTYPES), mean, rtol=1e-12)  # off by default


def test_the_surrogate_is_named_for_records(trained):
    _, oracle = trained
    assert oracle.surrogate == "NAS-Bench-301 v1.0 xgb ensemble (3 members)"
    described = oracle.describe()
    assert described["accuracy_surrogate"] == "xgb ensemble (3 members)"
    assert described["runtime_surrogate"] == "lgb_time ensemble (3 members)"
    assert described["libraries"]["xgboost"] == xgb.__version__


def test_record_names_files_in_place_with_checksums(trained):
    models, oracle = trained
    record = oracle.record
    assert record["source_dir"] == str(models.resolve())
    members = record["ensembles"]["accuracy"]["members"]
    assert [m["path"] for m in members] == [p.relative_to(models).as_posix() for p in member_files(models / "xgb_v1.0")]
    assert all(len(m["sha256"]) == 64 and m["bytes"] > 0 for m in members)
    assert record["ensembles"]["runtime"]["model"] == "lgb_time"


@pytest.mark.skipif(not xgb_version_reads_2020_pickles(), reason="this xgboost cannot read 2020 pickles (tested below)")
def test_2020_pickles_predict_what_the_official_api_predicts(tmp_path):
    record_file = record_path(tmp_path)
    write_json(record_file, import_nb301(FIXTURE / "nb_models_1.0"))
    oracle = NB301Oracle.load(record_file)
    members = oracle.member_predictions(GENOTYPES)
    order = [sorted(REFERENCE["xgb_member_order"]).index(m) for m in REFERENCE["xgb_member_order"]]
    for column, probe in enumerate(PROBES):
        # The same trees give the same float32 outputs; the official mean is float32, ours float64.
        np.testing.assert_array_equal(members[order, column], np.array(probe["xgb_members"], dtype=np.float32))
        assert oracle.predict(probe["genotype"]) == pytest.approx(probe["xgb_predict"], abs=2e-5)
        assert oracle.runtime(probe["genotype"]) == pytest.approx(probe["lgb_predict"], rel=1e-12)


@pytest.mark.skipif(xgb_version_reads_2020_pickles(), reason="this xgboost reads 2020 pickles (tested above)")
def test_xgboost_too_new_for_2020_pickles_says_which_to_install():
    with pytest.raises(UserError, match=r"xgboost >= 2\.1, < 3\.1"):
        import_nb301(FIXTURE / "nb_models_1.0")
