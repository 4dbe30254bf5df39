"""Decode NAS-Bench-101's ModelMetrics protobuf from its wire format (no protobuf dependency).

Schema (google-research/nasbench nasbench/lib/model_metrics.proto, proto2):

    message ModelMetrics {
      repeated EvaluationData evaluation_data = 1;   // length-delimited
      optional int32 trainable_parameters = 2;       // varint
      optional double total_time = 3;                // fixed64
    }
    message EvaluationData {
      optional double current_epoch = 1;             // all doubles: fixed64
      optional double training_time = 2;
      optional double train_accuracy = 3;
      optional double validation_accuracy = 4;
      optional double test_accuracy = 5;
      optional string checkpoint_path = 6;           // length-delimited
    }

Wire format: each field is a varint key (field_number << 3 | wire_type) then
a value: wire type 0 varint, 1 eight little-endian bytes, 2 varint length +
bytes, 5 four bytes. Unknown fields are skipped, as protobuf parsers do.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

VARINT, FIXED64, LENGTH_DELIMITED, FIXED32 = 0, 1, 2, 5
_DOUBLE = struct.Struct("<d")


class ProtobufError(ValueError):
    """Bytes that are not a well-formed message of the expected schema."""


@dataclass
class EvaluationData:
    current_epoch: float | None = None
    training_time: float | None = None
    train_accuracy: float | None = None
    validation_accuracy: float | None = None
    test_accuracy: float | None = None
    checkpoint_path: str | None = None


@dataclass
class ModelMetrics:
    evaluation_data: list[EvaluationData] = field(default_factory=list)
    trainable_parameters: int | None = None
    total_time: float | None = None


_EVALUATION_DOUBLES = {1: "current_epoch", 2: "training_time", 3: "train_accuracy", 4: "validation_accuracy", 5: "test_accuracy"}


def read_varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if position >= len(data):
            raise ProtobufError("a varint runs past the end of the message")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7
        if shift > 63:
            raise ProtobufError("a varint is longer than 10 bytes")


def iter_fields(data: bytes):
    """(field number, wire type, value) with value an int (varint), bytes (fixed / length-delimited)."""
    position = 0
    while position < len(data):
        key, position = read_varint(data, position)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise ProtobufError("field number 0 is not allowed")
        if wire_type == VARINT:
            value, position = read_varint(data, position)
        elif wire_type in (FIXED64, FIXED32):
            size = 8 if wire_type == FIXED64 else 4
            value, position = data[position : position + size], position + size
            if len(value) < size:
                raise ProtobufError(f"field {number}: a fixed-width value runs past the end of the message")
        elif wire_type == LENGTH_DELIMITED:
            size, position = read_varint(data, position)
            value, position = data[position : position + size], position + size
            if len(value) < size:
                raise ProtobufError(f"field {number}: {size} bytes announced, fewer left")
        else:
            raise ProtobufError(f"field {number} has wire type {wire_type}, which this schema never uses")
        yield number, wire_type, value


def _expect(number: int, wire_type: int, wanted: int, message: str) -> None:
    if wire_type != wanted:
        raise ProtobufError(f"{message} field {number} has wire type {wire_type}, the schema says {wanted}")


def parse_model_metrics(data: bytes) -> ModelMetrics:
    metrics = ModelMetrics()
    for number, wire_type, value in iter_fields(data):
        if number == 1:
            _expect(number, wire_type, LENGTH_DELIMITED, "ModelMetrics")
            metrics.evaluation_data.append(parse_evaluation_data(value))
        elif number == 2:
            _expect(number, wire_type, VARINT, "ModelMetrics")
            # int32: negative values are sign-extended to 64 bits on the wire
            metrics.trainable_parameters = value - (1 << 64) if value >= 1 << 63 else value
        elif number == 3:
            _expect(number, wire_type, FIXED64, "ModelMetrics")
            metrics.total_time = _DOUBLE.unpack(value)[0]
    return metrics


def parse_evaluation_data(data: bytes) -> EvaluationData:
    evaluation = EvaluationData()
    for number, wire_type, value in iter_fields(data):
        name = _EVALUATION_DOUBLES.get(number)
        if name is not None:
            _expect(number, wire_type, FIXED64, "EvaluationData")
            setattr(evaluation, name, _DOUBLE.unpack(value)[0])
        elif number == 6:
            _expect(number, wire_type, LENGTH_DELIMITED, "EvaluationData")
            evaluation.checkpoint_path = value.decode("utf-8", errors="replace")
    return evaluation
