"""`harness list spaces|methods [--json]`: what is registered, each space's decisions, and what its
benchmark knows of it (size, optimum) when the store is installed."""

from __future__ import annotations

import json

import pytest

from conftest import require_shared
from fixtures.nb101_store import CSV_RELATIVE, build_store
from harness.cli import main
from spaces.darts import primitives as P
from spaces.registry import get_space


def listing(capsys, *argv) -> list[dict]:
    assert main(["list", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_spaces_list_their_cell_types_and_per_edge_ops(capsys, tmp_path):
    records = {r["name"]: r for r in listing(capsys, "spaces", "--data-dir", str(tmp_path))}
    s1 = records["darts-s1"]
    normal, reduce = s1["cell_types"]
    assert [tuple(c["ops"]) for c in normal["choices"]] == list(P.S1_NORMAL) and not normal["reduction"]
    assert [tuple(c["ops"]) for c in reduce["choices"]] == list(P.S1_REDUCE) and reduce["reduction"]
    assert s1["cells"] == ["normal", "normal", "reduce", "normal", "normal", "reduce", "normal", "normal"]
    assert [c["keep"] for c in s1["input_choices"]] == [2, 2, 2, 2]
    amended = records["amended-s2"]
    assert len(amended["cell_types"]) == 20 and amended["input_choices"] == []
    assert amended["oracle"] is None and "own type" in amended["oracle_note"]
    assert records["nb101"]["searchable"] is False
    assert "not installed" in records["nb1shot1-s1"]["oracle_note"]  # an empty data directory


def test_the_text_listing_names_alike_cell_types_once(capsys, tmp_path):
    assert main(["list", "spaces", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "  cell_7, cell_14 (reduction): 8 choices" in out  # Amended-DARTS S_2: reductions at 20//3, 2*20//3


@pytest.mark.shared_data
def test_installed_stores_give_sizes_and_optima(capsys, tmp_path_factory):
    store = build_store(require_shared(CSV_RELATIVE), tmp_path_factory.mktemp("list"))
    records = {r["name"]: r for r in listing(capsys, "spaces", "--data-dir", str(store.parent.parent))}
    # NAS-Bench-201's Optimal row (Dong & Yang, ICLR 2020, Table 5): CIFAR-10 test 94.37, from the shipped store
    assert "cifar10 test 94.37" in records["nb201"]["oracle_facts"][0]
    facts = " ".join(records["nb1shot1-s1"]["oracle_facts"])
    assert "14,580 configurations" in facts and "6,240 by the 1Shot1 paper's count" in facts
    best, arch = get_space("nb1shot1-s1").load_oracle(store).optimum("test")  # brute-forced: test_nb1shot1_lookup
    assert f"optimum: {best:.4f} % mean CIFAR-10 test accuracy at 108 epochs, {arch}" in facts


def test_methods_list_the_spaces_they_have_defaults_for(capsys):
    records = {r["name"]: r for r in listing(capsys, "methods")}
    assert len(records) == 17
    for record in records.values():
        assert set(record["families"]) == {"nb201", "darts", "nb1shot1"}
        assert {"nb201", "darts-s3", "amended-s2", "nb1shot1-s2"} <= set(record["spaces"])
        assert "nb101" not in record["spaces"]  # query only
