"""NAS-Bench-201 as a benchmark store: import from the official sources, describe what a store holds."""

from __future__ import annotations

from pathlib import Path

from spaces.benchmark import Benchmark, ImportResult
from spaces.nb201.conventions import EPOCH_BUDGETS, PAPER_DATASETS, PAPER_SPLIT_NAMES, PAPER_SPLITS
from spaces.nb201.importers import ACCEPTED_SOURCES, import_nb201, source_kind
from spaces.nb201.oracle import NB201Oracle, write_store
from spaces.nb201.packaged import PACKAGED_STORE

_SLOW_SOURCES = {
    "nats-tss": "reading 15625 record files takes a few minutes",
    "nb201-pth": "torch loads the whole file first: minutes, and several times the file's size in RAM",
}


def import_into(source: Path, target: Path, progress, announce) -> ImportResult:
    kind = source_kind(source)
    note = f" ({_SLOW_SOURCES[kind]})" if kind in _SLOW_SOURCES else ""
    announce(f"importing NAS-Bench-201 from {source} [{kind}]{note}")
    table = import_nb201(source, progress=lambda items, total, description: progress(items, total, description))
    replacing = target.exists()
    write_store(table, target)
    oracle = NB201Oracle.load(target)  # read back: what we report is what a search will see
    size_mb = target.stat().st_size / 1e6
    lines = [f"{'replaced' if replacing else 'wrote'} {target} ({size_mb:.1f} MB): {oracle.metadata['num_archs']} "
             f"architectures, {len(oracle.available())} accuracy columns, source sha256 "
             f"{oracle.metadata['source_sha256']}"]
    lines += [f"  note: {note}" for note in oracle.metadata["import_notes"]]
    lines.append("optimum per paper column:")
    lines += [f"  {line}" for line in optimum_lines(oracle)]
    return ImportResult(lines)


def optimum_lines(oracle: NB201Oracle) -> list[str]:
    held = set(oracle.available())
    lines = []
    for dataset in PAPER_DATASETS:
        for split in PAPER_SPLIT_NAMES:
            bench_dataset, bench_split = PAPER_SPLITS[(dataset, split)]
            column = f"{dataset:<15} {split:<5} {'(' + bench_dataset + ' ' + bench_split + ')':<25}"
            for epochs in EPOCH_BUDGETS:
                if (bench_dataset, bench_split, epochs) not in held:
                    lines.append(f"{column} {epochs:>3} epochs: not in the source")
                    continue
                best, index = oracle.optimum(bench_dataset, bench_split, epochs)
                lines.append(f"{column} {epochs:>3} epochs: {best:.4f} at index {index:>5} {oracle.arch_at(index)}")
    return lines


def describe(store: Path) -> list[str]:
    oracle = NB201Oracle.load(store)
    meta = oracle.metadata
    lines = [
        f"source: {meta['source_kind']} {meta['source_path']}",
        f"source sha256: {meta['source_sha256']}",
        f"created: {meta['created_utc']}",
        "accuracy: " + ", ".join(f"{d} {s} {e}" for d, s, e in oracle.available()),
        "params_mb: " + (", ".join(oracle.available_params()) or "none"),
        "train_seconds: " + (", ".join(f"{d} {e}" for d, e in oracle.available_train_seconds()) or "none"),
        "seeds: " + (", ".join(f"{d} {e}" for d, e in oracle.available_seeds()) or "none"),
    ]
    return lines + [f"note: {note}" for note in meta["import_notes"]]


NB201_BENCHMARK = Benchmark(
    name="nb201",
    file_name="nb201.h5",
    summary="NAS-Bench-201: accuracies of all 15,625 cells on CIFAR-10, CIFAR-100, ImageNet16-120",
    accepted_sources=ACCEPTED_SOURCES,
    check_source=source_kind,
    import_into=import_into,
    describe=describe,
    packaged=PACKAGED_STORE,
)
