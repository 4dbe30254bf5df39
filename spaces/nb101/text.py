"""Text forms of an NB101 cell, for `harness query --space nb101 --arch TEXT` and run records.

Two forms are accepted:

- a module hash: 32 hexadecimal characters, e.g. `02e5a0247bbdcf2860b7e96f74961594`;
- a cell: `matrix=ROW/ROW/...;ops=OP,OP,...` where each ROW is the 0/1 digits of
  one adjacency row (V rows of V digits) and the ops are the V vertex labels,
  e.g. (the Inception-like cell of nasbench/api.py's docstring)

      matrix=0111010/0000001/0000001/0000100/0000001/0000001/0000000;ops=input,conv1x1-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,maxpool3x3,output

  Whitespace around parts is ignored; the short op names conv3x3, conv1x1 and
  maxpool are accepted on input. `format_cell` writes the canonical form
  (official labels, no spaces), so parse(format(cell)) == cell.

The matrix is taken as written (not pruned): the oracle prunes it on lookup.
"""

from __future__ import annotations

import re

from spaces.errors import MalformedArchitecture
from spaces.nb101.cell import OP_ALIASES, OPS, NB101Cell

HASH_PATTERN = re.compile(r"[0-9a-f]{32}")
EXAMPLE = "matrix=0111010/0000001/0000001/0000100/0000001/0000001/0000000;ops=input,conv1x1-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,maxpool3x3,output"


def format_cell(cell: NB101Cell) -> str:
    rows = "/".join("".join(str(v) for v in row) for row in cell.matrix)
    return f"matrix={rows};ops={','.join(cell.ops)}"


def is_module_hash(text: str) -> bool:
    return isinstance(text, str) and HASH_PATTERN.fullmatch(text.strip().lower()) is not None


def parse_arch_text(text: str) -> str | NB101Cell:
    """A module hash (lower-case str) or an NB101Cell; MalformedArchitecture saying what is wrong."""
    if not isinstance(text, str):
        raise MalformedArchitecture(f"an NB101 architecture text is a string, got {type(text).__name__}")
    if is_module_hash(text):
        return text.strip().lower()
    return parse_cell(text)


def parse_cell(text: str) -> NB101Cell:
    shown = text if len(text) <= 160 else text[:157] + "..."
    parts = {}
    for part in text.strip().split(";"):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in ("matrix", "ops"):
            raise MalformedArchitecture(
                f"malformed NB101 architecture {shown!r}: expected a 32-hex module hash or "
                f"'matrix=ROW/ROW/...;ops=OP,OP,...', e.g. {EXAMPLE}"
            )
        if key in parts:
            raise MalformedArchitecture(f"malformed NB101 architecture {shown!r}: {key!r} is given twice")
        parts[key] = value.strip()
    missing = [key for key in ("matrix", "ops") if key not in parts]
    if missing:
        raise MalformedArchitecture(f"malformed NB101 architecture {shown!r}: no {missing[0]}= part")
    rows = [row.strip() for row in parts["matrix"].split("/")]
    for index, row in enumerate(rows):
        if not row or set(row) - {"0", "1"}:
            raise MalformedArchitecture(
                f"malformed NB101 architecture {shown!r}: matrix row {index} is {row!r}; rows are 0/1 digits "
                f"separated by '/'"
            )
        if len(row) != len(rows):
            raise MalformedArchitecture(
                f"malformed NB101 architecture {shown!r}: the matrix has {len(rows)} rows, so every row needs "
                f"{len(rows)} digits; row {index} has {len(row)}"
            )
    ops = [op.strip() for op in parts["ops"].split(",")]
    unknown = [op for op in ops[1:-1] if op not in OPS and op not in OP_ALIASES]
    if unknown:
        raise MalformedArchitecture(
            f"malformed NB101 architecture {shown!r}: unknown op {unknown[0]!r}; ops are "
            f"{', '.join(OPS)} (or {', '.join(OP_ALIASES)}) between input and output"
        )
    return NB101Cell(tuple(tuple(int(c) for c in row) for row in rows), tuple(ops))
