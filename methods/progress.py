"""Where a search is: schedules (lambda_t, tau, c) are functions of this."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    epoch: int  # 0-based epoch in progress
    epochs: int  # total search epochs T
    step: int = 0  # 0-based step inside the epoch
    steps: int = 1  # steps per epoch

    @property
    def fraction(self) -> float:
        """Fraction of the search done, in [0, 1)."""
        return (self.epoch + self.step / self.steps) / self.epochs

    def linear(self, start: float, end: float) -> float:
        """A value moving linearly from start (first step) to end (last epoch), per epoch."""
        if self.epochs <= 1:
            return start
        return start + (end - start) * self.epoch / (self.epochs - 1)
