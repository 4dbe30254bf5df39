"""NAS-Bench-301 as a benchmark store (`harness data import nb301 --from PATH/nb_models_1.0`).

The store is a JSON record naming the official model files in place, with their sha256 (importer.py
says why they are not copied); the DARTS-family spaces that NB301 can encode load their oracle from it.
"""

from __future__ import annotations

import json
from pathlib import Path

from spaces.benchmark import Benchmark, ImportResult
from spaces.darts.nb301.importer import RECORD_RELATIVE_PATH, import_nb301, models_version
from spaces.darts.nb301.oracle import NB301Oracle
from spaces.errors import BenchmarkFileError
from spaces.store_file import replaced_atomically


def check_source(source: Path) -> str:
    root = source.resolve()
    if not root.is_dir():
        raise BenchmarkFileError(f"{root} is not a directory; NAS-Bench-301 imports the official model directory "
                                 f"nb_models_1.0/ (from nasbench301_models_v1_0.zip)")
    return models_version(root)


def import_into(source: Path, target: Path, progress, announce) -> ImportResult:
    announce(f"importing NAS-Bench-301 from {source}: every member is loaded and checked on a probe genotype, "
             f"and every file hashed (tens of seconds)")
    record = import_nb301(source)
    replacing = target.exists()
    with replaced_atomically(target) as tmp:
        tmp.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    oracle = NB301Oracle.load(target)  # read back: what we report is what a search will see
    lines = [f"{'replaced' if replacing else 'wrote'} {target}: the model files stay in {record['source_dir']} "
             f"(recorded with their sha256; moving or changing them makes the oracle refuse to load)"]
    return ImportResult(lines + _oracle_lines(oracle))


def describe(store: Path) -> list[str]:
    oracle = NB301Oracle.load(store)
    return [f"source: {oracle.record['source_dir']}", f"created: {oracle.record['created_utc']}",
            *_oracle_lines(oracle)]


def _oracle_lines(oracle: NB301Oracle) -> list[str]:
    record = oracle.record
    runtime = oracle.runtime_ensemble.name if oracle.has_runtime else "none (no lgb_runtime directory)"
    lines = [f"accuracy surrogate: {oracle.surrogate} (CIFAR-10 validation accuracy, mean of the members)",
             f"runtime surrogate: {runtime}",
             "libraries: " + ", ".join(f"{name} {version}" for name, version in sorted(record["libraries"].items()))]
    lines += [f"not imported: {entry['directory']}: {entry['reason']}" for entry in record.get("not_imported", ())]
    return lines


NB301_BENCHMARK = Benchmark(
    name="nb301",
    file_name=RECORD_RELATIVE_PATH.name,
    summary="NAS-Bench-301: the surrogate ensemble scoring DARTS-space genotypes on CIFAR-10",
    accepted_sources=("the official model directory nb_models_1.0/ (xgb_v1.0/, optionally lgb_runtime_v1.0/)",),
    check_source=check_source,
    import_into=import_into,
    describe=describe,
)
