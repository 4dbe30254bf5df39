"""NAS-Bench-101 as a benchmark store (`harness data import nb101 --from PATH`), the oracle of NAS-Bench-1Shot1.

The import writes the store (oracle.py), then caches in it the NB101 row of every configuration of
the three 1Shot1 spaces (spaces/nb1shot1/oracle.py write_space_rows), so a 1Shot1 search opens its
oracle without enumerating its space.
"""

from __future__ import annotations

from pathlib import Path

from spaces.benchmark import Benchmark, ImportResult
from spaces.nb101.importers import ACCEPTED_SOURCES, import_nb101, source_kind
from spaces.nb101.oracle import STORE_NAME, NB101Oracle, write_store
from spaces.nb101.table import ColumnKey

_SLOW_SOURCES = {
    "csv": "parsing 423,624 rows takes about a minute",
    "tfrecord": "reading 1.3 million training records takes several minutes",
}
TEST_108 = ColumnKey("accuracy", "test", 108, "mean")


def import_into(source: Path, target: Path, progress, announce) -> ImportResult:
    from spaces.nb1shot1.oracle import CACHE_GROUP, write_space_rows  # 1Shot1 builds on this package

    kind = source_kind(source)
    announce(f"importing NAS-Bench-101 from {source} [{kind}] ({_SLOW_SOURCES[kind]}), then the rows of the "
             f"NAS-Bench-1Shot1 spaces")
    table = import_nb101(source, progress=lambda items, total, description: progress(items, total, description))
    replacing = target.exists()
    write_store(table, target)
    write_space_rows(target)
    oracle = NB101Oracle.load(target)  # read back: what we report is what a search will see
    size_mb = target.stat().st_size / 1e6
    lines = [f"{'replaced' if replacing else 'wrote'} {target} ({size_mb:.1f} MB): {oracle.num_cells:,} cells, "
             f"source sha256 {oracle.metadata['source_sha256']}; NAS-Bench-1Shot1 rows cached under /{CACHE_GROUP}"]
    lines += [f"  note: {note}" for note in oracle.metadata["import_notes"]]
    return ImportResult(lines + _column_lines(oracle))


def describe(store: Path) -> list[str]:
    from spaces.nb1shot1.oracle import CACHE_GROUP
    from spaces.nb1shot1.spaces import SPACES

    oracle = NB101Oracle.load(store)
    meta = oracle.metadata
    lines = [
        f"source: {meta['source_kind']} {meta['source_path']}",
        f"source sha256: {meta['source_sha256']}",
        f"created: {meta['created_utc']}",
        f"cells: {oracle.num_cells:,}",
    ]
    lines += _column_lines(oracle)
    cached = _cached_spaces(store, CACHE_GROUP)
    names = ", ".join(SPACES[number].name for number in sorted(cached)) or "none"
    lines.append(f"NAS-Bench-1Shot1 rows cached for: {names}")
    return lines + [f"note: {note}" for note in meta["import_notes"]]


def _column_lines(oracle: NB101Oracle) -> list[str]:
    availability = oracle.available()
    lines = ["columns: " + "; ".join(str(info) for info in availability.present)]
    if TEST_108 in {info.key for info in availability.present}:
        best, row = oracle.optimum("test", 108)
        lines.append(f"optimum {TEST_108}: {best:.6f} at row {row} ({oracle.hash_at(row)})")
    absent_valid = [f"{key}: {reason}" for key, reason in availability.absent
                    if key.split == "valid" and key.statistic == "mean" and key.epochs == 108]
    lines += [f"absent: {line}" for line in absent_valid]
    return lines


def _cached_spaces(store: Path, group: str) -> set[int]:
    import h5py

    with h5py.File(store, "r") as handle:
        cache = handle.get(group)
        if cache is None:
            return set()
        return {int(name.removeprefix("s")) for name in cache if name.startswith("s") and name[1:].isdigit()}


NB101_BENCHMARK = Benchmark(
    name="nb101",
    file_name=STORE_NAME,
    summary="NAS-Bench-101: accuracies of all 423,624 cells on CIFAR-10 (the oracle of NAS-Bench-1Shot1)",
    accepted_sources=ACCEPTED_SOURCES,
    check_source=source_kind,
    import_into=import_into,
    describe=describe,
)
