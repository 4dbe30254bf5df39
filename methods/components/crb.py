"""CRB: clipped-ReLU architecture weights with pruning (DARTS-PRIME supplementary S1.1).

Each op's weight is its own parameter clipped to the unit interval, min(max(theta, 0), 1),
with no normalisation across the edge's ops. An op whose parameter reaches <= 0 after an
architecture step is pruned for good: a persistent mask holds its weight at exactly 0,
so the supernet skips it, even if the optimizer's momentum later lifts theta again.

The zero op (`none`, the space's roles.zero) gets no parameter. Without normalisation its
output (zero) gives it no gradient, which is why the authors' CRB drops it from the candidate
ops (DARTS-PRIME S1.1: "the none operator can be removed"). On NB201 an edge whose every op is
pruned computes nothing, i.e. it IS `none`; activate() puts weight 1 on `none` there (a
constant; the supernet never computes `none`), so the derivation, the proximity projection and
the diagnostics all see the architecture the supernet runs. A space without a zero op has no
such fallback: such an edge simply computes nothing.

The rest of CRB is set by the method, not here: the supernet's node BN (supernet.node_bn,
a BatchNorm without affine after each node's sum, which keeps the unnormalised sums in
scale) and no architecture weight decay (see `prime-crb` in methods/prime.py).
"""

from __future__ import annotations

from typing import Any

import torch

from methods.components.catalog import component
from methods.components.parameterizations import Parameterization
from spaces.errors import ConfigError

@component("parameterization")
class ClippedReLU(Parameterization):
    """theta initialised at 1/n + init_noise * N(0, 1), n the number of parametrised ops on
    the edge (the authors' code: 1/|ops| + 1e-4 * randn, every op starting equal)."""

    NAME = "crb"
    SECTION = "crb"
    DEFAULTS = {"init_noise": 1e-4}  # DARTS-PRIME authors' code (github k8lion/DARTS-PRIME): 1/|ops| + 1e-4 randn

    def __init__(self, decisions, config, generator, device):
        super().__init__(decisions, config, generator, device)
        noise = config["crb"]["init_noise"]
        if isinstance(noise, bool) or not isinstance(noise, (int, float)) or noise < 0:
            raise ConfigError(f"crb.init_noise must be a number >= 0, got {noise!r}")
        zero = [] if decisions.roles.zero is None else [decisions.roles.zero]
        self.zero_op = decisions.op_named(zero)  # where each choice's zero op sits
        self.has_param = decisions.op_exists() & ~self.zero_op  # the real ops of each choice
        per_edge = self.has_param.sum(-1, keepdim=True).clamp_min(1)
        init = 1.0 / per_edge + float(noise) * torch.randn(self.shape, generator=generator)
        self.theta = init.to(device).requires_grad_()
        self._set_alive(self.has_param.clone())
        self.learn_inputs_by_softmax()

    def _set_alive(self, alive: torch.Tensor) -> None:
        """alive: host-side bool [edges, ops]; the device copies follow it."""
        self.alive = alive
        dead_edge = ~alive.any(-1, keepdim=True)
        self.alive_on_device = alive.to(self.device)
        self.none_on_device = (self.zero_op & dead_edge).to(self.device)

    def parameters(self) -> list[torch.Tensor]:
        return [self.theta] + self.input_parameters()

    def activate(self) -> torch.Tensor:
        weights = torch.where(self.alive_on_device, self.theta.clamp(0.0, 1.0), 0.0)
        return torch.where(self.none_on_device, 1.0, weights)

    def computed_ops(self) -> torch.Tensor:
        # The host-side mask is exactly "weight != 0" for the ops the supernet computes
        # (alive implies theta > 0 after every arch step), so the forward needs no copy back.
        return self.alive

    def after_arch_step(self) -> None:
        # One device-to-host copy per architecture step: which ops to skip is a host decision.
        pruned_now = (self.theta.detach() <= 0).cpu() & self.alive
        if pruned_now.any():
            self._set_alive(self.alive & ~pruned_now)

    def diagnostics(self) -> dict[str, Any]:
        return {"crb_pruned_ops": int((self.has_param & ~self.alive).sum())}

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "alive": self.alive.clone()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._set_alive(state["alive"].clone())
