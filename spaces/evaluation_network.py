"""What every space's evaluation network offers (the discrete architecture, trained from scratch).

    net = space.evaluation_network(arch, network_config, num_classes, generator)
    net.start_epoch(epoch, epochs)    before each 0-based training epoch (DARTS' drop-path ramp)
    net(x) -> Output(logits, auxiliary)   auxiliary: the auxiliary head's logits in training, else None
    space.evaluation_defaults()       the network section of the space's paper protocol
    space.check_evaluation_network(network_config)   ConfigError for a section it cannot build
    space.canonical(arch)             the one form of an architecture that has several texts (a DARTS node's
                                      two pairs in either order), so its evaluations share one record
"""

from __future__ import annotations

from typing import NamedTuple

import torch


class Output(NamedTuple):
    logits: torch.Tensor
    auxiliary: torch.Tensor | None
