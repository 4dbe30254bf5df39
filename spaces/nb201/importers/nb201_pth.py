"""Import an official NAS-Bench-201 file (`NAS-Bench-201-v1_0-e61699.pth`, `-v1_1-096897.pth`).

The file is a torch-saved dict: `meta_archs` (the 15625 arch strings in index
order), `arch2infos` (index -> {'full': ..., 'less': ...}, each the state of an
official `ArchResults`) and `evaluated_indexes`. `full` is the 200-epoch
training and `less` the 12-epoch one (v1_0's `less` has cifar10-valid only).
Each state is rebuilt with the official classes (`ArchResults.create_from_state_dict`;
`pip install dnas-harness[nas-bench-201]`), so seeds, trials and epoch counts
are read the way the official API reads them; the accuracy is the final-epoch
value averaged over the seeds, as `get_metrics(..., is_random=False)` returns it.

The official files are several GB and torch unpickles all of it at once.
"""

from __future__ import annotations

import math
import pickle
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from spaces.errors import BenchmarkFileError, UserError
from spaces.nb201.conventions import BENCHMARK_SPLITS
from spaces.nb201.importers.provenance import sha256_file
from spaces.nb201.importers.table import (
    ArchRecord,
    ImportedTable,
    Progress,
    SourceInfo,
    TableBuilder,
    no_progress,
    require_complete,
)

BUDGETS = (("full", 200), ("less", 12))
_COMPLETE_HINT = "use the complete official NAS-Bench-201-v1_1-096897.pth (or v1_0-e61699.pth)"


def official_classes():
    """nas_201_api's ArchResults, imported only when a .pth file is read."""
    try:
        from nas_201_api.api_utils import ArchResults
    except ImportError:
        raise UserError(
            "reading an official NAS-Bench-201 .pth file needs the nas-bench-201 package: "
            "pip install 'dnas-harness[nas-bench-201]' (or pip install nas-bench-201)"
        ) from None
    return ArchResults


def import_nb201_pth(path: Path, progress: Progress = no_progress) -> ImportedTable:
    path = Path(path)
    official_classes()  # fail on the missing dependency before a minutes-long load
    data = load_pth(path)
    arch2infos = data["arch2infos"]
    require_complete(arch2infos.keys(), source=str(path), what="results", hint=_COMPLETE_HINT)
    builder = TableBuilder(data["meta_archs"], source=str(path))
    for record in progress(read_pth_records(arch2infos, path), len(arch2infos), "reading NAS-Bench-201 results"):
        builder.add(record)
    source = SourceInfo(kind="nb201-pth", path=str(path.resolve()), sha256=sha256_file(path))
    return builder.finish(source, hint=_COMPLETE_HINT)


def load_pth(path: Path) -> dict[str, Any]:
    """The file's dict, checked for the three keys of the official format."""
    import torch

    try:
        # weights_only=False: the official files are pickles of plain Python and
        # numpy objects written before torch's safe loader existed. Like the
        # official API, this trusts the file: import only files you downloaded.
        data = torch.load(path, map_location="cpu", weights_only=False)
    except FileNotFoundError:
        raise BenchmarkFileError(f"{path} does not exist") from None
    except (pickle.UnpicklingError, zipfile.BadZipFile, EOFError, RuntimeError, OSError, ValueError) as error:
        raise BenchmarkFileError(
            f"{path}: not a readable torch file ({type(error).__name__}: {error}); the file is corrupt or "
            f"truncated, download it again"
        ) from None
    missing = [key for key in ("meta_archs", "arch2infos", "evaluated_indexes") if not (isinstance(data, dict) and key in data)]
    if missing:
        raise BenchmarkFileError(
            f"{path}: lacks {', '.join(missing)}; not an official NAS-Bench-201 benchmark file"
        )
    if not isinstance(data["arch2infos"], Mapping) or not isinstance(data["meta_archs"], (list, tuple)):
        raise BenchmarkFileError(f"{path}: 'arch2infos' must be a dict and 'meta_archs' a list")
    return data


def read_pth_records(arch2infos: Mapping[int, Any], path: Path) -> Iterator[ArchRecord]:
    """One ArchRecord per architecture present, in index order (completeness is the caller's check)."""
    ArchResults = official_classes()
    for index in sorted(arch2infos):
        try:
            yield _record(int(index), arch2infos[index], ArchResults, path)
        except (KeyError, TypeError, AttributeError, ValueError, AssertionError) as error:
            raise BenchmarkFileError(
                f"{path}: architecture {index} has an unexpected structure ({type(error).__name__}: {error})"
            ) from None


def _record(index: int, info: Mapping[str, Any], ArchResults, path: Path) -> ArchRecord:
    record: ArchRecord | None = None
    for key, epochs in BUDGETS:
        if key not in info:
            continue
        results = ArchResults.create_from_state_dict(info[key])
        if record is None:
            record = ArchRecord(index=int(results.arch_index), arch=str(results.arch_str))
        if int(results.arch_index) != index or results.arch_str != record.arch:
            raise BenchmarkFileError(
                f"{path}: arch2infos[{index}] describes architecture {results.arch_index} ({results.arch_str})"
            )
        for dataset in results.get_dataset_names():
            if dataset in BENCHMARK_SPLITS:
                _summarise(results, dataset, epochs, key, record, path)
    if record is None:
        raise BenchmarkFileError(f"{path}: arch2infos[{index}] has neither 'full' nor 'less' results")
    return record


def _summarise(results, dataset: str, epochs: int, key: str, record: ArchRecord, path: Path) -> None:
    """Seed means of the final epoch, as `get_metrics(dataset, split, is_random=False)` computes them.

    We read the trials' `eval_acc1es` ('<split>@<epoch>') ourselves because
    get_metrics also sums every epoch's evaluation time, which makes a full
    import minutes slower; the averaging rule is the same.
    """
    total = results.get_total_epoch(dataset)
    if total != epochs:
        raise BenchmarkFileError(
            f"{path}: arch2infos[{record.index}]['{key}'] should be the {epochs}-epoch training, "
            f"but {dataset} was trained for {total} epochs"
        )
    trials = list(results.query(dataset).values())  # one ResultsCount per seed in dataset_seed
    for split in BENCHMARK_SPLITS[dataset]:
        name = f"{split}@{epochs - 1}"
        # As in the official API: a split counts only when every seed evaluated it.
        if all(name in trial.eval_acc1es for trial in trials):
            record.accuracy[(dataset, split, epochs)] = _mean([trial.eval_acc1es[name] for trial in trials])
    record.seeds[(dataset, epochs)] = len(trials)
    if all(isinstance(trial.train_times, Mapping) for trial in trials):
        record.train_seconds[(dataset, epochs)] = _mean(
            [math.fsum(trial.train_times[e] for e in range(epochs)) for trial in trials]
        )
    # 'full' comes first: params (the same network for both budgets) from the main run.
    record.params_mb.setdefault(dataset, _mean([trial.params for trial in trials]))


def _mean(values: list) -> float:
    return math.fsum(float(v) for v in values) / len(values)
