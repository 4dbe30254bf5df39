"""How many runs at once, on which devices, with how many threads each.

Defaults (harness choices):
- GPUs: one worker per CUDA device, each pinned to its device.
- CPU: one worker per usable core, one torch thread each. Measured on this workplace's 2-core
  machine, torch 2.13 CPU, quick preset (darts, 1 epoch, 512 images a side), while other
  jobs shared the cores: one run alone with 1 thread 16 s; two runs at once with 1 thread
  each 18-19 s for both; one run with 2 threads 82-310 s (intra-op threads stall whenever
  another process holds a core). Small supernet ops gain little from intra-op threads even
  on idle cores, and separate runs never wait on each other, so a sweep finishes more runs
  per hour with one thread per run than with one run using every core.
Threads per worker default to cores // workers (at most $OMP_NUM_THREADS when it is set).

CPU results depend on the thread count (summation order): runs are reproducible, and resume
exactly, for a fixed --threads. The default (1 per worker when workers = cores) is the same
however many runs remain, so a restarted sweep resumes with the threads it started with.
"""

from __future__ import annotations

import os

import torch

from harness.device import resolve_device
from spaces.errors import ConfigError


def usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def worker_devices(name: str) -> tuple[str, ...]:
    """The devices the workers use in turn: --device auto|cpu|cuda|cuda:N."""
    if name in ("auto", "cuda") and torch.cuda.is_available():
        return tuple(f"cuda:{index}" for index in range(torch.cuda.device_count()))
    if name == "cuda":
        raise ConfigError("--device cuda: no CUDA device is available here; use --device cpu or auto")
    return (str(resolve_device(name)),)  # cpu, or one given cuda:N shared by every worker


def default_workers(devices: tuple[str, ...]) -> int:
    return len(devices) if devices[0].startswith("cuda") else usable_cores()


def default_threads(workers: int) -> int:
    threads = max(1, usable_cores() // workers)
    limit = os.environ.get("OMP_NUM_THREADS", "")
    return min(threads, int(limit)) if limit.isdigit() and int(limit) > 0 else threads
