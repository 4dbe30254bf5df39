"""FIMT: architecture steps when the weights' Fisher information is low (DARTS-PRIME, Algorithm 1).

After each weight step with gradient G (before clipping):

    F_n = lam * ||G||^2 + (1 - lam) * F_{n-1}      moving average of the empirical Fisher trace
    if F_n < h:  architecture step,  h <- h * h_d   with h_d = exp(-r ln h_i) = h_i^-r
    else:                            h <- h * h_i

How often that steps. ln h rises by ln h_i on a weight step without an architecture
step and falls by r ln h_i on one with, so after N weight steps of which K carried an
architecture step, exactly

    ln(h_N / h_0) = (N - (r + 1) K) ln h_i.

h chases F (it rises until it passes F, then drops below it), so while F is stationary
ln(h_N / h_0) stays bounded and N / K -> r + 1: r weight-only steps between two
architecture steps. (The paper's "r weight steps per architecture step" counts those;
counting every weight step it is r + 1.) A trend in F moves the ratio: if ln F drifts
by -delta per step, ln h must follow, and N / K -> (r + 1) / (1 + delta / ln h_i);
a falling Fisher trace (weights settling) gets more architecture steps.

F_0 (harness choice, following the DARTS-PRIME authors' code, which starts its moving
average at the first measurement): F_1 = ||G_1||^2. Starting from F_0 = 0 would make
F_1 = lam * ||G_1||^2, five times too small at the defaults, and grant architecture
steps on the freshest, least trained weights only because of the initialisation.

Steps inside arch.warmup_epochs never reach the schedule, so F starts after warm-up.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from methods.components.catalog import component
from methods.components.schedules import Schedule
from spaces.errors import ConfigError


@component("schedule")
class FisherInformationThreshold(Schedule):
    NAME = "fimt"
    SECTION = "fimt"
    DEFAULTS = {
        "h0": 1.0,  # DARTS-PRIME Section 4.2: initial threshold h_0 = 1.0 (Algorithm 1)
        "h_i": 1.05,  # DARTS-PRIME Section 4.2: threshold increase factor h_i = 1.05
        "r": 10,  # DARTS-PRIME Section 4.2: r = 10, "as in CS10"; h_d = exp(-r ln h_i) (Algorithm 1)
        "lam": 0.2,  # DARTS-PRIME Section 4.2: lambda = 0.2, the newest ||G||^2's weight in the moving average
    }
    needs_grad_norm = True

    def __init__(self, config: dict[str, Any]):
        super().__init__(config)
        h0, h_i, r, lam = (self.settings[key] for key in ("h0", "h_i", "r", "lam"))
        for key, value in (("h0", h0), ("h_i", h_i), ("r", r), ("lam", lam)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"fimt.{key} must be a number, got {value!r}")
        if h0 <= 0:
            raise ConfigError(f"fimt.h0 (initial Fisher threshold) must be > 0, got {h0}")
        if h_i <= 1:
            raise ConfigError(f"fimt.h_i must be > 1 (the threshold grows by h_i while no arch step is due), got {h_i}")
        if r <= 0:
            raise ConfigError(f"fimt.r (weight steps per architecture step) must be > 0, got {r}")
        if not 0 < lam <= 1:
            raise ConfigError(f"fimt.lam (moving-average weight) must be in (0, 1], got {lam}")
        self.increase = float(h_i)
        self.decrease = math.exp(-r * math.log(h_i))
        self.lam = float(lam)
        self.threshold = float(h0)
        self.fisher = 0.0  # F, meaningful once weight_steps > 0
        self.weight_steps = 0
        self.arch_steps = 0

    def arch_step_due(self, grad_norm_sq: torch.Tensor | None, progress) -> bool:
        if grad_norm_sq is None:
            raise ValueError("the fimt schedule needs ||grad_w||^2 of every weight step (needs_grad_norm)")
        # One device-to-host copy per weight step: Algorithm 1 decides on the host, from this
        # very step's gradient, whether an architecture step follows; nothing can defer it.
        squared_norm = float(grad_norm_sq)
        first = self.weight_steps == 0
        self.fisher = squared_norm if first else self.lam * squared_norm + (1 - self.lam) * self.fisher
        self.weight_steps += 1
        due = self.fisher < self.threshold
        self.threshold *= self.decrease if due else self.increase
        self.arch_steps += int(due)
        return due

    def diagnostics(self) -> dict[str, Any]:
        return {"fimt_threshold": self.threshold, "fimt_fisher": self.fisher,
                "fimt_weight_steps": self.weight_steps, "fimt_arch_steps": self.arch_steps}

    def state_dict(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "fisher": self.fisher,
                "weight_steps": self.weight_steps, "arch_steps": self.arch_steps}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.threshold = state["threshold"]
        self.fisher = state["fisher"]
        self.weight_steps = state["weight_steps"]
        self.arch_steps = state["arch_steps"]
