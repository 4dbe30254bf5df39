"""Where benchmark stores and datasets live (DESIGN.md, "Data")."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """`--data-dir`, else $HARNESS_DATA, else a per-user cache directory."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get("HARNESS_DATA"):
        return Path(os.environ["HARNESS_DATA"]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "dnas-harness"


def benchmark_store(data_root: Path, benchmark: str) -> Path:
    """Where `harness data import <benchmark>` puts its store."""
    from spaces.registry import get_benchmark

    return data_root / "benchmarks" / get_benchmark(benchmark).file_name


def store_in_use(data_root: Path, benchmark: str) -> Path:
    """The store lookups read: the data directory's own, else the one shipped in the package (when the
    benchmark has one), else the data directory's path (which does not exist: callers say so)."""
    from spaces.registry import get_benchmark

    own = benchmark_store(data_root, benchmark)
    packaged = get_benchmark(benchmark).packaged
    if own.exists() or packaged is None or not packaged.exists():
        return own
    return packaged
