"""The supernet loss under given architecture weights and (optionally) given network weights."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from spaces.base import ArchWeights

Batch = tuple[torch.Tensor, torch.Tensor]


def supernet_loss(
    net: nn.Module,
    batch: Batch,
    arch: ArchWeights,
    params: dict[str, torch.Tensor] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy and logits; `params` replaces the network's weights without touching them.

    Evaluating at w + e*v through `params` (not by adding to the weights in
    place and subtracting again) keeps w bit-exact, which exact resume needs.
    """
    x, y = batch
    logits = net(x, arch) if params is None else functional_call(net, params, (x, arch))
    # fp32 logits for the loss under autocast (methods/components/precision.py); a no-op in fp32
    return F.cross_entropy(logits.float(), y), logits
