"""Cost of one search step of every registered method, on the same supernet and batches.

The papers' claims to compare with (issue "The five remedies"): Lambda about 2x
first-order DARTS, Amended and second-order DARTS about 2-3x, GDAS and PC-DARTS
cheaper. Run `python -m pytest tests/benchmarks/test_bench_methods.py --benchmark-enable
--benchmark-columns=mean,stddev` and divide by the `darts` row.
"""

from __future__ import annotations

import pytest
import torch

from harness.config import resolve_config
from methods.progress import Progress
from methods.registry import create_method, list_methods
from spaces.registry import get_space

BATCH = 64


def method_and_batches(name: str):
    # the quick supernet (C=8, N=1) at its full width; past every warm-up, at mid-search
    config = resolve_config(name, "nb201", "quick", assignments=["arch.warmup_epochs=0"])
    space = get_space("nb201")
    net = space.supernet(config["supernet"], 10, torch.Generator().manual_seed(0))
    method = create_method(name, space, net, config, torch.Generator().manual_seed(1))
    g = torch.Generator().manual_seed(2)
    batches = [(torch.randn(BATCH, 3, 32, 32, generator=g), torch.randint(0, 10, (BATCH,), generator=g))
               for _ in range(2)]
    return method, batches, Progress(epoch=config["epochs"] // 2, epochs=config["epochs"])


@pytest.mark.parametrize("name", [spec.name for spec in list_methods()])
def test_search_step_cost(benchmark, name):
    method, (train, val), progress = method_and_batches(name)
    benchmark.group = "search step, quick supernet, batch 64"
    stats = benchmark.pedantic(lambda: method.step(train, val, progress), rounds=5, warmup_rounds=1, iterations=1)
    assert torch.isfinite(stats["train_loss"])
