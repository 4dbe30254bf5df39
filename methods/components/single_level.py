"""Single-level (ERM) hypergradient: GAEA's NB201 search (Li et al., ICLR 2021; the GAEA code's
search.single_level=true).

Weights and architecture both descend the TRAINING loss: there is no validation
split to speak of (the method's defaults set data.split = "full", so every training
image trains both). The architecture gradient is taken on the same training batch as
the weight step, after it. The returned loss is that training loss; the step's
stats still call it "val_loss", the slot of the architecture step's objective.
"""

from __future__ import annotations

import torch

from methods.components.catalog import component
from methods.components.hypergradients import Hypergradient, zeros_for_unused
from methods.components.losses import supernet_loss


@component("hypergradient")
class SingleLevel(Hypergradient):
    """grad_theta [L_train(w, theta) + outer penalty] on the weight step's batch."""

    NAME = "single-level"

    def __call__(self, method, train_batch, val_batch, progress):
        weights, active = method.arch_weights(progress)
        loss, _ = supernet_loss(method.net, train_batch, weights, active=active,
                                edge_scale=method.arch_edge_scale())
        grads = torch.autograd.grad(loss + method.outer_penalty(progress), method.arch_parameters,
                                    allow_unused=True)
        return zeros_for_unused(grads, method.arch_parameters), loss.detach()
