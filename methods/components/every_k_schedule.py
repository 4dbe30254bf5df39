"""A fixed schedule: one architecture step per k weight steps (DARTS-PRIME's CS10 ablation, k = 10)."""

from __future__ import annotations

from typing import Any

from methods.components.catalog import component
from methods.components.schedules import Schedule
from spaces.errors import ConfigError


@component("schedule")
class EveryKWeightSteps(Schedule):
    """The architecture step follows the k-th, 2k-th, ... weight step of the search.

    Weight steps are counted across epochs, so an epoch whose length is not a multiple
    of k carries its remainder into the next and the ratio stays exactly k. The first
    architecture step comes after k weight steps rather than the first one (harness
    choice: the paper does not say where in the cycle it falls). Steps inside
    arch.warmup_epochs never reach the schedule and are not counted.
    """

    NAME = "every-k"
    SECTION = "every_k"
    DEFAULTS = {"k": 10}  # DARTS-PRIME Section 4 (CS10): "exactly 10 w steps per alpha step"

    def __init__(self, config: dict[str, Any]):
        super().__init__(config)
        k = self.settings["k"]
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ConfigError(f"every_k.k (weight steps per architecture step) must be a positive integer, got {k!r}")
        self.k = k
        self.weight_steps = 0

    def arch_step_due(self, grad_norm_sq, progress) -> bool:
        self.weight_steps += 1
        return self.weight_steps % self.k == 0

    def state_dict(self) -> dict[str, Any]:
        return {"weight_steps": self.weight_steps}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.weight_steps = state["weight_steps"]
