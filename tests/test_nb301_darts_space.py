"""NAS-Bench-301 as the DARTS family's CIFAR-10 oracle: `harness data import nb301`, `harness data info`,
`harness query --space darts...`, and which spaces it scores (S4 and Amended-DARTS' S_2: none, with why).

The ensembles are trained here and pickled the official way (tests/fixtures/nb301_ensembles.py).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

pytest.importorskip("xgboost", reason="NAS-Bench-301 tests need the nb301 extra (xgboost)")
pytest.importorskip("lightgbm", reason="NAS-Bench-301 tests need the nb301 extra (lightgbm)")

from harness.cli import main  # noqa: E402
from harness.oracle_access import oracle_statement  # noqa: E402
from spaces.darts.nb301.importer import PROBE_GENOTYPE, record_path  # noqa: E402
from spaces.darts.nb301.oracle import NB301Oracle  # noqa: E402
from spaces.registry import get_space  # noqa: E402
from tests.fixtures.darts_genotypes import DARTS_V2  # noqa: E402
from tests.fixtures.nb301_ensembles import write_model_dir  # noqa: E402


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """(data dir, model dir) after `harness data import nb301`."""
    root = tmp_path_factory.mktemp("nb301-cli")
    models = write_model_dir(root, np.random.default_rng(7))
    data = root / "data"
    assert main(["data", "import", "nb301", "--from", str(models), "--data-dir", str(data)]) == 0
    return data, models


def test_import_records_the_model_files_in_place(imported, capsys):
    data, models = imported
    record = json.loads(record_path(data).read_text())
    assert record["source_dir"] == str(models.resolve())
    assert all(len(member["sha256"]) == 64 for member in record["ensembles"]["accuracy"]["members"])
    assert main(["data", "info", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert f"nb301: {record_path(data)}" in out and "accuracy surrogate: NAS-Bench-301 v1.0 xgb ensemble" in out


def test_import_of_a_directory_without_the_xgboost_ensemble_is_one_message(tmp_path, capsys):
    (tmp_path / "nb_models_1.0").mkdir()
    assert main(["data", "import", "nb301", "--from", str(tmp_path / "nb_models_1.0"),
                 "--data-dir", str(tmp_path / "data")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "xgb_v1.0" in err
    assert not record_path(tmp_path / "data").exists()


def test_query_gives_the_surrogate_prediction_of_the_genotype(imported, capsys):
    data, _ = imported
    assert main(["query", "--space", "darts", "--arch", DARTS_V2, "--json", "--data-dir", str(data)]) == 0
    record = json.loads(capsys.readouterr().out)
    direct = NB301Oracle.load(record_path(data))  # DARTS_V2 is the importer's probe genotype
    assert record["nb301"]["accuracy"] == pytest.approx(direct.predict(PROBE_GENOTYPE), rel=1e-12)
    assert record["nb301"]["runtime_seconds"] == pytest.approx(direct.runtime(PROBE_GENOTYPE), rel=1e-12)
    assert record["evaluation_network"]["layers"] == 20 and record["evaluation_network"]["channels"] == 36
    assert record["op_counts"]["normal"] == {"skip": 2, "parametric": 6}


def test_the_order_of_a_nodes_pairs_does_not_change_the_prediction(imported):
    data, _ = imported
    darts = get_space("darts")
    oracle = darts.load_oracle(record_path(data))
    swapped = DARTS_V2.replace("('skip_connect', 0), ('dil_conv_3x3', 2)", "('dil_conv_3x3', 2), ('skip_connect', 0)")
    assert swapped != DARTS_V2
    assert oracle.record_columns(darts.parse(swapped)) == oracle.record_columns(darts.parse(DARTS_V2))


@pytest.mark.parametrize("space", ["darts", "darts-s1", "darts-s2", "darts-s3", "amended-s1"])
def test_spaces_nb301_encodes_are_scored_by_it(imported, space):
    data, _ = imported
    subject = get_space(space)
    assert subject.oracle_benchmark == "nb301"
    oracle = subject.load_oracle(record_path(data))
    decisions = subject.decisions(subject.supernet_defaults())
    arch = subject.derive(torch.tensor(np.random.default_rng(0).standard_normal(decisions.shape)))
    columns = oracle.record_columns(arch)
    assert set(columns) == {"accuracy"} and set(columns["accuracy"]["cifar10"]) == {"nb301"}
    assert np.isfinite(columns["accuracy"]["cifar10"]["nb301"])
    statement = oracle_statement(space, oracle)
    assert statement["benchmark"] == "NAS-Bench-301" and statement["noise"] == "off"


@pytest.mark.parametrize("space, why", [("darts-s4", "noise"), ("amended-s2", "own type")])
def test_spaces_nb301_cannot_encode_say_why(space, why, imported, capsys):
    data, _ = imported
    assert get_space(space).oracle_benchmark is None
    assert why in oracle_statement(space, None)["absent"]
    arch = _any_genotype(space)
    assert main(["query", "--space", space, "--arch", arch, "--json", "--data-dir", str(data)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert "nb301" not in record and any(why in note for note in record["notes"])


def _any_genotype(space: str) -> str:
    subject = get_space(space)
    decisions = subject.decisions(subject.supernet_defaults())
    return str(subject.derive(torch.zeros(decisions.shape)))


def test_nb201_run_records_name_their_oracle(tmp_path):
    """config.json of a run says which oracle scored it (here: none, and why)."""
    from harness.records import read_json
    from harness.runner import run_seed
    from tests.run_helpers import synthetic_image_set, tiny_run_config

    result = run_seed(tiny_run_config(epochs=1), 0, tmp_path, torch.device("cpu"), synthetic_image_set(), None,
                      show_progress=False, log=lambda message: None)
    statement = read_json(result.run_dir.config)["oracle"]
    assert "nb201 store was not installed" in statement["absent"]


def test_a_darts_space_search_records_the_nb301_column_and_the_report_fills_it_later(imported, tmp_path):
    from harness.config import resolve_config
    from harness.records import read_json
    from harness.runner import run_seed
    from reports.loading import load_runs
    from reports.oracle_source import OracleSources
    from tests.run_helpers import synthetic_image_set

    data, _ = imported
    space = get_space("darts-s2")
    oracle = space.load_oracle(record_path(data))
    config = resolve_config("darts", "darts-s2", "quick", epochs=2,
                            assignments=["data.subset=16", "data.batch_size=16", "eval.batch_size=32"])
    images = synthetic_image_set(n_train=64, n_test=32)
    scored = run_seed(config, 0, tmp_path / "with", torch.device("cpu"), images, oracle, show_progress=False,
                      log=lambda message: None)
    for row in scored.rows:
        assert row["accuracy"] == {"cifar10": {"nb301": oracle.accuracy(space.parse(row["arch"]))}}
        assert "regret" not in row  # the surrogate has no known optimum
    assert read_json(scored.run_dir.config)["oracle"]["benchmark"] == "NAS-Bench-301"
    unscored = run_seed(config, 0, tmp_path / "without", torch.device("cpu"), images, None, show_progress=False,
                        log=lambda message: None)
    assert "accuracy" not in unscored.rows[0]
    loaded = load_runs([tmp_path / "without"], OracleSources(data), show_progress=False)
    assert loaded.filled_rows == 2
    assert [row["accuracy"] for row in loaded.runs[0].rows] == [row["accuracy"] for row in scored.rows]
