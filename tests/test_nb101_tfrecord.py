"""The TFRecord reader, the ModelMetrics decoder and the TFRecord importer, on files written here."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from fixtures.nb101_tfrecord import Evaluation, key, model_metrics, nb101_record, varint, write_tfrecord
from spaces.errors import BenchmarkFileError
from spaces.nb101.cell import NB101Cell
from spaces.nb101.importers import import_nb101
from spaces.nb101.metrics_proto import ProtobufError, parse_model_metrics
from spaces.nb101.oracle import NB101Oracle, UnavailableQuantity, write_store
from spaces.nb101.tfrecord import crc32c, crc32c_batch, read_records

# Three small cells (matrix, ops); their hashes come from the hash tests' implementation.
CELLS = [
    ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "conv3x3-bn-relu", "output"]),
    ([[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], ["input", "conv1x1-bn-relu", "maxpool3x3", "output"]),
    ([[0, 1, 0, 1], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]], ["input", "maxpool3x3", "conv3x3-bn-relu", "output"]),
]


def test_crc32c_matches_published_check_values():
    # RFC 3720 B.4 and the CRC catalogue's CRC-32C check value
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(bytes(32)) == 0x8A9136AA
    assert crc32c(b"\xff" * 32) == 0x62A8AB43
    assert crc32c(bytes(range(32))) == 0x46DD794E


def test_batched_crc_equals_the_byte_loop_on_ragged_lengths():
    rng = np.random.default_rng(0)
    chunks = [rng.integers(0, 256, size=int(n), dtype=np.uint8).tobytes() for n in (0, 1, 7, 300, 64, 2)]
    assert crc32c_batch(chunks).tolist() == [crc32c(c) for c in chunks]


def _runs(seed: int = 1):
    """(records, expected) for every cell x 3 repeats at 108 epochs, file order shuffled.

    expected[hash] = (params, [repeats, (train, valid, test, seconds)]) with repeats in file order."""
    rng = np.random.default_rng(seed)
    runs = []
    for matrix, ops in CELLS:
        module_hash = NB101Cell(matrix, ops).module_hash()
        params = int(rng.integers(10_000, 5_000_000))
        for _ in range(3):
            train, valid, test = rng.uniform(0.5, 1.0, size=3)
            seconds = float(rng.uniform(100, 3000))
            evaluations = [
                Evaluation(0.0, 0.0, 0.1, 0.1, 0.1),
                Evaluation(54.0, seconds / 2, train / 2, valid / 2, test / 2),
                Evaluation(108.0, seconds, train, valid, test, "/tmp/model.ckpt-1"),
            ]
            metrics = model_metrics(evaluations, params, seconds * 1.1)
            runs.append((module_hash, params, nb101_record(module_hash, 108, matrix, ops, metrics), (train, valid, test, seconds)))
    runs = [runs[i] for i in rng.permutation(len(runs))]
    expected = {}
    for module_hash, params, _, values in runs:
        expected.setdefault(module_hash, (params, []))[1].append(values)
    return [record for _, _, record, _ in runs], {h: (p, np.array(v)) for h, (p, v) in expected.items()}


def test_reader_returns_every_record_in_order(tmp_path):
    records, _ = _runs()
    path = tmp_path / "small.tfrecord"
    write_tfrecord(path, records)
    assert [data for _, data in read_records(path)] == records
    assert [number for number, _ in read_records(path)] == list(range(len(records)))


def test_importer_means_repeats_and_params(tmp_path):
    records, expected = _runs()
    path = tmp_path / "nasbench_only108.tfrecord"
    write_tfrecord(path, records)
    table = import_nb101(path, expected_cells=None)
    store = tmp_path / "benchmarks" / "nb101.h5"
    write_store(table, store)
    oracle = NB101Oracle.load(store)
    assert oracle.num_cells == 3
    for module_hash, (params, repeats) in expected.items():
        assert oracle.params(module_hash) == params
        for column, split in enumerate(("train", "valid", "test")):
            assert oracle.accuracy(module_hash, split, 108) == pytest.approx(repeats[:, column].mean(), abs=1e-15)
            # repeats kept in the file's order for that cell
            assert oracle.accuracy_repeats(module_hash, split, 108).tolist() == repeats[:, column].tolist()
        assert oracle.train_seconds(module_hash, 108) == pytest.approx(repeats[:, 3].mean())
    present = {str(info.key) for info in oracle.available().present}
    assert "accuracy valid 108 mean" in present
    with pytest.raises(UnavailableQuantity, match="no 36-epoch runs"):
        oracle.accuracy(0, "valid", 36)
    assert oracle.metadata["source_kind"] == "tfrecord"


def test_importer_rejects_a_partial_benchmark_by_default(tmp_path):
    records, _ = _runs()
    path = tmp_path / "nasbench_only108.tfrecord"
    write_tfrecord(path, records)
    with pytest.raises(BenchmarkFileError, match="holds 3 distinct cells, NAS-Bench-101 has 423624"):
        import_nb101(path)


def test_corrupt_data_crc_names_file_and_record(tmp_path):
    records, _ = _runs()
    path = tmp_path / "corrupt.tfrecord"
    offsets = write_tfrecord(path, records)
    raw = bytearray(path.read_bytes())
    raw[offsets[4] + 12 + 5] ^= 0x01  # one bit inside record 4's data
    path.write_bytes(bytes(raw))
    with pytest.raises(BenchmarkFileError, match=rf"corrupt\.tfrecord: record 4 \(byte offset {offsets[4]}\).*CRC of its data"):
        list(read_records(path))
    with pytest.raises(BenchmarkFileError, match="record 4"):
        import_nb101(path, expected_cells=None)


def test_corrupt_length_crc_is_caught(tmp_path):
    records, _ = _runs()
    path = tmp_path / "corrupt.tfrecord"
    offsets = write_tfrecord(path, records)
    raw = bytearray(path.read_bytes())
    raw[offsets[2] + 8] ^= 0xFF  # the stored CRC of record 2's length
    path.write_bytes(bytes(raw))
    with pytest.raises(BenchmarkFileError, match="record 2 .*CRC of its length field"):
        list(read_records(path))


@pytest.mark.parametrize("cut", [3, 15, 200])
def test_truncated_file_names_the_last_record(tmp_path, cut):
    records, _ = _runs()
    path = tmp_path / "cut.tfrecord"
    write_tfrecord(path, records)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) - cut])
    last = len(records) - 1 if cut < 16 + len(records[-1]) else len(records) - 2
    with pytest.raises(BenchmarkFileError, match=rf"cut\.tfrecord: record {last} .*truncated"):
        import_nb101(path, expected_cells=None)


def test_record_that_is_not_nb101_json(tmp_path):
    path = tmp_path / "other.tfrecord"
    write_tfrecord(path, [b'{"not": "a list"}'])
    with pytest.raises(BenchmarkFileError, match="record 0: not a NAS-Bench-101 record"):
        import_nb101(path, expected_cells=None)


def test_record_whose_hash_does_not_match_its_cell(tmp_path):
    matrix, ops = CELLS[0]
    metrics = model_metrics([Evaluation(0, 0, 0, 0, 0)] * 3, 100, 1.0)
    path = tmp_path / "wrong.tfrecord"
    write_tfrecord(path, [nb101_record("0" * 32, 108, matrix, ops, metrics)])
    with pytest.raises(BenchmarkFileError, match="record 0: its cell hashes to"):
        import_nb101(path, expected_cells=None)


def test_decoder_skips_unknown_fields_and_reads_int32():
    evaluation = Evaluation(1.0, 2.0, 0.3, 0.4, 0.5, "ckpt")
    unknown = key(15, 0) + varint(7) + key(16, 2) + varint(3) + b"abc" + key(17, 5) + struct.pack("<f", 1.5)
    metrics = parse_model_metrics(model_metrics([evaluation, evaluation], 2_694_282, 12.5, extra=unknown))
    assert metrics.trainable_parameters == 2_694_282
    assert metrics.total_time == 12.5
    assert len(metrics.evaluation_data) == 2
    assert metrics.evaluation_data[1].validation_accuracy == 0.4
    assert metrics.evaluation_data[1].checkpoint_path == "ckpt"
    assert parse_model_metrics(key(2, 0) + varint(-5)).trainable_parameters == -5


@pytest.mark.parametrize(
    "data, message",
    [
        (key(2, 1) + struct.pack("<d", 1.0), "wire type 1"),  # params as a double
        (key(1, 2) + varint(10) + b"abc", "announced"),  # length past the end
        (b"\x80", "past the end"),  # unfinished varint
        (key(3, 3), "wire type 3"),  # groups are not in this schema
    ],
)
def test_decoder_rejects_malformed_bytes(data, message):
    with pytest.raises(ProtobufError, match=message):
        parse_model_metrics(data)
