"""When architecture steps happen, relative to weight steps."""

from __future__ import annotations

import torch

from methods.components.base import Component
from methods.components.catalog import component


class Schedule(Component):
    needs_grad_norm = False  # True: arch_step_due receives ||grad_w||^2 of the weight step

    def arch_step_due(self, grad_norm_sq: torch.Tensor | None, progress) -> bool:
        raise NotImplementedError


@component("schedule")
class Alternate(Schedule):
    """One architecture step after every weight step (DARTS)."""

    NAME = "alternate"

    def arch_step_due(self, grad_norm_sq, progress) -> bool:
        return True
