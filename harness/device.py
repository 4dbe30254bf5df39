"""Choosing the device: --device auto|cpu|cuda[:N]."""

from __future__ import annotations

import torch

from spaces.errors import ConfigError


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(f"--device {name}: no CUDA device is available here; use --device cpu or auto")
        return torch.device(name)
    raise ConfigError(f"--device must be auto, cpu or cuda[:N], got {name!r}")
