"""Tiny supernets and batches for method tests (float64 so finite differences are accurate)."""

from __future__ import annotations

import copy

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


def assert_search_resumes_bit_identically(method, name: str, progress, batch_seed: int, channels: int = 4) -> None:
    """Save `method` mid-search, take two more steps; a fresh method restored from the save (built from
    another seed, so nothing can leak in through initialisation) must then match it bit for bit."""
    saved = copy.deepcopy((method.state_dict(), method.net.state_dict()))
    for step in range(2):
        method.step(tiny_batch(batch_seed + step), tiny_batch(batch_seed + 20 + step), progress)
    resumed = tiny_method(name, seed=7, channels=channels)
    resumed.load_state_dict(copy.deepcopy(saved[0]))
    resumed.net.load_state_dict(saved[1])
    for step in range(2):
        resumed.step(tiny_batch(batch_seed + step), tiny_batch(batch_seed + 20 + step), progress)
    for a, b in zip(list(method.arch_parameters) + list(method.net.parameters()),
                    list(resumed.arch_parameters) + list(resumed.net.parameters()), strict=True):
        assert torch.equal(a, b)
