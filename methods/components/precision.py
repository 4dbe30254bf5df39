"""Mixed precision of the search step: `precision=fp32|bf16` (`--set precision=bf16`).

bf16 runs the supernet's forward and backward under `torch.autocast` (CPU and CUDA): convolutions and
matrix products in bfloat16, everything else as autocast decides. What stays fp32, and why:
- the architecture parameters, the network weights, their gradients and every optimizer state: they
  are fp32 leaves; autocast only casts the inputs of the ops it runs in bf16;
- the loss: logits are cast to fp32 before the cross-entropy (losses.supernet_loss);
- the methods' finite differences (second-order DARTS' Hessian-vector product, Amended-DARTS' H_aw H
  term, Lambda-DARTS' shifted losses): they subtract two losses a step of ~1e-2 / ||v|| apart, a
  difference bf16's 8-bit mantissa (relative error ~4e-3) cannot resolve. Each runs its shifted
  forwards inside `Precision.full()`;
- the per-epoch diagnostics, the derivation and the oracle lookups (outside the step).

fp16 would need a gradient scaler on both the weight and the architecture step (and is for CUDA
only); it is refused with one message until then. Results are deterministic per precision (same
seed, device, versions and threads); fp32 is bit-identical to a run before this setting existed.
"""

from __future__ import annotations

import contextlib

import torch

from spaces.errors import ConfigError

PRECISIONS = ("fp32", "bf16")
DEFAULT_PRECISION = "fp32"  # harness choice: the papers' and reference codes' precision


def precision_problem(value) -> str | None:
    """None for a precision this harness runs, else what it expects (config_checks' form)."""
    if value in PRECISIONS:
        return None
    return ("fp32 or bf16 (fp16 needs a gradient scaler on the weight and the architecture step, which the "
            "harness does not have yet)")


class Precision:
    def __init__(self, name: str, device: torch.device):
        problem = precision_problem(name)
        if problem is not None:
            raise ConfigError(f"precision must be {problem}, got {name!r}")
        self.name = name
        self.device_type = device.type
        self.dtype = torch.bfloat16 if name == "bf16" else None

    def autocast(self):
        """The context of one search step: autocast to the precision's dtype, nothing for fp32."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)

    def full(self):
        """fp32 inside a step (finite differences): autocast off, nothing to undo for fp32."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, enabled=False)
