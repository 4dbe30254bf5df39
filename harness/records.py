"""Run records on disk (DESIGN.md, "A run, as data flows").

runs/<space>/<dataset>/<method>/<config-hash>/seed-<k>/
    config.json     resolved config + versions, git revision, device
    epochs.jsonl    one JSON object per finished epoch
    checkpoint.pt   latest state, written atomically
    checkpoint.prev.pt  the one before it, kept in case the latest cannot be read
    summary.json    written when the run ends: {"complete": true, ...}, or {"complete": false,
                    "failed": {"epoch", "reason"}} when a non-finite loss stopped it
    run.lock        locked while a process searches the run (harness/run_lock.py)
Reports read only these files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spaces.errors import BenchmarkFileError


@dataclass(frozen=True)
class RunDir:
    path: Path

    @classmethod
    def for_config(cls, out_root: Path, config: dict[str, Any], config_hash: str, seed: int) -> "RunDir":
        return cls(out_root / config["space"] / config["dataset"] / config["method"] / config_hash / f"seed-{seed}")

    @property
    def config(self) -> Path:
        return self.path / "config.json"

    @property
    def epochs(self) -> Path:
        return self.path / "epochs.jsonl"

    @property
    def checkpoint(self) -> Path:
        return self.path / "checkpoint.pt"

    @property
    def previous_checkpoint(self) -> Path:
        return self.path / "checkpoint.prev.pt"

    def has_checkpoint(self) -> bool:
        return self.checkpoint.exists() or self.previous_checkpoint.exists()

    @property
    def summary(self) -> Path:
        return self.path / "summary.json"

    def is_complete(self) -> bool:
        return self.summary.exists() and self._summary().get("complete") is True

    def failure(self) -> dict[str, Any] | None:
        """{"epoch", "reason"} of a run stopped by a non-finite loss; None when it did not fail."""
        if not self.summary.exists():
            return None
        return self._summary().get("failed")

    def is_failed(self) -> bool:
        return self.failure() is not None

    def _summary(self) -> dict[str, Any]:
        summary = read_json(self.summary)
        if not isinstance(summary, dict):
            raise BenchmarkFileError(f"{self.summary} is not a JSON object; the run record is damaged")
        return summary


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise BenchmarkFileError(f"{path} does not exist") from None
    except json.JSONDecodeError as error:
        raise BenchmarkFileError(f"{path} is not valid JSON ({error}); the run record is damaged") from None


def read_epochs(path: Path) -> list[dict[str, Any]]:
    rows, torn = read_epochs_tolerating_torn_tail(path)
    if torn:
        raise BenchmarkFileError(f"{path}, line {len(rows) + 1}: not valid JSON; the run record is damaged")
    return rows


def read_epochs_tolerating_torn_tail(path: Path) -> tuple[list[dict[str, Any]], bool]:
    """(rows, torn): a last line that is not valid JSON (a write cut short) is left out and reported;
    an invalid line before the last is damage no crash explains, a BenchmarkFileError."""
    if not path.exists():
        return [], False
    try:
        lines = [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    except OSError as error:
        raise BenchmarkFileError(f"{path} cannot be read ({error.strerror or error})") from None
    rows = []
    for number, line in enumerate(lines, start=1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            if number == len(lines):
                return rows, True
            raise BenchmarkFileError(f"{path}, line {number}: not valid JSON; the run record is damaged") from None
    return rows, False


def find_run_dirs(roots: list[Path]) -> list[RunDir]:
    """Every run directory (one holding config.json) at or below the given paths."""
    found = []
    for root in roots:
        if not root.exists():
            raise BenchmarkFileError(f"{root} does not exist")
        candidates = [root] if (root / "config.json").exists() else sorted(p.parent for p in root.rglob("config.json"))
        found.extend(RunDir(p) for p in candidates)
    return found
