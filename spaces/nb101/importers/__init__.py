"""Importers that turn a NAS-Bench-101 source into an `NB101Table` for the oracle store.

Accepted sources (`import_nb101` picks by the file name, then checks the content):
- the CSV dump `nb101-108.csv.gz` / `.csv` (csv_dump): mean test accuracy, params, single-repeat validation;
- an official TFRecord, `nasbench_only108.tfrecord` or `nasbench_full.tfrecord` (tfrecord_import):
  every repeat, so means of train/validation/test accuracy and training time.
"""

from __future__ import annotations

from pathlib import Path

from spaces.errors import BenchmarkFileError
from spaces.nb101.importers.csv_dump import import_csv_dump
from spaces.nb101.importers.tfrecord_import import import_tfrecord
from spaces.nb101.table import NUM_CELLS, NB101Table, Progress, no_progress

ACCEPTED_SOURCES = (
    "the NAS-Bench-101 CSV dump (.csv or .csv.gz, e.g. nb101-108.csv.gz)",
    "an official NAS-Bench-101 TFRecord file (.tfrecord: nasbench_only108.tfrecord or nasbench_full.tfrecord)",
)


def source_kind(path: Path) -> str:
    """"csv" or "tfrecord"; BenchmarkFileError listing the accepted sources otherwise."""
    path = Path(path)
    if not path.exists():
        raise BenchmarkFileError(f"{path} does not exist. {_accepted()}")
    if not path.is_file():
        raise BenchmarkFileError(f"{path} is not a file. {_accepted()}")
    name = path.name.lower()
    if name.endswith(".csv") or name.endswith(".csv.gz"):
        return "csv"
    if name.endswith(".tfrecord") or name.endswith(".tfrecords"):
        return "tfrecord"
    raise BenchmarkFileError(f"{path}: not a NAS-Bench-101 source this harness can import. {_accepted()}")


def import_nb101(source: str | Path, progress: Progress | None = None, expected_cells: int | None = NUM_CELLS) -> NB101Table:
    """The table of a CSV dump or official TFRecord; `expected_cells=None` accepts a partial benchmark (tests)."""
    path = Path(source).expanduser()
    if source_kind(path) == "csv":
        return import_csv_dump(path, expected_cells=expected_cells)
    return import_tfrecord(path, progress or no_progress, expected_cells=expected_cells)


def _accepted() -> str:
    return "Accepted sources: " + "; ".join(ACCEPTED_SOURCES) + "."


__all__ = ["ACCEPTED_SOURCES", "NB101Table", "import_nb101", "source_kind"]
