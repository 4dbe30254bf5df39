"""The supernet loss under given architecture weights and (optionally) given network weights."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

Batch = tuple[torch.Tensor, torch.Tensor]


def supernet_loss(
    net: nn.Module,
    batch: Batch,
    arch_weights: torch.Tensor,
    params: dict[str, torch.Tensor] | None = None,
    active: torch.Tensor | None = None,
    edge_scale: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy and logits; `params` replaces the network's weights without touching them.

    Evaluating at w + e*v through `params` (not by adding to the weights in
    place and subtracting again) keeps w bit-exact, which exact resume needs.
    `active` is the optional host-side mask of ops to compute and `edge_scale`
    the optional per-edge output scale (see the supernet).
    """
    x, y = batch
    args = (x, arch_weights, active, edge_scale)
    logits = net(*args) if params is None else functional_call(net, params, args)
    return F.cross_entropy(logits, y), logits
