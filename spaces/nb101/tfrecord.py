"""Read TFRecord files without TensorFlow.

Framing of every record (TensorFlow's record format, as tf.python_io.tf_record_iterator reads it):

    uint64 length (little endian) | uint32 masked CRC32C of those 8 bytes | data | uint32 masked CRC32C of data

with mask(crc) = ((crc >> 15) | (crc << 17)) + 0xa282ead8 (mod 2**32), CRC32C
being the Castagnoli CRC (reflected polynomial 0x82F63B78). The official
nasbench_only108.tfrecord holds ~1.27 million records, so the CRCs are
checked for a batch of records at once with numpy (one pass over byte
positions for the whole batch) rather than byte by byte in Python.

Any problem ends in one BenchmarkFileError naming the file, the record number
(0-based) and its byte offset.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from spaces.errors import BenchmarkFileError

_POLY = 0x82F63B78  # CRC32C (Castagnoli), bit-reflected
_MASK_DELTA = 0xA282EAD8
_HEADER = 12  # uint64 length + uint32 length CRC
_BATCH = 4096  # harness choice: records CRC-checked together (~2 MB of data, one numpy pass per byte position)


def _table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint32)
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table[byte] = crc
    return table


_TABLE = _table()
_TABLE_LIST = _TABLE.tolist()


def crc32c(data: bytes) -> int:
    """CRC32C of one byte string (reference implementation; the reader uses the batched one)."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE_LIST[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def crc32c_batch(chunks: list[bytes]) -> np.ndarray:
    """uint32 CRC32C of every byte string, computed position by position across the batch."""
    if not chunks:
        return np.zeros(0, dtype=np.uint32)
    lengths = np.fromiter((len(c) for c in chunks), dtype=np.int64, count=len(chunks))
    width = int(lengths.max())
    padded = np.zeros((len(chunks), width), dtype=np.uint8)
    flat = np.frombuffer(b"".join(chunks), dtype=np.uint8)
    # scatter the concatenated bytes into rows: row r holds bytes [starts[r], starts[r] + lengths[r])
    rows = np.repeat(np.arange(len(chunks)), lengths)
    cols = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    padded[rows, cols] = flat
    crc = np.full(len(chunks), 0xFFFFFFFF, dtype=np.uint32)
    for position in range(width):
        updated = _TABLE[(crc ^ padded[:, position]) & 0xFF] ^ (crc >> np.uint32(8))
        crc = np.where(lengths > position, updated, crc)
    return crc ^ np.uint32(0xFFFFFFFF)


def mask(crc) -> np.ndarray | int:
    """TFRecord's masked CRC (works on ints and uint32 arrays)."""
    if isinstance(crc, np.ndarray):
        crc = crc.astype(np.uint64)
        return ((((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF).astype(np.uint32)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def frame(data: bytes) -> bytes:
    """One record in TFRecord framing (the inverse of the reader; used to write fixtures)."""
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", mask(crc32c(header))) + data + struct.pack("<I", mask(crc32c(data)))


def read_records(path: Path) -> Iterator[tuple[int, bytes]]:
    """(record number, data) of every record, CRCs checked; BenchmarkFileError on the first bad one."""
    path = Path(path)
    try:
        handle = open(path, "rb")
    except OSError as error:
        raise BenchmarkFileError(f"cannot read {path}: {error.strerror or error}") from None
    with handle:
        number = 0
        offset = 0
        while True:
            batch, offsets, headers, data_crcs, header_crcs = [], [], [], [], []
            while len(batch) < _BATCH:
                header = handle.read(_HEADER)
                if not header:
                    break
                if len(header) < _HEADER:
                    raise _error(path, number + len(batch), offset, "the file ends inside a record header (truncated)")
                (length,) = struct.unpack_from("<Q", header)
                body = handle.read(length + 4)
                if len(body) < length + 4:
                    raise _error(
                        path, number + len(batch), offset,
                        f"the record announces {length} bytes but the file ends after {max(len(body) - 4, 0)} (truncated)",
                    )
                batch.append(body[:length])
                offsets.append(offset)
                headers.append(header[:8])
                header_crcs.append(struct.unpack_from("<I", header, 8)[0])
                data_crcs.append(struct.unpack_from("<I", body, length)[0])
                offset += _HEADER + length + 4
            if not batch:
                return
            _check(path, number, offsets, headers, header_crcs, "length field")
            _check(path, number, offsets, batch, data_crcs, "data")
            for data in batch:
                yield number, data
                number += 1
            if len(batch) < _BATCH:
                return


def _check(path: Path, first: int, offsets: list[int], chunks: list[bytes], stored: list[int], what: str) -> None:
    expected = np.asarray(stored, dtype=np.uint32)
    bad = np.flatnonzero(mask(crc32c_batch(chunks)) != expected)
    if len(bad):
        index = int(bad[0])
        raise _error(path, first + index, offsets[index], f"the CRC of its {what} does not match (the file is corrupt)")


def _error(path: Path, number: int, offset: int, problem: str) -> BenchmarkFileError:
    return BenchmarkFileError(
        f"{path}: record {number} (byte offset {offset}): {problem}. Download the TFRecord file again"
    )
