"""`compile=true`: the supernet's forward under torch.compile (its backward through AOTAutograd).

What the compiled graph depends on, and so what makes it compile again:
- the host-side active mask (which ops the kernel computes). The wrapper turns it into nested tuples
  before the compiled call (ArchWeights.with_host_mask), so the supernet never reads a tensor's values
  inside the graph (no graph break, no device-to-host copy) and dynamo guards on the mask as
  constants: one graph per mask. Dense methods keep one mask for the whole search (a new one only when
  an op is pruned: DARTS-PRIME, PR-DARTS). Methods that sample which ops to compute every step (GDAS,
  GAEA-GDAS, PR-DARTS' hard-concrete gates) would compile every step; under compile=true their
  parameterizations pass every op they may choose as the mask and gate the unchosen ones to exactly 0
  (Parameterization.expand_chosen), so the mask stays fixed and the sampling never reaches the graph;
- whether the architecture weights require a gradient (weight step vs. architecture step), grad mode
  and train/eval mode (the per-epoch supernet accuracy), autocast, and the input shapes: the second
  batch size seen (the evaluation batches) recompiles once with a dynamic batch dimension
  (torch.compile's automatic dynamic shapes).
So a run compiles a handful of graphs in its first epoch and then none; compiled_graphs() counts them
and every epochs.jsonl row of a compiled run carries the count so far.

Double backward (the Hessian-eigenvalue diagnostic) is not supported through AOTAutograd's compiled
graphs; that diagnostic runs eager (`eager()`). Compiled results differ from eager ones by rounding
(fused kernels sum in another order); they are deterministic per device, thread count and versions,
as eager ones are.
"""

from __future__ import annotations

import contextlib

import torch
from torch import nn

from spaces.errors import ConfigError

# torch.compile's default backend: fused C++/OpenMP kernels on CPU, Triton kernels on CUDA. The tests
# switch to "aot_eager" (the same graph capture and guards, without generating code: seconds, not minutes).
BACKEND = "inductor"
# harness choice: dynamo's default limit (8 graphs per frame, then it falls back to eager for good)
# is too low for a search that prunes ops one at a time; each pruning makes a few new graphs
RECOMPILE_LIMIT = 64


def compile_supernet(net: nn.Module) -> None:
    """Make `net(x, weights)` run its forward compiled, in place: parameters, buffers and state_dict
    keys stay those of the eager module, so checkpoints and functional_call see the same module."""
    if not hasattr(torch.compiler, "set_stance"):  # with recompile_limit, since torch 2.6
        raise ConfigError(f"compile=true needs torch >= 2.6 (this is torch {torch.__version__})")
    compiled = torch._dynamo.config.patch(recompile_limit=RECOMPILE_LIMIT)(
        torch.compile(net.forward, backend=BACKEND))

    def forward(x: torch.Tensor, weights):
        return compiled(x, weights.with_host_mask())

    net.forward = forward  # an instance attribute: nn.Module.__call__ finds it before the class's forward


def compiled_graphs() -> int:
    """Graphs compiled in this process so far (dynamo's own count)."""
    return int(torch._dynamo.utils.counters["stats"]["unique_graphs"])


def eager():
    """Run compiled functions eagerly inside (for double backward, which compiled graphs do not support)."""
    if not hasattr(torch.compiler, "set_stance"):  # older torch: nothing can have been compiled
        return contextlib.nullcontext()
    return torch.compiler.set_stance("force_eager")
