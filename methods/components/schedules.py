"""When architecture steps happen, relative to weight steps."""

from __future__ import annotations

from typing import Any

import torch

from methods.components.catalog import component


class Schedule:
    NAME = ""
    SECTION: str | None = None
    DEFAULTS: dict[str, Any] = {}
    needs_grad_norm = False  # True: arch_step_due receives ||grad_w||^2 of the weight step

    def __init__(self, config: dict[str, Any]):
        self.settings = config[self.SECTION] if self.SECTION else {}

    def arch_step_due(self, grad_norm_sq: torch.Tensor | None, progress) -> bool:
        raise NotImplementedError

    def diagnostics(self) -> dict[str, Any]:
        return {}

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


@component("schedule")
class Alternate(Schedule):
    """One architecture step after every weight step (DARTS)."""

    NAME = "alternate"

    def arch_step_due(self, grad_norm_sq, progress) -> bool:
        return True
