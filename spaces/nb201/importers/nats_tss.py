"""Import a NATS-Bench topology directory (`NATS-tss-v1_0-3ffb9-simple`).

Layout: `meta.pickle.pbz2` (a dict whose `meta_archs` lists the 15625 arch
strings in official index order) and one `NNNNNN.pickle.pbz2` per architecture
(bz2-compressed pickles). A record maps the training budget (`'12'`, `'200'`) to
the state of the official `ArchResults`: `dataset_seed` (dataset -> seeds
trained) and `all_results[(dataset, seed)]`, one trial each, whose
`eval_acc1es` is keyed `'<split>@<epoch>'`. At 200 epochs cifar100 and
ImageNet16-120 evaluate x-valid/x-test only after the last epoch, so the final
epoch is the one every split has.

We average the final-epoch accuracy over the seeds, as the official API does
with `is_random=False`. The records hold only builtins and numpy scalars, so
no NATS-Bench package is needed to read them. Unpickling runs code from the
file: import only benchmark files you downloaded yourself, as with the
official API, which unpickles the same files.
"""

from __future__ import annotations

import bz2
import math
import pickle
import re
from pathlib import Path
from typing import Any

from spaces.errors import BenchmarkFileError
from spaces.nb201.conventions import BENCHMARK_SPLITS, EPOCH_BUDGETS
from spaces.nb201.encoding import NUM_ARCHS
from spaces.nb201.importers.provenance import sha256_bytes, sha256_listing
from spaces.nb201.importers.table import (
    ArchRecord,
    ImportedTable,
    Progress,
    SourceInfo,
    TableBuilder,
    no_progress,
    require_complete,
)

META_FILE = "meta.pickle.pbz2"
_RECORD_NAME = re.compile(r"(\d+)\.pickle\.pbz2")
_COMPLETE_HINT = (
    "download and extract the complete NATS-tss-v1_0-3ffb9-simple archive "
    "(one NNNNNN.pickle.pbz2 per architecture) and import that directory"
)


def is_nats_directory(path: Path) -> bool:
    return path.is_dir() and (path / META_FILE).is_file()


def import_nats_directory(directory: Path, progress: Progress = no_progress) -> ImportedTable:
    directory = Path(directory)
    meta_bytes = _read(directory / META_FILE)
    meta = _unpickle(meta_bytes, directory / META_FILE)
    meta_archs = meta.get("meta_archs") if isinstance(meta, dict) else None
    if not isinstance(meta_archs, list):
        raise BenchmarkFileError(f"{directory / META_FILE}: no 'meta_archs' list; is this a NATS-Bench topology meta file?")
    files = record_files(directory)
    # Checked before reading any record: reading all of them takes minutes.
    require_complete(files.keys(), source=str(directory), what="record files", hint=_COMPLETE_HINT, name_of=_file_name)

    builder = TableBuilder(meta_archs, source=str(directory / META_FILE))
    digests = [(META_FILE, sha256_bytes(meta_bytes))]
    for index in progress(sorted(files), len(files), "reading NATS-Bench records"):
        path = files[index]
        raw = _read(path)
        digests.append((path.name, sha256_bytes(raw)))
        record = parse_nats_record(raw, path)
        if record.index != index:
            raise BenchmarkFileError(f"{path}: holds architecture {record.index}, but its file name says {index}")
        builder.add(record, origin=str(path))
    source = SourceInfo(kind="nats-tss", path=str(directory.resolve()), sha256=sha256_listing(digests))
    return builder.finish(source, hint=_COMPLETE_HINT, name_of=_file_name)


def record_files(directory: Path) -> dict[int, Path]:
    """Architecture index -> record file (the official names are 000123.pickle.pbz2; 123.pickle.pbz2 also occurs)."""
    files: dict[int, Path] = {}
    for path in directory.iterdir():
        match = _RECORD_NAME.fullmatch(path.name)
        if not match:
            continue
        index = int(match.group(1))
        if index >= NUM_ARCHS:
            raise BenchmarkFileError(f"{path}: index {index} is outside 0..{NUM_ARCHS - 1}; not a NAS-Bench-201 record")
        if index in files:
            raise BenchmarkFileError(f"{directory}: both {files[index].name} and {path.name} claim architecture {index}")
        files[index] = path
    return files


def read_nats_record(path: Path) -> ArchRecord:
    """Seed means of one architecture's record file, per (dataset, split, epochs)."""
    path = Path(path)
    return parse_nats_record(_read(path), path)


def parse_nats_record(raw: bytes, path: Path) -> ArchRecord:
    data = _unpickle(raw, path)
    try:
        budgets = {hp: results for hp, results in data.items() if _budget(hp) is not None}
        if not budgets:
            raise BenchmarkFileError(f"{path}: no results for a {' or '.join(map(str, EPOCH_BUDGETS))}-epoch budget")
        first = next(iter(budgets.values()))
        record = ArchRecord(index=int(first["arch_index"]), arch=str(first["arch_str"]))
        # 200 first, so params (the same network for both budgets) come from the main run.
        for hp in sorted(budgets, key=lambda key: -_budget(key)):
            _summarise_budget(budgets[hp], _budget(hp), record, path)
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise BenchmarkFileError(
            f"{path}: unexpected record structure ({type(error).__name__}: {error}); expected the "
            f"NATS-tss-v1_0-3ffb9-simple format"
        ) from None
    return record


def _summarise_budget(results: dict[str, Any], epochs: int, record: ArchRecord, path: Path) -> None:
    if int(results["arch_index"]) != record.index or results["arch_str"] != record.arch:
        raise BenchmarkFileError(f"{path}: its budgets describe different architectures")
    last = epochs - 1
    for dataset, seeds in results["dataset_seed"].items():
        if dataset not in BENCHMARK_SPLITS or not seeds:
            continue
        trials = [results["all_results"][(dataset, seed)] for seed in seeds]
        for trial in trials:
            if int(trial["epochs"]) != epochs:
                raise BenchmarkFileError(
                    f"{path}: the {epochs}-epoch results of {dataset} hold a {trial['epochs']}-epoch trial"
                )
        for split in BENCHMARK_SPLITS[dataset]:
            key = f"{split}@{last}"
            # Like the official API: a split is reported only when every seed evaluated it.
            if all(key in trial["eval_acc1es"] for trial in trials):
                record.accuracy[(dataset, split, epochs)] = _mean([t["eval_acc1es"][key] for t in trials])
        record.seeds[(dataset, epochs)] = len(trials)
        if all(trial.get("train_times") for trial in trials):
            totals = [sum(trial["train_times"][e] for e in range(epochs)) for trial in trials]
            record.train_seconds[(dataset, epochs)] = _mean(totals)
        record.params_mb.setdefault(dataset, _mean([trial["params"] for trial in trials]))


def _mean(values: list) -> float:
    # fsum: exactly rounded, and far cheaper than numpy for two or three values (15625 records)
    return math.fsum(float(v) for v in values) / len(values)


def _budget(hp: Any) -> int | None:
    """Epochs of a record's budget key ('12', '200'); None for anything else."""
    text = str(hp)
    return int(text) if text.isdigit() and int(text) in EPOCH_BUDGETS else None


def _file_name(index: int) -> str:
    return f"{index:06d}.pickle.pbz2"


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BenchmarkFileError(f"{path} does not exist") from None
    except OSError as error:
        raise BenchmarkFileError(f"cannot read {path}: {error.strerror or error}") from None


def _unpickle(raw: bytes, path: Path) -> Any:
    try:
        return pickle.loads(bz2.decompress(raw))
    except (OSError, EOFError, ValueError, ImportError, AttributeError, pickle.UnpicklingError) as error:
        raise BenchmarkFileError(
            f"{path}: not a readable bz2-compressed pickle ({error}); the file is corrupt or truncated, download it again"
        ) from None
