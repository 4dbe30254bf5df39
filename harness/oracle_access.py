"""The oracle at search time: optional, announced once when missing."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from harness.paths import benchmark_store
from spaces.registry import get_space


def load_oracle_if_present(space_name: str, data_root: Path, log: Callable[[str], None]):
    """The space's oracle, or None (with one clear message) when its store is not installed.

    A store that exists but cannot be read is an error, not a silent None.
    """
    path = benchmark_store(data_root, space_name)
    if not path.exists():
        log(f"note: no {space_name} oracle at {path}; the search runs and records architectures, but the "
            f"accuracy and regret columns are missing. Import the benchmark with "
            f"`harness data import {space_name} --from PATH` (see data/README.md); `harness report` fills "
            f"the columns in later.")
        return None
    return get_space(space_name).oracle(path)
