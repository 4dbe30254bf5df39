"""The random numbers a network draws itself (drop-path masks, RobustDARTS' noise op), from its own generator.

The reference code draws them from the global RNG (quark0/darts cnn/utils.py drop_path,
automl/RobustDARTS src/operations.py NoiseOp); here they come from one generator seeded by the
caller, so the same seed gives the same masks. Its state is part of the network's state_dict
(nn.Module extra state), so a checkpoint resumes the draws exactly.

A torch.Generator lives on one device: the generator is made on the device of the first tensor
drawn for, and a saved state can only continue on a device of the same type.
"""

from __future__ import annotations

import torch
from torch import nn

from spaces.errors import ConfigError


class RandomSource(nn.Module):
    def __init__(self, seed: int):
        super().__init__()
        self.seed = int(seed)
        self._generator: torch.Generator | None = None
        self._pending: tuple[str, torch.Tensor] | None = None  # a loaded state, set once the device is known

    def generator(self, device: torch.device) -> torch.Generator:
        if self._generator is None:
            self._generator = torch.Generator(device=device)
            self._generator.manual_seed(self.seed)
            if self._pending is not None:
                saved_type, state = self._pending
                if saved_type != device.type:
                    raise ConfigError(f"this network's random state was saved on {saved_type} and cannot continue "
                                      f"on {device.type}; resume on the device the run started on")
                self._generator.set_state(state)
                self._pending = None
        elif self._generator.device.type != device.type:
            raise ConfigError(f"the network drew random numbers on {self._generator.device} and now on {device}; "
                              f"keep a network on one device")
        return self._generator

    def normal(self, like: torch.Tensor) -> torch.Tensor:
        """N(0, 1) samples of `like`'s shape, dtype and device."""
        return self.normal_of(like.shape, like)

    def normal_of(self, shape, like: torch.Tensor) -> torch.Tensor:
        """N(0, 1) samples of `shape` (drawn in NCHW order) with `like`'s dtype and device."""
        return torch.randn(shape, generator=self.generator(like.device), device=like.device, dtype=like.dtype)

    def keep_mask(self, batch: int, keep: float, like: torch.Tensor) -> torch.Tensor:
        """[batch, 1, 1, 1] of 1 (probability `keep`) or 0, in `like`'s dtype and device."""
        uniform = torch.rand((batch, 1, 1, 1), generator=self.generator(like.device), device=like.device)
        return (uniform < keep).to(like.dtype)

    def get_extra_state(self):
        if self._generator is not None:
            return {"seed": self.seed, "device": self._generator.device.type, "state": self._generator.get_state()}
        if self._pending is not None:
            return {"seed": self.seed, "device": self._pending[0], "state": self._pending[1]}
        return {"seed": self.seed, "device": None, "state": None}

    def set_extra_state(self, state) -> None:
        if state["seed"] != self.seed:
            raise ConfigError("the saved network was built from another seed")
        self._generator = None
        self._pending = None if state["state"] is None else (state["device"], state["state"])
