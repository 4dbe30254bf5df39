"""Hard Gumbel-max sampling of one op per edge (GDAS), on logits or on the simplex (GAEA-GDAS).

Dong & Yang, "Searching for A Robust Neural Architecture in Four GPU Hours" (CVPR 2019).
For every forward, with G ~ Gumbel(0, 1) i.i.d. per edge and op:

    soft = softmax((log p + G) / tau)          p: the edge's op probabilities
    hard = one_hot(argmax(log p + G))          exactly one op per edge, exactly 0 elsewhere
    weights = hard + (soft - soft.detach())    forward: hard; backward: the gradient of soft

so the supernet computes one op per edge (the host-side mask says which) while the
architecture still gets the softmax relaxation's gradient (straight-through).
argmax(log p + G) is a draw from p whatever tau is; tau only shapes the gradient.

Readings this file commits to (each checked against the GDAS code, D-X-Y/AutoDL-Projects,
lib/models/cell_searchs/search_model_gdas.py, TinyNetworkGDAS.forward and the search cell's
forward_gdas):
  * one sample per network forward, shared by every cell of a type: the code draws `hardwts,
    index` once per forward and passes the same pair to every search cell (not one draw per
    cell; a space with normal and reduction cells draws one per type, as DARTS-space GDAS does);
  * the weight step and the architecture step each draw their own sample (each calls forward);
  * tau falls linearly per epoch from tau_start to tau_end over the search (GDAS.py:
    tau_max - (tau_max - tau_min) * epoch / (total_epoch - 1), which is Progress.linear);
  * each unchosen op's weight enters the edge's output as itself, `hardwts[i]`, whose forward
    value is 0: forward_gdas sums `weights[i] * op(x) if i == argmax else weights[i]`. So every
    unchosen weight receives the edge's summed upstream gradient, and the architecture gradient
    reaches every op's logit through the softmax. The unchosen ops are still not computed: their
    weights travel as ArchWeights.offsets (one scalar per edge: their sum), which the supernet adds
    to the edge's output;
  * the code redraws when a Gumbel sample is infinite; we keep the exponential draw off 0
    instead, which leaves the distribution unchanged up to the float's smallest value.

The probabilities live on the host: which op each edge computes is a host decision
for every forward, and with p on the host it needs no device-to-host sync (GDAS's
code does one `.item()` per edge instead). The weights go to the device in one copy,
which autograd differentiates through; the architecture gradient comes back the same way.
"""

from __future__ import annotations

from typing import Any

import torch

from methods.components.catalog import component
from methods.components.parameterizations import Parameterization, learned_inputs
from methods.components.op_masks import allowed_op_mask
from methods.components.simplex import InputSimplex, require_exponentiated_gradient, uniform_over
from methods.progress import Progress
from spaces.base import ArchWeights
from spaces.errors import ConfigError


def gumbel_noise(shape, generator: torch.Generator, dtype: torch.dtype) -> torch.Tensor:
    """G = -log E, E ~ Exponential(1) (as the GDAS code draws it), on the host from `generator`."""
    exponential = torch.empty(shape, dtype=dtype).exponential_(generator=generator)
    return -exponential.clamp_min(torch.finfo(dtype).tiny).log()


def straight_through_one_hot(log_probs: torch.Tensor, gumbels: torch.Tensor, tau: float):
    """(weights, index): weights are exactly one_hot(index) in the forward, index = argmax(log p + G),
    and carry the gradient of softmax((log p + G) / tau) in the backward."""
    perturbed = log_probs + gumbels
    index = perturbed.detach().argmax(-1)  # argmax of the logits, not of the rounded softmax: no ties
    one_hot = torch.zeros_like(perturbed).scatter_(-1, index.unsqueeze(-1), 1.0)
    if not perturbed.requires_grad:
        return one_hot, index
    soft = torch.softmax(perturbed / tau, dim=-1)
    # soft - soft.detach() is exactly 0, so the forward is exactly one-hot (GDAS's
    # one_h - probs.detach() + probs can round the 1 to 1 - 1ulp).
    return one_hot + (soft - soft.detach()), index


def check_temperatures(tau_start: float, tau_end: float) -> None:
    if not (tau_start > 0 and tau_end > 0):
        raise ConfigError(f"gumbel.tau_start and gumbel.tau_end must be > 0, got {tau_start}, {tau_end}")


class HardGumbelSampling(Parameterization):
    """What GDAS and GAEA-GDAS share; subclasses say what the probabilities are (log_probs())."""

    def __init__(self, decisions, config, generator, device):
        super().__init__(decisions, config, generator, device)
        settings = config["gumbel"]
        self.tau_start, self.tau_end = float(settings["tau_start"]), float(settings["tau_end"])
        check_temperatures(self.tau_start, self.tau_end)
        self.tau = self.tau_start  # the temperature of the latest forward, for diagnostics

    def log_probs(self) -> torch.Tensor:
        """[types, choices, ops] log-probabilities on the host, -inf for ops a choice cannot take."""
        raise NotImplementedError

    def supernet_weights(self, progress: Progress, differentiable: bool) -> ArchWeights:
        self.tau = progress.linear(self.tau_start, self.tau_end)
        with torch.set_grad_enabled(differentiable and torch.is_grad_enabled()):
            log_probs = self.log_probs()
            gumbels = gumbel_noise(log_probs.shape, self.generator, log_probs.dtype)
            weights, index = straight_through_one_hot(log_probs, gumbels, self.tau)
        chosen = torch.zeros(log_probs.shape, dtype=torch.bool).scatter_(-1, index.unsqueeze(-1), True)
        # forward_gdas's unchosen terms: exactly 0 in the forward, the weights' gradient in the backward
        offsets = weights.masked_fill(chosen, 0.0).sum(-1) if weights.requires_grad else None
        # non_blocking: a blocking host-to-device copy would wait for the device's queued work
        device_weights = weights.to(self.device, non_blocking=True)
        device_offsets = None if offsets is None else offsets.to(self.device, non_blocking=True)
        return self.expand_chosen(device_weights, chosen, self.input_weights(differentiable), device_offsets)

    def eval_weights(self) -> ArchWeights:
        """The most likely op per choice, one-hot: deterministic, and one op per choice as in the search."""
        log_probs = self.log_probs().detach()
        one_hot = torch.zeros_like(log_probs).scatter_(-1, log_probs.argmax(-1, keepdim=True), 1.0)
        return self.expand_chosen(one_hot.to(self.device), one_hot.bool(), self.input_weights(False))

    def diagnostics(self) -> dict[str, Any]:
        return {"tau": self.tau}

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "tau": self.tau}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        # a checkpoint loaded with map_location=<device> brings the generator state there; it is a host tensor
        super().load_state_dict({**state, "generator": state["generator"].cpu()})
        self.tau = float(state["tau"])


@component("parameterization")
class GumbelLogits(HardGumbelSampling):
    """GDAS: logits alpha [edges, ops], p = softmax(alpha); derivation takes argmax alpha.

    alpha starts at arch.init_scale * N(0, 1) (GDAS code: 1e-3 * randn).
    """

    NAME = "gumbel"
    SECTION = "gumbel"
    DEFAULTS = {
        "tau_start": 10.0,  # GDAS NB201 search script (AutoDL-Projects scripts-search/algos/GDAS.sh): --tau_max 10
        "tau_end": 0.1,  # same script: --tau_min 0.1
    }

    def __init__(self, decisions, config, generator, device):
        super().__init__(decisions, config, generator, device)
        self.op_exists = allowed_op_mask(decisions, [])
        self.alpha = (float(config["arch"]["init_scale"]) * torch.randn(self.shape, generator=generator)).requires_grad_()
        self.learn_inputs_by_softmax()

    def parameters(self) -> list[torch.Tensor]:
        return [self.alpha] + self.input_parameters()

    def log_probs(self) -> torch.Tensor:
        return torch.log_softmax(self.alpha.masked_fill(~self.op_exists, float("-inf")), dim=-1)

    def activate(self) -> torch.Tensor:
        return self.log_probs().exp()

    def derive_scores(self) -> torch.Tensor:
        return self.alpha.detach()

    def allowed_ops(self) -> torch.Tensor:
        return self.op_exists


@component("parameterization")
class GumbelSimplex(HardGumbelSampling):
    """GAEA-GDAS: the probabilities are theta on the simplex itself (log theta as the logits),
    moved by exponentiated gradient. Excluded ops (simplex.exclude_ops) have theta = 0, so
    log theta = -inf and they are never drawn. Reads the `gumbel` and `simplex` sections.
    """

    NAME = "gumbel-simplex"

    def __init__(self, decisions, config, generator, device):
        super().__init__(decisions, config, generator, device)
        require_exponentiated_gradient(config, self.NAME)
        self.allowed = allowed_op_mask(decisions, config["simplex"]["exclude_ops"])
        self.theta = uniform_over(self.allowed).requires_grad_()
        # GAEA C.2: input weights on each node's simplex too, moved by EG
        self.inputs = InputSimplex(decisions, device) if learned_inputs(decisions) else None

    def parameters(self) -> list[torch.Tensor]:
        return [self.theta] + ([] if self.inputs is None else [self.inputs.table])

    def param_groups(self) -> list[dict[str, Any]]:
        return [{"params": [self.theta]}] + ([] if self.inputs is None else [self.inputs.param_group()])

    def log_probs(self) -> torch.Tensor:
        # log of the allowed entries only: log 0 would be -inf and its gradient 1/0 would turn
        # the backward into NaN; the floor only matters if EG ever underflows an allowed op to 0.
        floor = torch.finfo(self.theta.dtype).tiny
        minus_inf = torch.full((), float("-inf"), dtype=self.theta.dtype)
        return torch.where(self.allowed, self.theta.clamp_min(floor).log(), minus_inf)

    def activate(self) -> torch.Tensor:
        return self.theta

    def allowed_ops(self) -> torch.Tensor:
        return self.allowed
