"""Outer regularisers that pull the architecture towards a discrete one (DARTS-PRIME).

Both measure A = the parameterization's activated weights [edges, ops] against Pi_S,
the one-hot encoding of the architecture the space derives (argmax per edge on NB201,
restricted to the parameterization's allowed ops); Pi_S is a constant of the step.
Pi_S never picks the space's zero op (`none`): DARTS-PRIME Figure 1 ("the none operator
... cannot be selected at discretization"), and the authors' code derives over its
primitives without it.

The distance is the 2-norm of the whole [edges, ops] difference (one norm over all edges,
as the authors' code takes it, not a sum of per-edge norms), by default not squared: that
is Eq. 8 (proximity) and what the authors' code computes for ADMM too (k8lion/DARTS-PRIME
src/model_admm.py admm_loss: `(param - z + u).norm()`), although Eq. S1 squares it; the
`norm` setting offers both. The unsquared gradient (A - P) / ||A - P|| is undefined at A = P;
torch's norm backward returns 0 there (the least-norm subgradient), so a discrete A gets no
push and no NaN.

Pi_S costs one device-to-host copy per architecture step: the derivation is a host-side
decision of the space.
"""

from __future__ import annotations

from typing import Any

import torch

from methods.components.catalog import component
from methods.components.regularizers import OuterRegularizer
from spaces.errors import ConfigError


NORMS = ("l2", "squared-l2")


def discrete_projection(method, weights: torch.Tensor) -> torch.Tensor:
    """Pi_S: the one-hot [types, choices, ops] of the architecture the space derives from `weights`
    (the DARTS cell: its top-2 incoming edges from distinct sources, DARTS-PRIME Section 2), over
    the parameterization's allowed ops without the space's zero op."""
    decisions = method.decisions
    selectable = decisions.op_exists()
    if decisions.roles.zero is not None:
        selectable &= ~decisions.op_named([decisions.roles.zero])
    allowed = method.parameterization.allowed_ops()
    arch = method.derive_from(weights.detach(), selectable if allowed is None else selectable & allowed.cpu())
    return torch.as_tensor(arch.one_hot()).to(weights)


def distance(a: torch.Tensor, b: torch.Tensor, norm: str) -> torch.Tensor:
    """The 2-norm of each cell type's difference (one norm over all its choices), summed over the types
    (the authors' code: one norm per architecture parameter, normal and reduce)."""
    gap = torch.linalg.vector_norm(a - b, dim=(1, 2))  # backward gives 0 (not NaN) where a == b
    return (gap if norm == "l2" else gap.square()).sum()


def checked_norm(settings: dict[str, Any], section: str) -> str:
    if settings["norm"] not in NORMS:
        raise ConfigError(f"{section}.norm must be one of {', '.join(NORMS)}, got {settings['norm']!r}")
    return settings["norm"]


def non_negative(settings: dict[str, Any], section: str, key: str) -> float:
    value = settings[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"{section}.{key} must be a number >= 0, got {value!r}")
    return float(value)


@component("outer_reg")
class Proximity(OuterRegularizer):
    """L_val + (c * rho / 2) * ||A - Pi_S(A)||, c = the fraction of the search done.

    c grows linearly from 0 at the first step to 1 at the end of the search, per step
    (progress.fraction; the authors' code uses its clock in epochs / total epochs), so
    the relaxation explores first and is pulled onto a discrete architecture at the end.
    """

    NAME = "proximity"
    SECTION = "proximity"
    DEFAULTS = {
        "rho": 0.1,  # DARTS-PRIME Section 4.2: rho_p = 0.1 for image classification
        "norm": "l2",  # DARTS-PRIME Eq. 8: the 2-norm, not squared (the authors' code alike)
    }

    def __init__(self, config: dict[str, Any]):
        super().__init__(config)
        self.rho = non_negative(self.settings, "proximity", "rho")
        self.norm = checked_norm(self.settings, "proximity")
        self.last_distance: torch.Tensor | None = None  # ||A - Pi_S(A)|| at the latest arch step

    def penalty(self, method, progress) -> torch.Tensor:
        edge_weights = method.parameterization.activate()
        gap = distance(edge_weights, discrete_projection(method, edge_weights), self.norm)
        self.last_distance = gap.detach()
        return progress.fraction * self.rho / 2 * gap

    def diagnostics(self) -> dict[str, Any]:
        return {} if self.last_distance is None else {"proximity_distance": float(self.last_distance)}  # in its norm

    def state_dict(self) -> dict[str, Any]:
        return {"last_distance": self.last_distance}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.last_distance = state["last_distance"]


@component("outer_reg")
class ADMM(OuterRegularizer):
    """L_val + (rho / 2) * ||A - z + u||, with z and u constants of the architecture step.

    Every `every` architecture steps:  z <- Pi_S(A + u);  u <- lam_u * u + A - z
    (scaled-form ADMM with a decaying dual, DARTS-PRIME supplementary ablation). Before
    the first update, z = Pi_S(A) and u = 0 (the usual ADMM start z_0 = Pi(x_0), u_0 = 0),
    taken at the first architecture step, when the regulariser first sees A.
    """

    NAME = "admm"
    SECTION = "admm"
    DEFAULTS = {
        "rho": 0.1,  # DARTS-PRIME supplementary S3: rho_a = 0.1 (ADMM, Eq. S1)
        "lam_u": 0.8,  # DARTS-PRIME S3: lambda_u = 0.8, the discount of the dual variable u (Eq. S5)
        "every": 10,  # DARTS-PRIME S3: "z and u are updated after every 10 alpha steps"
        # the published ADMM numbers come from the authors' code, whose admm_loss takes the 2-norm
        # unsquared (k8lion/DARTS-PRIME src/model_admm.py); Eq. S1 writes it squared ("squared-l2")
        "norm": "l2",
    }

    def __init__(self, config: dict[str, Any]):
        super().__init__(config)
        self.rho = non_negative(self.settings, "admm", "rho")
        self.lam_u = non_negative(self.settings, "admm", "lam_u")
        self.norm = checked_norm(self.settings, "admm")
        every = self.settings["every"]
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ConfigError(f"admm.every (architecture steps between z, u updates) must be a positive integer, "
                              f"got {every!r}")
        self.every = every
        self.z: torch.Tensor | None = None  # both set when the regulariser first sees A
        self.u: torch.Tensor | None = None
        self.arch_steps = 0

    def _start(self, method, edge_weights: torch.Tensor) -> None:
        if self.z is None:
            self.z = discrete_projection(method, edge_weights)
            self.u = torch.zeros_like(self.z)

    def penalty(self, method, progress) -> torch.Tensor:
        edge_weights = method.parameterization.activate()
        self._start(method, edge_weights)
        return self.rho / 2 * distance(edge_weights, self.z - self.u, self.norm)

    def after_arch_step(self, method, progress) -> None:
        edge_weights = method.parameterization.activate().detach()
        self._start(method, edge_weights)
        self.arch_steps += 1
        if self.arch_steps % self.every == 0:
            self.z = discrete_projection(method, edge_weights + self.u)
            self.u = self.lam_u * self.u + edge_weights - self.z

    def diagnostics(self) -> dict[str, Any]:
        return {} if self.u is None else {"admm_dual_norm": float(torch.linalg.vector_norm(self.u))}

    def state_dict(self) -> dict[str, Any]:
        return {"z": self.z, "u": self.u, "arch_steps": self.arch_steps}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.z, self.u, self.arch_steps = state["z"], state["u"], state["arch_steps"]
