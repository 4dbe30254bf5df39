"""Deterministic parameter initialisation from an explicit generator.

nn.Module constructors draw from torch's global RNG; library code must not
reseed it, so every supernet is re-initialised here from its own generator.
The distributions are PyTorch's defaults (kaiming-uniform with a = sqrt(5)),
so a supernet looks exactly like one built the usual way, only reproducibly.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def reset_parameters(module: nn.Module, generator: torch.Generator) -> None:
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
            if layer.bias is not None:
                fan_in = layer.weight[0].numel()
                bound = 1 / math.sqrt(fan_in)
                nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
        elif isinstance(layer, nn.modules.batchnorm._BatchNorm):
            layer.reset_parameters()
