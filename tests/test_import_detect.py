"""`import_nb201` picks the importer by what the path is, and lists the accepted sources otherwise."""

from __future__ import annotations

import pytest

from spaces.errors import BenchmarkFileError, UserError
from spaces.nb201.importers import import_nb201, source_kind


def accepted_listed(message: str) -> bool:
    return all(part in message for part in (".csv.gz", "NATS-tss-v1_0-3ffb9-simple", "NAS-Bench-201-v1_1-096897.pth"))


@pytest.mark.parametrize("name, kind", [("dump.csv", "csv"), ("dump.CSV.gz", "csv"), ("NAS-Bench-201-v1_0-e61699.pth", "nb201-pth")])
def test_files_are_recognised_by_name(tmp_path, name, kind):
    (tmp_path / name).write_bytes(b"")
    assert source_kind(tmp_path / name) == kind


def test_a_directory_with_a_meta_file_is_a_nats_directory(tmp_path):
    (tmp_path / "meta.pickle.pbz2").write_bytes(b"")
    assert source_kind(tmp_path) == "nats-tss"


@pytest.mark.parametrize("make", ["missing", "plain-directory", "text-file", "nats-single-file"])
def test_anything_else_lists_the_accepted_sources(tmp_path, make):
    path = {
        "missing": tmp_path / "nowhere.csv",
        "plain-directory": tmp_path,
        "text-file": tmp_path / "notes.txt",
        "nats-single-file": tmp_path / "NATS-tss-v1_0-3ffb9.pickle.pbz2",
    }[make]
    if make in ("text-file", "nats-single-file"):
        path.write_bytes(b"x")
    with pytest.raises(BenchmarkFileError) as caught:
        import_nb201(path)
    assert isinstance(caught.value, UserError)
    assert str(path) in str(caught.value) and accepted_listed(str(caught.value))
