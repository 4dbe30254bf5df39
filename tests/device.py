"""The device of the device-sensitive tests and benchmarks: HARNESS_TEST_DEVICE (default cpu).

scripts/gpu-check sets it to cuda; everything else runs on the CPU."""

from __future__ import annotations

import os

import torch

DEVICE = torch.device(os.environ.get("HARNESS_TEST_DEVICE", "cpu"))


def synchronized(result):
    """`result` once the device has finished computing it (a benchmark round must time the work, not
    the launch)."""
    if DEVICE.type == "cuda":
        torch.cuda.synchronize(DEVICE)
    return result
