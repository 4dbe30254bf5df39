"""What a benchmark store offers the data commands: import, load, describe (`harness data import|info`).

A benchmark is the table (or surrogate) that scores a space's architectures. Its store lives at
<data-dir>/benchmarks/<file_name>; a space names its benchmark (SearchSpace.oracle_benchmark) and
loads its oracle from that store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

ProgressBar = Callable[..., Any]  # (items, total, description) -> iterable, as tqdm


@dataclass(frozen=True)
class ImportResult:
    lines: list[str]  # what `harness data import` prints after writing the store


@dataclass(frozen=True)
class Benchmark:
    name: str
    file_name: str
    summary: str
    accepted_sources: tuple[str, ...]
    check_source: Callable[[Path], Any]  # BenchmarkFileError naming the accepted sources when `source` is none
    # (source, target store, progress bar) -> what to print; writes the store atomically; announces slow work
    import_into: Callable[[Path, Path, ProgressBar, Callable[[str], None]], ImportResult]
    # target store -> lines for `harness data info` (raises BenchmarkFileError when unusable)
    describe: Callable[[Path], list[str]]
    # a store shipped inside the package, used when the data directory has none of its own
    packaged: Path | None = None
