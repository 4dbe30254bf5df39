"""Supernet loss and accuracy on a held-out split (no augmentation, no gradients)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from harness.data.loaders import eval_batches
from spaces.base import ArchWeights


@torch.no_grad()
def supernet_accuracy(net: nn.Module, arch: ArchWeights, images, labels, batch_size: int, mean, std):
    """(mean cross-entropy, accuracy in percent) of the supernet under fixed architecture weights."""
    was_training = net.training
    net.eval()
    loss_sum = torch.zeros((), device=arch.ops.device)
    correct = torch.zeros((), device=arch.ops.device)
    count = 0
    arch = arch.with_host_mask()  # read the mask once, not once per batch
    for x, y in eval_batches(images, labels, batch_size, mean, std):
        logits = net(x, arch)
        loss_sum += F.cross_entropy(logits, y, reduction="sum")
        correct += (logits.argmax(1) == y).sum()
        count += len(y)
    net.train(was_training)
    return float(loss_sum) / count, 100.0 * float(correct) / count
