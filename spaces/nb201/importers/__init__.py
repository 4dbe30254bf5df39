"""Importers that turn a NAS-Bench-201 source into an `ImportedTable` for the oracle store.

Accepted sources (`import_nb201` picks by what the path is):
- the CSV dump, `.csv` or `.csv.gz` (csv_dump);
- a NATS-Bench topology directory `NATS-tss-v1_0-3ffb9-simple` holding `meta.pickle.pbz2` (nats_tss);
- an official `NAS-Bench-201-v1_*.pth` file (nb201_pth; needs the nas-bench-201 package).
"""

from __future__ import annotations

from pathlib import Path

from spaces.errors import BenchmarkFileError
from spaces.nb201.importers.csv_dump import import_csv_dump
from spaces.nb201.importers.nats_tss import META_FILE, import_nats_directory, is_nats_directory
from spaces.nb201.importers.nb201_pth import import_nb201_pth
from spaces.nb201.importers.table import ImportedTable, Progress, no_progress

ACCEPTED_SOURCES = (
    "the NAS-Bench-201 CSV dump (.csv or .csv.gz, e.g. nb201-results.csv.gz)",
    f"a NATS-Bench topology directory NATS-tss-v1_0-3ffb9-simple (with {META_FILE} and one NNNNNN.pickle.pbz2 "
    "per architecture)",
    "an official NAS-Bench-201 file NAS-Bench-201-v1_1-096897.pth or NAS-Bench-201-v1_0-e61699.pth",
)


def source_kind(path: Path) -> str:
    """"csv", "nats-tss" or "nb201-pth"; BenchmarkFileError listing the accepted sources otherwise."""
    path = Path(path)
    if not path.exists():
        raise BenchmarkFileError(f"{path} does not exist. {_accepted()}")
    name = path.name.lower()
    if path.is_file() and (name.endswith(".csv") or name.endswith(".csv.gz")):
        return "csv"
    if is_nats_directory(path):
        return "nats-tss"
    if path.is_file() and name.endswith(".pth"):
        return "nb201-pth"
    if path.is_dir():
        raise BenchmarkFileError(f"{path} is a directory without {META_FILE}, so not a NATS-Bench topology directory. {_accepted()}")
    if name.endswith(".pickle.pbz2"):
        raise BenchmarkFileError(
            f"{path}: single-file NATS-Bench archives are not supported (they need tens of GB of RAM); "
            f"import the extracted NATS-tss-v1_0-3ffb9-simple directory instead. {_accepted()}"
        )
    raise BenchmarkFileError(f"{path}: not a NAS-Bench-201 source this harness can import. {_accepted()}")


def import_nb201(source_path: str | Path, progress: Progress = no_progress) -> ImportedTable:
    path = Path(source_path).expanduser()
    kind = source_kind(path)
    if kind == "csv":
        return import_csv_dump(path)
    if kind == "nats-tss":
        return import_nats_directory(path, progress)
    return import_nb201_pth(path, progress)


def _accepted() -> str:
    return "Accepted sources: " + "; ".join(ACCEPTED_SOURCES) + "."


__all__ = ["ACCEPTED_SOURCES", "ImportedTable", "Progress", "import_nb201", "no_progress", "source_kind"]
