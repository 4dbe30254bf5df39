"""Mixed precision of the search step: `precision=fp32|bf16|fp16` (`--set precision=bf16`).

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

fp16 (CUDA only) adds loss scaling, because fp16's 5-bit exponent flushes small gradients to zero:
- the weight step: torch.amp.GradScaler (its default dynamic scale, 2**16, halved on an overflow and
  doubled after 2,000 clean steps); the gradients are unscaled before the inner regulariser, the
  FIMT norm and clipping read them, and a step whose scaled gradient overflowed is skipped;
- the architecture step: `Precision.grad` scales the loss of each autocast pass and unscales its
  gradients, with a dynamic scale of the same rule (ArchLossScale); the fp32 finite differences are
  not scaled; a step whose gradient is not finite is skipped and the scale halved.
Checking for an overflow reads one flag per step on the host: fp16 syncs, fp32 and bf16 do not.
Results are deterministic per precision (same seed, device, versions and threads); fp32 is
bit-identical to a run before this setting existed.
"""

from __future__ import annotations

import contextlib

import torch

from spaces.errors import ConfigError

PRECISIONS = ("fp32", "bf16", "fp16")
DEFAULT_PRECISION = "fp32"  # harness choice: the papers' and reference codes' precision
DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}
# fp16 autocast with loss scaling is for CUDA (CPUs without fp16 matrix units gain nothing from it; use
# bf16 there). The tests widen this to exercise the scaled path on CPU.
FP16_DEVICE_TYPES = ("cuda",)
# torch.amp.GradScaler's defaults, used for the architecture step's scale too
INITIAL_SCALE, GROWTH_INTERVAL = 2.0 ** 16, 2000


def precision_problem(value) -> str | None:
    """None for a precision this harness runs, else what it expects (config_checks' form)."""
    if value in PRECISIONS:
        return None
    return "fp32, bf16 or fp16"


def device_problem(name: str, device: torch.device) -> str | None:
    """None when `device` runs precision `name`, else one sentence saying what to do."""
    if name == "fp16" and device.type not in FP16_DEVICE_TYPES:
        return (f"precision=fp16 runs on CUDA only (loss-scaled fp16 autocast); on {device.type} use "
                "precision=bf16 or fp32")
    return None


def require_device_runs(name: str, device: torch.device) -> None:
    """ConfigError unless `device` runs precision `name` (checked before any run directory is made)."""
    problem = device_problem(name, device)
    if problem is not None:
        raise ConfigError(problem)


class ArchLossScale:
    """A dynamic loss scale for the architecture step (GradScaler's rule, for gradients that
    torch.autograd.grad returns instead of .grad fields): halve on a non-finite gradient, double
    after GROWTH_INTERVAL finite ones."""

    def __init__(self):
        self.scale, self.clean_steps = INITIAL_SCALE, 0

    def update(self, finite: bool) -> None:
        if not finite:
            self.scale, self.clean_steps = self.scale / 2.0, 0
            return
        self.clean_steps += 1
        if self.clean_steps == GROWTH_INTERVAL:
            self.scale, self.clean_steps = self.scale * 2.0, 0

    def state_dict(self) -> dict:
        return {"scale": self.scale, "clean_steps": self.clean_steps}

    def load_state_dict(self, state: dict) -> None:
        self.scale, self.clean_steps = float(state["scale"]), int(state["clean_steps"])


class Precision:
    def __init__(self, name: str, device: torch.device):
        problem = precision_problem(name)
        if problem is not None:
            raise ConfigError(f"precision must be {problem}, got {name!r}")
        require_device_runs(name, device)
        self.name = name
        self.device_type = device.type
        self.dtype = DTYPES[name]
        self.scaled = name == "fp16"
        self.weight_scaler = torch.amp.GradScaler(device.type, enabled=self.scaled)
        self.arch_scale = ArchLossScale()

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

    # --- the weight step ------------------------------------------------------------
    def backward(self, loss: torch.Tensor) -> None:
        self.weight_scaler.scale(loss).backward()

    def unscale(self, optimizer: torch.optim.Optimizer, *leaves: torch.Tensor) -> None:
        """True gradients in the optimizer's parameters and in `leaves` (Lambda-DARTS' op weights)."""
        if not self.scaled:
            return
        self.weight_scaler.unscale_(optimizer)
        inverse = 1.0 / self.weight_scaler.get_scale()
        for leaf in leaves:
            if leaf.grad is not None:
                leaf.grad.mul_(inverse)

    def step(self, optimizer: torch.optim.Optimizer) -> None:
        """optimizer.step(), skipped under fp16 when the scaled gradient overflowed."""
        self.weight_scaler.step(optimizer)
        self.weight_scaler.update()

    # --- the architecture step ------------------------------------------------------
    def grad(self, loss: torch.Tensor, inputs, **kwargs) -> tuple:
        """torch.autograd.grad of an autocast pass's loss, loss-scaled under fp16 and unscaled again."""
        if not self.scaled:
            return torch.autograd.grad(loss, inputs, **kwargs)
        scale = self.arch_scale.scale
        grads = torch.autograd.grad(loss * scale, inputs, **kwargs)
        return tuple(None if g is None else g / scale for g in grads)

    def arch_step_is_finite(self, grads) -> bool:
        """Under fp16: whether the architecture gradient is finite (one host read), updating the scale;
        always True otherwise (no read)."""
        if not self.scaled:
            return True
        finite = bool(torch.stack([torch.isfinite(g).all() for g in grads]).all())
        self.arch_scale.update(finite)
        return finite

    # --- resume ---------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {"weights": self.weight_scaler.state_dict(), "arch": self.arch_scale.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.weight_scaler.load_state_dict(state["weights"])
        self.arch_scale.load_state_dict(state["arch"])
