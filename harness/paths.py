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
