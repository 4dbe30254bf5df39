"""NAS-Bench-101: cells, the benchmark's hash, importers and the HDF5 oracle store.

    from spaces.nb101 import NB101Cell, NB101Oracle, import_nb101, write_store

    table = import_nb101("nb101-108.csv.gz")          # or nasbench_only108.tfrecord
    write_store(table, data_dir / "benchmarks" / "nb101.h5")
    oracle = NB101Oracle.load(data_dir / "benchmarks" / "nb101.h5")
    oracle.accuracy("02e5a0247bbdcf2860b7e96f74961594", "test", 108)   # hash, row, cell, text, list
    oracle.lookup(matrix, ops)                         # prune, check, hash, find -> row
    oracle.available()                                 # columns present (with coverage) and absent (why)

Modules: cell (pruning, limits, hash_module), text (arch text forms), table
(columns and keys), tfrecord + metrics_proto (official file format without
TensorFlow), importers (CSV dump, TFRecord), oracle (store and lookups).
"""

from spaces.nb101.cell import NB101Cell, cell_hash
from spaces.nb101.importers import import_nb101, source_kind
from spaces.nb101.oracle import Availability, MissingValue, NB101Oracle, UnavailableQuantity, write_store
from spaces.nb101.table import ColumnKey
from spaces.nb101.text import parse_arch_text

__all__ = [
    "Availability",
    "ColumnKey",
    "MissingValue",
    "NB101Cell",
    "NB101Oracle",
    "UnavailableQuantity",
    "cell_hash",
    "import_nb101",
    "parse_arch_text",
    "source_kind",
    "write_store",
]
