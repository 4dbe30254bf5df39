"""Speed of one first-order DARTS step on the DARTS-space supernet: the batched kernel against the
plain per-edge reference (tests/test_darts_supernet_reference.py) on the same parameters.

A step is the weight step (forward + backward w.r.t. the network's parameters, SGD) and the
architecture step (forward + backward w.r.t. alpha through the softmax, Adam), with DARTS'
optimiser settings (quark0/darts cnn/train_search.py). Run with
`OMP_NUM_THREADS=2 python -m pytest tests/benchmarks/test_bench_darts_supernet.py --benchmark-enable`;
in the normal test run each benchmark executes once, as a smoke test, and the full size
(C=16, 8 layers, batch 64, 32x32: the DARTS search network) is skipped.

Measured 2026-12-02 (2-core AMD EPYC VM, torch 2.13, 2 threads, the three implementations
interleaved round by round because the machine was shared; median of 7 rounds): kernel 4.1 s,
reference 13.6 s (3.3x), reference in channels_last 7.2 s (1.8x). On a Zen 3 EPYC (AVX2 only), quiet,
the kernel took 11.0 s (11.7 s before FactorizedReduce avoided oneDNN's stride-2 pointwise kernel); in a
later quiet run on the same machine, kernel 6.12 s, reference 22.9 s (3.7x), reference channels_last
12.6 s. The compiled kernel's first compilation did not finish in 50 minutes there.
On a 2-core Intel Xeon VM (AVX-512, AMX; 2026-12-03, busy afternoon, median of 5): kernel 7.49 s,
reference 26.4 s (3.5x), reference channels_last 13.9 s (1.9x).
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from methods.components.compilation import compile_supernet
from spaces.base import ArchWeights
from spaces.darts.supernet import DartsSupernet
from tests.benchmarks import COMPILE_SKIP
from tests.device import DEVICE, synchronized
from tests.test_darts_supernet_reference import (
    ReferenceSupernet,
    cell_types_of,
    copy_into_reference,
    normal_reduce_sequence,
)

SIZES = {
    # name: (channels, layers, batch, resolution)
    "darts": (16, 8, 64, 32),  # quark0/darts cnn/train_search.py defaults on CIFAR-10
    # 8 channels: the reference's FactorizedReduce convs (channels_last, stride 2) then have 16 input channels
    # or more, outside the oneDNN fault of spaces/darts/channels_last.diagonal_grids, which it does not avoid
    "smoke": (8, 5, 8, 16),
}
IMPLEMENTATIONS = ("kernel", "kernel-compiled", "reference", "reference-channels-last")


class FirstOrderStep:
    def __init__(self, size: str, implementation: str):
        channels, layers, batch, resolution = SIZES[size]
        types = cell_types_of("darts")
        sequence = normal_reduce_sequence(layers)
        self.index = torch.tensor(sequence, device=DEVICE)
        kernel = DartsSupernet(types, sequence, channels, 10, noise_seed=0)
        kernel.reset_parameters(torch.Generator().manual_seed(0))
        self.net = kernel
        g = torch.Generator().manual_seed(1)
        self.batches = [(torch.randn(batch, 3, resolution, resolution, generator=g).to(DEVICE),
                         torch.randint(0, 10, (batch,), generator=g).to(DEVICE)) for _ in range(2)]
        if implementation != "kernel":
            self.net = ReferenceSupernet(types, sequence, channels, 10)
            copy_into_reference(kernel, self.net)
        self.net = self.net.to(DEVICE)
        if implementation == "kernel-compiled":
            compile_supernet(self.net)
        if implementation == "reference-channels-last":  # the reference with the kernel's memory format
            self.net = self.net.to(memory_format=torch.channels_last)
            self.batches = [(x.contiguous(memory_format=torch.channels_last), y) for x, y in self.batches]
        # DARTS: alpha = 1e-3 * randn, Adam(3e-4, betas (0.5, 0.999), wd 1e-3); SGD(0.025, momentum 0.9, wd 3e-4)
        self.alphas = (1e-3 * torch.randn(2, 14, 8, generator=g)).to(DEVICE).requires_grad_()  # [types, edges, ops]
        self.w_optimizer = torch.optim.SGD(self.net.parameters(), lr=0.025, momentum=0.9, weight_decay=3e-4)
        self.a_optimizer = torch.optim.Adam([self.alphas], lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3)

    def _weights(self, differentiable: bool) -> ArchWeights:
        alphas = self.alphas if differentiable else self.alphas.detach()
        return ArchWeights(torch.softmax(alphas, dim=-1).index_select(0, self.index))  # each cell its type's row

    def __call__(self) -> torch.Tensor:
        (x, y), (x_val, y_val) = self.batches
        self.w_optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.net(x, self._weights(False)), y)
        loss.backward()
        self.w_optimizer.step()
        self.a_optimizer.zero_grad(set_to_none=True)
        (self.alphas.grad,) = torch.autograd.grad(F.cross_entropy(self.net(x_val, self._weights(True)), y_val),
                                                  [self.alphas])
        self.a_optimizer.step()
        return synchronized(loss.detach())


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize("size", sorted(SIZES))
def test_darts_first_order_step(benchmark, size, implementation):
    if size == "darts" and benchmark.disabled:
        pytest.skip("the full DARTS size runs only with --benchmark-enable")
    if implementation == "kernel-compiled" and benchmark.disabled:
        pytest.skip(COMPILE_SKIP)
    step = FirstOrderStep(size, implementation)
    loss = benchmark.pedantic(step, rounds=5, warmup_rounds=1, iterations=1)
    assert torch.isfinite(loss)
