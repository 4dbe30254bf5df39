"""Speed of one search step (weight step + first-order arch step) of the NB201 supernet.

Run with `python -m pytest tests/benchmarks --benchmark-enable`; in the normal
test run each benchmark executes once, as a smoke test. HARNESS_TEST_DEVICE=cuda runs it on a GPU
(scripts/gpu-check).

Measured 2026-12-02, paper size, quiet 2-core AMD EPYC (Zen 3, AVX2, no AVX-512 or AMX), torch 2.13,
2 threads, median of 3, each pair in one run: harness fp32 3.04 s, compiled (compile=true, after its
warm-up round) 1.83 s, per-edge reference 4.85 s (1.6x and 2.65x); harness bf16 26.3 s against a
4.54 s reference (this CPU has no bf16 arithmetic).
"""

from __future__ import annotations

import pytest
import torch

from harness.config import resolve_config
from methods.components.compilation import compile_supernet
from methods.progress import Progress
from methods.registry import create_method
from spaces.registry import get_space
from tests.benchmarks import COMPILE_SKIP
from tests.benchmarks.nb201_reference import FirstOrderDartsStep, PerEdgeNB201
from tests.device import DEVICE, synchronized

SIZES = {
    # name: (preset, batch)
    "paper": ("paper", 64),  # C=16, N=5: the benchmark's network
    "quick": ("quick", 64),  # C=8, N=1
}


def step_config(size: str, precision: str = "fp32"):
    return resolve_config("darts", "nb201", SIZES[size][0], assignments=[f"precision={precision}"])


def step_batches(size: str):
    """The (train, val) batches every implementation steps on."""
    batch, g = SIZES[size][1], torch.Generator().manual_seed(2)
    return [(torch.randn(batch, 3, 32, 32, generator=g).to(DEVICE),
             torch.randint(0, 10, (batch,), generator=g).to(DEVICE)) for _ in range(2)]


def darts_step_fixture(size: str, precision: str = "fp32", compiled: bool = False):
    config = step_config(size, precision)
    space = get_space("nb201")
    net = space.supernet(config["supernet"], 10, torch.Generator().manual_seed(0)).to(DEVICE)
    if compiled:
        compile_supernet(net)
    method = create_method("darts", space, net, config, torch.Generator().manual_seed(1))
    return method, step_batches(size)


@pytest.mark.parametrize("precision", ["fp32", "bf16"])  # methods/components/precision.py
@pytest.mark.parametrize("size", sorted(SIZES))
def test_darts_search_step(benchmark, size, precision):
    method, (train, val) = darts_step_fixture(size, precision)
    progress = Progress(0, 1)
    benchmark.group = f"NB201 first-order DARTS step, {size} size"
    result = benchmark.pedantic(lambda: synchronized(method.step(train, val, progress)),
                                rounds=5 if size == "quick" else 3, warmup_rounds=1, iterations=1)
    assert torch.isfinite(result["train_loss"])


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
@pytest.mark.parametrize("size", sorted(SIZES))
def test_compiled_darts_search_step(benchmark, size, precision):
    """compile=true (methods/components/compilation.py); the warm-up round compiles."""
    if benchmark.disabled:
        pytest.skip(COMPILE_SKIP)
    method, (train, val) = darts_step_fixture(size, precision, compiled=True)
    progress = Progress(0, 1)
    benchmark.group = f"NB201 first-order DARTS step, {size} size"
    result = benchmark.pedantic(lambda: synchronized(method.step(train, val, progress)),
                                rounds=5 if size == "quick" else 3, warmup_rounds=1, iterations=1)
    assert torch.isfinite(result["train_loss"])


@pytest.mark.parametrize("size", sorted(SIZES))
def test_per_edge_reference_step(benchmark, size):
    """The same step on a TinyNetworkDarts-shaped per-edge network (nb201_reference.py), fp32: divide its
    time by test_darts_search_step's of the same group for the speed-up."""
    supernet = step_config(size)["supernet"]
    net = PerEdgeNB201(supernet["channels"], supernet["cells_per_stage"]).to(DEVICE)
    step = FirstOrderDartsStep(net, step_batches(size), torch.Generator().manual_seed(3))
    benchmark.group = f"NB201 first-order DARTS step, {size} size"
    loss = benchmark.pedantic(lambda: synchronized(step()), rounds=5 if size == "quick" else 3, warmup_rounds=1,
                              iterations=1)
    assert torch.isfinite(loss)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_supernet_forward_backward(benchmark, size):
    """The kernel alone: forward + backward of the supernet with dense softmax weights."""
    method, ((x, y), _) = darts_step_fixture(size)
    arch = method.eval_weights()
    arch = arch.with_ops(arch.ops.clone().requires_grad_())

    def forward_backward():
        loss = torch.nn.functional.cross_entropy(method.net(x, arch), y)
        loss.backward()
        return synchronized(loss)

    loss = benchmark.pedantic(forward_backward, rounds=5 if size == "quick" else 3, warmup_rounds=1, iterations=1)
    assert torch.isfinite(loss)
