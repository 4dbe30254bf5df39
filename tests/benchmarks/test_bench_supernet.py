"""Speed of one search step (weight step + first-order arch step) of the NB201 supernet.

Run with `python -m pytest tests/benchmarks --benchmark-enable`; in the normal
test run each benchmark executes once, as a smoke test. HARNESS_TEST_DEVICE=cuda runs it on a GPU
(scripts/gpu-check).

Measured 2026-12-03, paper size, 2-core Intel Xeon VM (AVX-512, AMX-bf16), torch 2.13, 2 threads,
median of 3, each harness time divided by the reference's of the same run: on a quiet machine harness
fp32 1.39 s, bf16 1.01 s, reference 3.83 s (2.8x, 3.8x); over six runs of a busier afternoon 2.2-2.8x
(median 2.5x) fp32 and 3.3-4.1x (median 3.7x) bf16; compiled (after its warm-up round), in one run
with reference 6.02 s: fp32 1.51 s (eager 1.70 s), bf16 0.93 s (eager 1.31 s), 4.0x against the fastest
reference of the day (3.70 s).
On a Zen 3 AMD EPYC (AVX2, no bf16 arithmetic, 2026-12-02, contiguous kernel) bf16 was 8x slower than fp32.
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
