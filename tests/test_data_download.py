"""Downloads against a local HTTP server: checksum, atomic rename, safe extraction, errors."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import socket
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest

from fixtures.official_formats import write_cifar10, write_svhn
from harness.data import DATASETS, DOWNLOADS, download_dataset, download_file, read_cifar10, read_svhn
from harness.data.archives import extract_tarball
from harness.data.download import RemoteFile
from spaces.errors import BenchmarkFileError, ConfigError


class _Mirror:
    """A directory served over HTTP on 127.0.0.1, recording the paths requested."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[str] = []
        mirror = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                mirror.requests.append(self.path)
                super().do_GET()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def mirror(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    server = _Mirror(served)
    yield server
    server.close()


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _cifar10_tarball(build: Path, into: Path) -> dict:
    written = write_cifar10(build / "cifar-10-batches-py")
    with tarfile.open(into / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(build / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    return written


def test_cifar10_downloads_verifies_extracts_and_reads(tmp_path, mirror, monkeypatch):
    written = _cifar10_tarball(tmp_path / "build", mirror.root)
    tarball = mirror.root / "cifar-10-python.tar.gz"
    official = DOWNLOADS["cifar10"][0]
    monkeypatch.setitem(DOWNLOADS, "cifar10", (RemoteFile(official.url, _md5(tarball), True),))
    data_root = tmp_path / "data"

    directory = download_dataset("cifar10", data_root, base_url=mirror.url, progress=False)

    assert directory == data_root / "cifar10" / "cifar-10-batches-py"
    assert mirror.requests == ["/cifar-10-python.tar.gz"]
    image_set = read_cifar10(directory)
    np.testing.assert_array_equal(image_set.train_images, written["train_images"])
    np.testing.assert_array_equal(image_set.test_labels, written["test_labels"])
    # Nothing left beside the dataset: no tarball, no partial download, no scratch directory.
    assert [p.name for p in (data_root / "cifar10").iterdir()] == ["cifar-10-batches-py"]

    download_dataset("cifar10", data_root, base_url=mirror.url, progress=False)
    assert len(mirror.requests) == 1, "a complete dataset must not be downloaded again"


def test_incomplete_cifar10_directory_is_repaired(tmp_path, mirror, monkeypatch):
    _cifar10_tarball(tmp_path / "build", mirror.root)
    monkeypatch.setitem(
        DOWNLOADS,
        "cifar10",
        (RemoteFile(DOWNLOADS["cifar10"][0].url, _md5(mirror.root / "cifar-10-python.tar.gz"), True),),
    )
    data_root = tmp_path / "data"
    directory = data_root / "cifar10" / "cifar-10-batches-py"
    directory.mkdir(parents=True)
    (directory / "notes.txt").write_text("mine")
    download_dataset("cifar10", data_root, base_url=mirror.url, progress=False)
    assert len(read_cifar10(directory).train_images) > 0
    assert (directory / "notes.txt").read_text() == "mine"


def test_svhn_downloads_both_mat_files(tmp_path, mirror, monkeypatch):
    written = write_svhn(mirror.root)
    monkeypatch.setitem(
        DOWNLOADS, "svhn", tuple(RemoteFile(r.url, _md5(mirror.root / r.filename), False) for r in DOWNLOADS["svhn"])
    )
    directory = download_dataset("svhn", tmp_path / "data", base_url=mirror.url, progress=False)
    np.testing.assert_array_equal(read_svhn(directory).test_images, written["test_images"])


def test_checksum_mismatch_names_both_checksums_and_leaves_nothing(tmp_path, mirror):
    (mirror.root / "file.bin").write_bytes(b"payload" * 1000)
    actual = _md5(mirror.root / "file.bin")
    wrong = "0" * 32
    dest_dir = tmp_path / "downloads"
    with pytest.raises(BenchmarkFileError) as caught:
        download_file(f"{mirror.url}/file.bin", dest_dir / "file.bin", wrong, progress=False)
    assert wrong in str(caught.value) and actual in str(caught.value)
    assert list(dest_dir.iterdir()) == []


def test_existing_file_with_right_checksum_is_not_fetched_again(tmp_path, mirror):
    (mirror.root / "file.bin").write_bytes(b"payload")
    dest = tmp_path / "file.bin"
    download_file(f"{mirror.url}/file.bin", dest, _md5(mirror.root / "file.bin"), progress=False)
    download_file(f"{mirror.url}/file.bin", dest, _md5(mirror.root / "file.bin"), progress=False)
    assert mirror.requests == ["/file.bin"]


def test_existing_file_with_wrong_checksum_is_replaced(tmp_path, mirror):
    (mirror.root / "file.bin").write_bytes(b"payload")
    dest = tmp_path / "file.bin"
    dest.write_bytes(b"stale")
    download_file(f"{mirror.url}/file.bin", dest, _md5(mirror.root / "file.bin"), progress=False)
    assert dest.read_bytes() == b"payload"


def test_progress_bar_goes_to_stderr(tmp_path, mirror, capsys):
    (mirror.root / "file.bin").write_bytes(b"x" * 50_000)
    download_file(f"{mirror.url}/file.bin", tmp_path / "file.bin", _md5(mirror.root / "file.bin"), progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "file.bin" in captured.err and "100%" in captured.err


def test_http_error_names_the_url(tmp_path, mirror):
    url = f"{mirror.url}/missing.tar.gz"
    dest_dir = tmp_path / "downloads"
    with pytest.raises(BenchmarkFileError, match=url.replace(".", r"\.")):
        download_file(url, dest_dir / "missing.tar.gz", "0" * 32, progress=False)
    assert list(dest_dir.iterdir()) == []


def test_unreachable_host_names_the_url(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/cifar-10-python.tar.gz"
    with pytest.raises(BenchmarkFileError, match="download failed") as caught:
        download_file(url, tmp_path / "x.tar.gz", "0" * 32, progress=False)
    assert url in str(caught.value)


def test_imagenet16_cannot_be_downloaded_and_says_where_it_comes_from(tmp_path):
    with pytest.raises(ConfigError, match="NAS-Bench-201"):
        download_dataset("ImageNet16-120", tmp_path)


def test_unknown_dataset_cannot_be_downloaded(tmp_path):
    with pytest.raises(ConfigError, match="unknown dataset"):
        download_dataset("mnist", tmp_path)


def test_download_table_produces_the_files_the_registry_reads():
    assert set(DOWNLOADS) <= set(DATASETS)
    svhn_files = {remote.filename for remote in DOWNLOADS["svhn"]}
    assert svhn_files == set(DATASETS["svhn"].files)
    for name in ("cifar10", "cifar100"):
        (archive,) = DOWNLOADS[name]
        assert archive.is_archive and archive.filename.endswith(".tar.gz")


# --- tarball safety ---------------------------------------------------------------------------


def _tarball_with(path: Path, member: tarfile.TarInfo, payload: bytes = b"evil") -> None:
    with tarfile.open(path, "w:gz") as tar:
        if member.isfile():
            member.size = len(payload)
            tar.addfile(member, io.BytesIO(payload))
        else:
            tar.addfile(member)


@pytest.mark.parametrize(
    "member",
    [
        tarfile.TarInfo("../escaped.txt"),
        tarfile.TarInfo("cifar-10-batches-py/../../escaped.txt"),
        tarfile.TarInfo("/tmp/absolute-escape.txt"),
    ],
    ids=["parent", "nested-parent", "absolute"],
)
def test_archive_members_escaping_the_target_are_refused(tmp_path, member):
    archive = tmp_path / "hostile.tar.gz"
    _tarball_with(archive, member)
    into = tmp_path / "a" / "b"
    into.mkdir(parents=True)
    with pytest.raises(BenchmarkFileError, match="refusing"):
        extract_tarball(archive, into)
    assert not (tmp_path / "a" / "escaped.txt").exists() and not (tmp_path / "escaped.txt").exists()
    assert list(into.iterdir()) == []


def test_archive_links_are_refused(tmp_path):
    link = tarfile.TarInfo("cifar-10-batches-py/data_batch_1")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    archive = tmp_path / "hostile.tar.gz"
    _tarball_with(archive, link)
    with pytest.raises(BenchmarkFileError, match="link"):
        extract_tarball(archive, tmp_path)


def test_corrupt_archive_is_a_benchmark_file_error(tmp_path):
    archive = tmp_path / "broken.tar.gz"
    archive.write_bytes(b"\x1f\x8b" + b"not really gzip" * 10)
    with pytest.raises(BenchmarkFileError, match="broken.tar.gz"):
        extract_tarball(archive, tmp_path)
