"""The "none" regularisers: what every inner and outer regulariser implements.

Inner regularisers change the weight step's gradient (Lambda-DARTS);
outer regularisers add a penalty to the architecture step's objective
(DARTS-PRIME proximity, ADMM, PR-DARTS sparsity).
"""

from __future__ import annotations

import torch

from methods.components.base import Component
from methods.components.catalog import component
from spaces.base import ArchWeights


class InnerRegularizer(Component):
    needs_layer_grads = False  # True: the weight step's op weights are a leaf whose .grad is dL/dP[l]

    def adjust(self, method, batch, weights: ArchWeights, progress) -> None:
        """Called after the weight step's backward, before clipping: may add to the .grad of w."""


class OuterRegularizer(Component):
    def penalty(self, method, progress) -> torch.Tensor | float:
        return 0.0

    def after_arch_step(self, method, progress) -> None:
        pass


@component("inner_reg")
class NoInnerRegularizer(InnerRegularizer):
    NAME = "none"


@component("outer_reg")
class NoOuterRegularizer(OuterRegularizer):
    NAME = "none"
