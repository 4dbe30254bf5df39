"""Size and cost of a network, as the papers report them.

params_mb        parameters in millions, leaving out the auxiliary head (quark0/darts cnn/utils.py
                 count_parameters_in_MB on master: `named_parameters()` whose name lacks "auxiliary";
                 the DARTS-family tables, e.g. GAEA Table 4, say "parameter counts exclude auxiliary
                 weights"). Every parameter counts, BatchNorm's affine ones included, as in NAS-Bench-201's
                 count (D-X-Y/AutoDL-Projects lib/utils/flop_benchmark.py count_parameters_in_MB).
multiply_adds    multiply-accumulate operations of one forward pass of one image in eval mode (so no
                 auxiliary head, no drop-path), counted by forward hooks on every Conv2d and Linear:
                 a convolution costs (its output elements) x (input channels per group) x (kernel area),
                 a linear layer in x out. BatchNorm, pooling, ReLU, the node sums and the noise op are not
                 counted (harness choice: the convention of the "FLOPs" / "multi-adds" columns of the
                 DARTS-family papers, which count the convolutions and the classifier).
"""

from __future__ import annotations

import torch
from torch import nn

AUXILIARY = "auxiliary"  # parameter-name part of an auxiliary head, left out of params_mb


def params_mb(model: nn.Module) -> float:
    """Parameters in millions, the auxiliary head left out."""
    return sum(p.numel() for name, p in model.named_parameters() if AUXILIARY not in name) / 1e6


def multiply_adds(model: nn.Module, image_shape: tuple[int, int, int]) -> int:
    """Multiply-adds of one eval-mode forward of one image of `image_shape` (channels, height, width)."""
    total = 0

    def count(layer, inputs, output):
        nonlocal total
        if isinstance(layer, nn.Conv2d):
            per_output = (layer.in_channels // layer.groups) * layer.kernel_size[0] * layer.kernel_size[1]
            total += output.numel() // output.shape[0] * per_output
        else:
            total += layer.in_features * layer.out_features

    hooks = [layer.register_forward_hook(count) for layer in model.modules()
             if isinstance(layer, (nn.Conv2d, nn.Linear))]
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        with torch.no_grad():
            model(torch.zeros((1, *image_shape), device=device))
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    return int(total)
