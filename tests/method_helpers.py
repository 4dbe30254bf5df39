"""Tiny supernets and batches for method tests (float64 so finite differences are accurate)."""

from __future__ import annotations

import torch

from harness.config import resolve_config
from methods.registry import create_method
from spaces.registry import get_space


def tiny_method(name: str, seed: int = 0, dtype=torch.float64, assignments=(), channels=3):
    config = resolve_config(name, "nb201", "quick", assignments=[
        f"supernet.channels={channels}", "supernet.cells_per_stage=1", *assignments])
    space = get_space("nb201")
    net = space.supernet(config["supernet"], 10, torch.Generator().manual_seed(seed)).to(dtype)
    method = create_method(name, space, net, config, torch.Generator().manual_seed(seed + 1))
    for p in method.arch_parameters:
        with torch.no_grad():
            p.data = p.data.to(dtype)
    # re-create the arch optimizer state on the converted tensors
    method.a_optimizer.param_groups[0]["params"] = method.arch_parameters
    return method


def tiny_batch(seed: int, n: int = 6, size: int = 8, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, size, size, generator=g, dtype=dtype), torch.randint(0, 10, (n,), generator=g)
