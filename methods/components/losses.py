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
    # At least fp32 logits for the loss under autocast (methods/components/precision.py): bf16 logits are
    # widened, fp32 and fp64 ones (the float64 reference tests) pass through unchanged
    wide = logits.to(torch.promote_types(logits.dtype, torch.float32))
    return F.cross_entropy(wide, y), logits
