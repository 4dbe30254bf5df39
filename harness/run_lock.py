"""One process per run directory at a time.

Two processes searching the same run (the same sweep started twice, a `harness run`
beside a sweep that covers the run) would both write its checkpoint and records. The
search holds an advisory lock (flock) on run.lock in the run directory; the kernel drops
it when the process ends, however it ends, so a killed run never leaves a stale lock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from spaces.errors import UserError

try:
    import fcntl
except ImportError:  # Windows: no flock; runs are not guarded there
    fcntl = None

LOCK_FILE = "run.lock"


class RunBusy(UserError):
    """Another process is searching this run."""


@contextmanager
def run_lock(run_path: Path) -> Iterator[None]:
    """Hold the run's lock for the block; RunBusy when another process holds it."""
    if fcntl is None:
        yield
        return
    run_path.mkdir(parents=True, exist_ok=True)
    lock_path = run_path / LOCK_FILE
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise RunBusy(f"{run_path} is being searched by another process (pid {holder}); "
                          f"wait for it to finish or stop it, then start this run again") from None
        # The holder's pid, for the message above; the lock itself is the flock, not this content.
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
