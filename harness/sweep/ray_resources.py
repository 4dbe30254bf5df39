"""What one run asks of a Ray cluster: CPUs, a share of a GPU, torch threads, and its device.

Defaults (harness choices):
- 1 CPU per run: as the local executor's one worker per core with one torch thread
  (resources.py has the measurement: single-thread runs side by side finish more runs per hour).
- no GPU: a run asks for a GPU only when told (--gpus-per-run), because Ray schedules a task
  that asks for more than a cluster has nowhere, and it waits forever.
- torch threads = the CPUs asked for, unless --threads: a run uses what Ray reserved for it.
  CPU records depend on the thread count (resources.py), so a sweep resumed with other
  --cpus-per-run but the same --threads still continues exactly.

A GPU share below 1 puts several runs on one GPU (Ray's fractional GPUs: 0.25 = four runs
per GPU); Ray then shows each task its GPU as the only CUDA device. A run uses one device, so
more than one GPU per run is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from spaces.errors import ConfigError

DEFAULT_CPUS_PER_RUN = 1


@dataclass(frozen=True)
class RayRunResources:
    cpus: int
    gpus: float
    threads: int
    device: str  # "cpu" or "cuda:0" (the one GPU Ray makes visible to the task)

    def describe(self) -> str:
        gpu = f" + {self.gpus:g} GPU" if self.gpus else ""
        return (f"{self.cpus} CPU{'s' if self.cpus > 1 else ''}{gpu} and {self.threads} torch "
                f"thread{'s' if self.threads > 1 else ''} per run on {'CUDA' if self.gpus else 'CPU'}")


def ray_run_resources(cpus_per_run: int | None, gpus_per_run: float | None, threads: int | None,
                      device: str) -> RayRunResources:
    cpus = DEFAULT_CPUS_PER_RUN if cpus_per_run is None else cpus_per_run
    if isinstance(cpus, bool) or not isinstance(cpus, int) or cpus < 1:
        raise ConfigError(f"--cpus-per-run must be an integer of at least 1, got {cpus!r}")
    gpus = 0.0 if gpus_per_run is None else float(gpus_per_run)
    if not 0 <= gpus <= 1:
        raise ConfigError(f"--gpus-per-run takes a share of one GPU between 0 and 1 (a run uses one device), "
                          f"got {gpus_per_run!r}")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise ConfigError(f"--threads must be an integer of at least 1, got {threads!r}")
    return RayRunResources(cpus, gpus, cpus if threads is None else threads, _device(device, gpus))


def _device(flag: str, gpus: float) -> str:
    """--device with Ray: the device follows --gpus-per-run (Ray, not the flag, picks the GPU)."""
    if flag == "auto":
        return "cuda:0" if gpus else "cpu"
    if flag == "cpu" and gpus:
        raise ConfigError(f"--device cpu with --gpus-per-run {gpus:g}: drop one of them")
    if flag == "cpu":
        return "cpu"
    if flag == "cuda" and gpus:
        return "cuda:0"
    if flag == "cuda":
        raise ConfigError("--device cuda with --executor ray needs --gpus-per-run (for example 1, or 0.25 to put "
                          "four runs on one GPU): Ray gives a task a GPU only when it asks for one")
    raise ConfigError(f"--device {flag} with --executor ray: Ray assigns the GPUs; use --device auto (or cpu, "
                      f"cuda) and --gpus-per-run")
