"""`harness data import|info|download` and `harness query`, through their own argparse wiring."""

from __future__ import annotations

import argparse
import json
import sys
import types

import h5py
import numpy as np
import pytest

from harness.commands import data as data_command
from harness.commands import query as query_command
from spaces.errors import (
    BenchmarkFileError,
    ConfigError,
    MalformedArchitecture,
    UserError,
)
from tests.oracle_helpers import synthetic_table


def harness(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="harness")
    commands = parser.add_subparsers(dest="command", required=True)
    data_command.add_parser(commands)
    query_command.add_parser(commands)
    args = parser.parse_args(list(argv))
    return args.func(args)


def query_json(capsys, *argv: str) -> dict:
    assert harness("query", "--space", "nb201", "--json", *argv) == 0
    out = capsys.readouterr().out
    return json.loads(out)  # exactly one JSON document: json.loads rejects anything around it


# -- query ---------------------------------------------------------------------------------------


def test_json_has_the_documented_keys_and_the_paper_columns(synthetic_data_dir, capsys):
    table = synthetic_table()
    record = query_json(capsys, "--arch", "42", "--data-dir", str(synthetic_data_dir))
    assert set(record) == {"space", "arch", "index", "store", "results", "benchmark_columns", "params_mb"}
    assert record["index"] == 42 and record["space"] == "nb201"
    assert list(record["results"]) == ["cifar10", "cifar100", "ImageNet16-120"]
    valid = record["results"]["cifar10"]["valid"]
    expected = table.accuracy[("cifar10-valid", "x-valid", 200)]
    assert valid["200"]["accuracy"] == expected[42]
    assert valid["200"]["regret"] == pytest.approx(expected.max() - expected[42])
    assert valid["12"]["accuracy"] == table.accuracy[("cifar10-valid", "x-valid", 12)][42]
    assert record["results"]["cifar10"]["test"]["200"]["accuracy"] == table.accuracy[("cifar10", "ori-test", 200)][42]
    assert "12" not in record["results"]["cifar10"]["test"]  # not in the store: absent, not filled
    assert record["results"]["cifar100"]["test"]["200"]["accuracy"] == table.accuracy[("cifar100", "x-test", 200)][42]
    assert record["benchmark_columns"]["cifar10"] == {"valid": {"dataset": "cifar10-valid", "split": "x-valid"},
                                                      "test": {"dataset": "cifar10", "split": "ori-test"}}
    assert record["params_mb"]["ImageNet16-120"] == table.params_mb["ImageNet16-120"][42]


def test_arch_string_and_index_give_the_same_record(synthetic_data_dir, capsys):
    by_index = query_json(capsys, "--arch", "977", "--data-dir", str(synthetic_data_dir))
    by_string = query_json(capsys, "--arch", by_index["arch"], "--data-dir", str(synthetic_data_dir))
    assert by_string == by_index


def test_dataset_option_limits_the_output(synthetic_data_dir, capsys):
    record = query_json(capsys, "--arch", "3", "--dataset", "cifar100", "--data-dir", str(synthetic_data_dir))
    assert list(record["results"]) == ["cifar100"] and list(record["params_mb"]) == ["cifar100"]


def test_text_output_shows_paper_and_benchmark_names(synthetic_data_dir, capsys):
    assert harness("query", "--space", "nb201", "--arch", "5", "--data-dir", str(synthetic_data_dir)) == 0
    out = capsys.readouterr().out
    assert "cifar10-valid x-valid" in out and "cifar10 ori-test" in out and "ImageNet16-120 x-test" in out
    accuracy = synthetic_table().accuracy[("cifar100", "x-valid", 200)][5]
    assert f"{accuracy:.4f}" in out


@pytest.mark.shared_data
def test_query_answers_with_the_csv_numbers(nb201_store, nb201_csv, capsys):
    record = query_json(capsys, "--arch", nb201_csv["arch"][284], "--data-dir", str(nb201_store.parent.parent))
    assert record["index"] == 284
    results = record["results"]
    assert results["cifar10"]["valid"]["200"]["accuracy"] == pytest.approx(float(nb201_csv["cifar10-valid.valid.200"][284]))
    assert results["cifar10"]["test"]["200"]["accuracy"] == pytest.approx(float(nb201_csv["cifar10.test.200"][284]))
    assert results["ImageNet16-120"]["valid"]["12"]["accuracy"] == pytest.approx(
        float(nb201_csv["ImageNet16-120.valid.12"][284]))
    best = max(float(v) for v in nb201_csv["cifar100.test.200"])
    assert results["cifar100"]["test"]["200"]["regret"] == pytest.approx(best - float(nb201_csv["cifar100.test.200"][284]))


# -- query errors --------------------------------------------------------------------------------


def test_missing_store_names_the_path_and_the_import_command(tmp_path, without_packaged_stores):
    with pytest.raises(BenchmarkFileError) as caught:
        harness("query", "--space", "nb201", "--arch", "0", "--data-dir", str(tmp_path))
    message = str(caught.value)
    assert str(tmp_path / "benchmarks" / "nb201.h5") in message
    assert "harness data import nb201 --from PATH" in message


def test_corrupt_store(synthetic_data_dir):
    store = synthetic_data_dir / "benchmarks" / "nb201.h5"
    store.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(BenchmarkFileError, match=str(store)):
        harness("query", "--space", "nb201", "--arch", "0", "--data-dir", str(synthetic_data_dir))


def test_partial_store(synthetic_data_dir):
    store = synthetic_data_dir / "benchmarks" / "nb201.h5"
    with h5py.File(store, "a") as handle:
        del handle["accuracy/cifar100/x-test/200"]
    with pytest.raises(BenchmarkFileError) as caught:
        harness("query", "--space", "nb201", "--arch", "0", "--data-dir", str(synthetic_data_dir))
    assert str(store) in str(caught.value) and "accuracy/cifar100/x-test/200" in str(caught.value)


@pytest.mark.parametrize("arch, pattern", [
    ("|nor_conv_3x3~0|+|nor_conv_3x3~0|", "malformed NB201 architecture"),
    ("|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|none~1|conv_7x7~2|", "unknown op 'conv_7x7'"),
    ("15625", "index 15625 is out of range"),
    ("-3", "index -3 is out of range"),
])
def test_bad_architectures(synthetic_data_dir, arch, pattern):
    with pytest.raises(MalformedArchitecture, match=pattern):
        harness("query", "--space", "nb201", "--arch", arch, "--data-dir", str(synthetic_data_dir))


def test_unknown_space_lists_the_spaces(synthetic_data_dir):
    with pytest.raises(ConfigError, match="'nb999'.*nb201"):
        harness("query", "--space", "nb999", "--arch", "0", "--data-dir", str(synthetic_data_dir))


def test_unknown_dataset_lists_the_datasets(synthetic_data_dir):
    with pytest.raises(ConfigError, match="cifar10, cifar100, ImageNet16-120"):
        harness("query", "--space", "nb201", "--arch", "0", "--dataset", "svhn", "--data-dir", str(synthetic_data_dir))


# -- data ----------------------------------------------------------------------------------------


@pytest.mark.shared_data
def test_import_writes_the_store_and_reports_the_optima(shared_nb201_csv, nb201_csv, tmp_path, capsys):
    assert harness("data", "import", "nb201", "--from", str(shared_nb201_csv), "--data-dir", str(tmp_path)) == 0
    out = capsys.readouterr().out
    store = tmp_path / "benchmarks" / "nb201.h5"
    assert store.is_file() and str(store) in out and "15625 architectures" in out
    for name in ("cifar10-valid.valid.200", "cifar10.test.200", "cifar100.test.200", "ImageNet16-120.valid.12"):
        assert f"{max(float(v) for v in nb201_csv[name]):.4f}" in out
    assert [p.name for p in store.parent.iterdir()] == ["nb201.h5"]  # no temp file left behind


def test_import_rejects_an_unknown_source(tmp_path):
    source = tmp_path / "results.json"
    source.write_text("{}")
    with pytest.raises(UserError, match="Accepted sources"):
        harness("data", "import", "nb201", "--from", str(source), "--data-dir", str(tmp_path))
    assert not (tmp_path / "benchmarks").exists()


def test_import_rejects_an_unknown_benchmark(tmp_path):
    with pytest.raises(ConfigError, match="nb201"):
        harness("data", "import", "no-such-benchmark", "--from", str(tmp_path), "--data-dir", str(tmp_path))


def test_info_describes_stores_and_datasets(synthetic_data_dir, capsys):
    (synthetic_data_dir / "cifar10" / "cifar-10-batches-py").mkdir(parents=True)
    assert harness("data", "info", "--data-dir", str(synthetic_data_dir)) == 0
    out = capsys.readouterr().out
    table = synthetic_table()
    assert str(synthetic_data_dir / "benchmarks" / "nb201.h5") in out
    assert table.source.path in out and table.source.sha256 in out and "created:" in out
    assert "cifar10-valid x-valid 12" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ") and len(line.split()) == 3}
    assert "present" in lines["cifar10"] and "missing" in lines["cifar100"] and "missing" in lines["svhn"]


def test_info_without_a_store_says_how_to_build_it(tmp_path, capsys, without_packaged_stores):
    assert harness("data", "info", "--data-dir", str(tmp_path)) == 0
    assert "harness data import nb201 --from PATH" in capsys.readouterr().out


def test_info_reports_a_broken_store_and_fails(synthetic_data_dir, capsys):
    (synthetic_data_dir / "benchmarks" / "nb201.h5").write_bytes(b"garbage")
    assert harness("data", "info", "--data-dir", str(synthetic_data_dir)) == 1
    assert "UNUSABLE" in capsys.readouterr().out


def test_download_hands_over_to_the_dataset_downloader(tmp_path, monkeypatch, capsys):
    calls = []
    fake = types.ModuleType("harness.data.download")
    fake.download_dataset = lambda name, root: calls.append((name, root)) or root / name
    monkeypatch.setitem(sys.modules, "harness.data.download", fake)
    assert harness("data", "download", "cifar100", "--data-dir", str(tmp_path)) == 0
    assert calls == [("cifar100", tmp_path)]
    assert str(tmp_path / "cifar100") in capsys.readouterr().out
