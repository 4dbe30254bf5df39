"""A search method assembled from components (DESIGN.md, "Method").

One step on a (train batch, val batch) pair reads like the DARTS algorithm box:

  1. weight step:   w <- w - lr * (grad_w L_train(w, A) + inner regulariser's correction)
                    with A = the parameterization's weights for this forward (maybe sampled)
  2. if the schedule says so (and warm-up is over):
     arch step:     theta <- arch optimizer(theta, hypergradient of L_val + outer penalty)

A hypergradient with `arch_step_first` (single-level search) swaps the two lines, as the GAEA
code orders them (cnn/train_search.py: architect.step, then the weight step); its schedule then
decides before the weight step, so it cannot be one that reads the weight gradient (FIMT).

Methods differ only in the components plugged into these lines (catalog.py).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from methods.components.catalog import lookup
from methods.components.losses import supernet_loss
from methods.components.optimizers import make_weight_optimizer
from methods.components.precision import Precision
from methods.progress import Progress
from spaces.base import ArchWeights, weights_record
from spaces.errors import ConfigError


class SearchMethod:
    def __init__(self, name: str, space, net: nn.Module, config: dict[str, Any], generator: torch.Generator):
        self.name = name
        self.space = space
        self.net = net
        self.config = config
        arch = config["arch"]
        device = next(net.parameters()).device
        self.decisions = space.decisions(config["supernet"])
        self.precision = Precision(config["precision"], device)
        self.parameterization = lookup("parameterization", arch["parameterization"])(
            self.decisions, config, generator, device)
        self.arch_parameters = self.parameterization.parameters()
        self.hypergradient = lookup("hypergradient", arch["hypergradient"])(config)
        self.inner_reg = lookup("inner_reg", config["inner_reg"])(config)
        self.outer_reg = lookup("outer_reg", config["outer_reg"])(config)
        self.schedule = lookup("schedule", config["schedule"])(config)
        if self.hypergradient.arch_step_first and self.schedule.needs_grad_norm:
            raise ConfigError(f"arch.hypergradient={arch['hypergradient']} takes its architecture step before the "
                              f"weight step, so schedule={config['schedule']} has no weight gradient to decide on")
        self.a_optimizer = lookup("arch_optimizer", arch["optimizer"]).build(self.parameterization.param_groups(), config)
        self.w_optimizer, self.w_scheduler = make_weight_optimizer(
            net.parameters(), config["weights_optimizer"], config["epochs"])
        self.grad_clip = float(config["weights_optimizer"]["grad_clip"])
        self.warmup_epochs = int(arch["warmup_epochs"])
        for part in (self.hypergradient, self.inner_reg, self.outer_reg, self.schedule):
            part.check(self)

    # --- what the supernet consumes -------------------------------------------------------
    def arch_weights(self, progress: Progress) -> ArchWeights:
        """For the architecture step: differentiable in the architecture parameters (maybe sampled)."""
        return self.parameterization.supernet_weights(progress, differentiable=True)

    def eval_weights(self) -> ArchWeights:
        return self.parameterization.eval_weights()

    def outer_penalty(self, progress: Progress) -> torch.Tensor | float:
        return self.outer_reg.penalty(self, progress)

    # --- one search step ------------------------------------------------------------
    def step(self, train_batch, val_batch, progress: Progress) -> dict[str, torch.Tensor]:
        with self.precision.autocast():
            return self._step(train_batch, val_batch, progress)

    def _step(self, train_batch, val_batch, progress: Progress) -> dict[str, torch.Tensor]:
        if self.hypergradient.arch_step_first:
            val_loss = self.arch_step_if_due(None, train_batch, val_batch, progress)
            stats = self.weight_step(train_batch, progress)
        else:
            stats = self.weight_step(train_batch, progress)
            val_loss = self.arch_step_if_due(stats.get("grad_norm_sq"), train_batch, val_batch, progress)
        if val_loss is not None:
            stats["val_loss"] = val_loss
        stats["arch_step"] = None if val_loss is None else torch.ones((), device=stats["train_loss"].device)
        return stats

    def arch_step_if_due(self, grad_norm_sq, train_batch, val_batch, progress: Progress) -> torch.Tensor | None:
        """The architecture step's objective when the warm-up is over and the schedule says so, else None."""
        if progress.epoch < self.warmup_epochs or not self.schedule.arch_step_due(grad_norm_sq, progress):
            return None
        return self.arch_step(train_batch, val_batch, progress)

    def weight_step(self, train_batch, progress: Progress) -> dict[str, torch.Tensor]:
        weights = self.parameterization.supernet_weights(progress, differentiable=False).detached()
        # Lambda-DARTS reads dL/dP[l] off a leaf of the per-cell op weights
        weights = weights.with_ops(weights.ops.requires_grad_(self.inner_reg.needs_layer_grads))
        self.w_optimizer.zero_grad(set_to_none=True)
        loss, logits = supernet_loss(self.net, train_batch, weights)
        self.precision.backward(loss)  # loss-scaled under fp16 (precision.py)
        self.precision.unscale(self.w_optimizer, weights.ops)  # true gradients from here on
        self.inner_reg.adjust(self, train_batch, weights, progress)
        stats = {"train_loss": loss.detach(), "train_correct": (logits.detach().argmax(1) == train_batch[1]).sum()}
        if self.schedule.needs_grad_norm:
            # ||G||^2 of the weight gradient before clipping (the empirical Fisher trace of FIMT)
            stats["grad_norm_sq"] = sum(p.grad.detach().square().sum() for p in self.net.parameters()
                                        if p.grad is not None)
        nn.utils.clip_grad_norm_(self.net.parameters(), self.grad_clip)
        self.precision.step(self.w_optimizer)  # skipped under fp16 when the scaled gradient overflowed
        return stats

    def arch_step(self, train_batch, val_batch, progress: Progress) -> torch.Tensor:
        grads, val_loss = self.hypergradient(self, train_batch, val_batch, progress)
        if not self.precision.arch_step_is_finite(grads):  # fp16 only: an overflow skips the step
            return val_loss
        self.a_optimizer.zero_grad(set_to_none=True)
        for p, g in zip(self.arch_parameters, grads):
            p.grad = g
        self.a_optimizer.step()
        self.parameterization.after_arch_step()
        self.outer_reg.after_arch_step(self, progress)
        return val_loss

    def end_epoch(self) -> None:
        self.w_scheduler.step()

    # --- results --------------------------------------------------------------------
    def derive(self):
        return self.derive_from(self.parameterization.derive_scores(), self.parameterization.allowed_ops())

    def derive_from(self, scores: torch.Tensor, allowed: torch.Tensor | None):
        """The space's architecture for op scores [types, choices, ops] under this method's input scores
        and derivation rule (DARTS-PRIME's projection derives from its own scores)."""
        return self.space.derive(scores, allowed, self.parameterization.derive_input_scores(),
                                 self.parameterization.derivation_rule)

    def diagnostics(self) -> dict[str, Any]:
        weights = self.parameterization.activate().detach().double().cpu()
        normalised = weights / weights.sum(-1, keepdim=True).clamp_min(1e-30)
        entropy = -(normalised.clamp_min(1e-30).log() * normalised).sum(-1).mean()  # mean over every choice
        result = {"entropy": float(entropy), "arch_weights": weights_record(self.decisions, weights)}
        for part in (self.parameterization, self.inner_reg, self.outer_reg, self.schedule):
            result.update(part.diagnostics())
        return result

    def state_dict(self) -> dict[str, Any]:
        return {
            "parameterization": self.parameterization.state_dict(),
            "inner_reg": self.inner_reg.state_dict(),
            "outer_reg": self.outer_reg.state_dict(),
            "schedule": self.schedule.state_dict(),
            "w_optimizer": self.w_optimizer.state_dict(),
            "w_scheduler": self.w_scheduler.state_dict(),
            "a_optimizer": self.a_optimizer.state_dict(),
            "precision": self.precision.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.parameterization.load_state_dict(state["parameterization"])
        self.inner_reg.load_state_dict(state["inner_reg"])
        self.outer_reg.load_state_dict(state["outer_reg"])
        self.schedule.load_state_dict(state["schedule"])
        self.w_optimizer.load_state_dict(state["w_optimizer"])
        self.w_scheduler.load_state_dict(state["w_scheduler"])
        self.a_optimizer.load_state_dict(state["a_optimizer"])
        if self.precision.scaled:  # loss scales exist under fp16 only (older checkpoints never had them)
            self.precision.load_state_dict(state["precision"])
