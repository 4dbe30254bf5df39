"""Hard-concrete gates: one independent stochastic gate per op per edge (PR-DARTS).

The gate is the hard-concrete variable of Louizos, Welling & Kingma, "Learning Sparse
Neural Networks through L0 Regularization" (ICLR 2018, Sec. 4), as PR-DARTS uses it.
With beta the gate logits and u ~ U(0, 1):

    gbar   = sigmoid((ln u - ln(1 - u) + beta) / tau)
    gtilde = a + (b - a) * gbar                        a < 0 < 1 < b: stretch beyond [0, 1] ...
    g      = min(1, max(0, gtilde))                    ... so g is exactly 0 or 1 with positive probability
    P(g != 0) = sigmoid(beta - tau * ln(-a / b))

What this file takes from PR-DARTS (Section 4.1, Eq. 7, Theorem 3; Section 5) and the choices it makes:
  * weights are the raw gates g, not gates normalised over an edge (Eq. 7: X^(l) = sum g O(X)):
    the gates replace DARTS's shared softmax, so the ops on an edge do not compete for one unit;
  * one gate sample per forward, shared by every cell (one sampled cell, as GDAS samples
    one cell architecture per forward);
  * "randomly select only two operations on each edge to update" per iteration (Section 5,
    following GDAS, its reference [11]): before each forward,
    `sampled_ops_per_edge` ops per edge are drawn uniformly without replacement (from all
    ops, `none` included); every other op gets weight exactly 0, so the supernet neither
    computes nor trains it and the validation gradient reaches only the drawn ops' gates.
    The closed-form regulariser (pr_sparsity.py) still sees every gate: it costs nothing,
    and the subsampling exists to save the supernet's compute. Setting the number to the
    ops per edge gates every op on every forward;
  * the gate logits live on the host whatever the network's device: which gates come out
    exactly 0 is decided on the host for every forward (the supernet skips those ops), and
    with the 30 logits on the host that decision needs no device-to-host sync; the weights
    then go to the network's device in one copy, which autograd differentiates through;
  * evaluation uses the median gate at the current tau, derivation the largest P(g != 0)
    per edge (see median_gate and derive_scores). `none` computes 0 whatever its gate, so
    its logit moves only under the L_nonskip penalty: it is derived only on an edge where
    every other op became less likely to be on than it.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from methods.components.catalog import component
from methods.components.parameterizations import Parameterization
from methods.progress import Progress
from spaces.base import ArchWeights
from spaces.errors import ConfigError


def logistic_noise(uniform: torch.Tensor) -> torch.Tensor:
    """ln u - ln(1 - u); u is kept off 0 so the noise stays finite."""
    u = uniform.clamp_min(torch.finfo(uniform.dtype).tiny)
    return torch.log(u) - torch.log1p(-u)


def hard_concrete_gates(beta: torch.Tensor, noise: torch.Tensor, tau: float, a: float, b: float) -> torch.Tensor:
    """g = min(1, max(0, a + (b - a) sigmoid((noise + beta) / tau))), differentiable in beta.

    The clamp passes no gradient where g is exactly 0 or 1: that is the method.
    """
    stretched = a + (b - a) * torch.sigmoid((noise + beta) / tau)
    return stretched.clamp(0.0, 1.0)


def gate_nonzero_probability(beta: torch.Tensor, tau: float, a: float, b: float) -> torch.Tensor:
    """P(g != 0) = sigmoid(beta - tau ln(-a / b)) (Louizos et al. 2018, Eq. 12)."""
    return torch.sigmoid(beta - tau * math.log(-a / b))


def median_gate(beta: torch.Tensor, tau: float, a: float, b: float) -> torch.Tensor:
    """The median of g: min(1, max(0, a + (b - a) sigmoid(beta / tau))).

    g is a monotone map of the logistic noise, whose median is 0, so this is exactly the
    median gate at temperature tau. It is the deterministic test-time gate of Louizos et
    al. 2018 (Eq. 13), which omits tau, taken at the temperature the gates are sampled at
    (harness choice), so evaluation sees the nearly binary gates the end of the search trains.
    """
    return (a + (b - a) * torch.sigmoid(beta / tau)).clamp(0.0, 1.0)


@component("parameterization")
class HardConcreteGates(Parameterization):
    """PR-DARTS: op weights are independent hard-concrete gates with logits beta [types, choices, ops].

    activate() is P(g != 0) at the current temperature, what diagnostics show; derivation
    ranks the same order through beta. supernet_weights() samples gates from self.generator;
    eval_weights() is the deterministic median gate. tau falls linearly per epoch from
    tau_start to tau_end. Where a node keeps some of its incoming edges (the DARTS space), it
    keeps "the top two operations" by gate activation probability "collected from all previous
    nodes" (PR-DARTS Section 5): the space's top-ops rule.
    """

    derivation_rule = "top-ops"

    NAME = "hard-concrete"
    SECTION = "hard_concrete"
    DEFAULTS = {
        "a": -0.1,  # PR-DARTS Section 5: a = -0.1 (Louizos et al. 2018, Sec. 4: gamma = -0.1)
        "b": 1.1,  # PR-DARTS Section 5: b = 1.1 (Louizos et al. 2018, Sec. 4: zeta = 1.1)
        "tau_start": 10.0,  # PR-DARTS Section 5: "temperature tau = 10 and linearly reduce it to 0.1"
        "tau_end": 0.1,  # PR-DARTS Section 5
        "sampled_ops_per_edge": 2,  # PR-DARTS Section 5: "randomly select only two operations on each edge"
        # harness choice (PR-DARTS gives no initialisation): the L0 paper's code, beta ~ N(ln(1-p) - ln(p), 0.01^2)
        "init_drop_rate": 0.5,  # Louizos et al. 2018 code: droprate_init = 0.5, i.e. a mean logit of 0
        "init_std": 0.01,  # Louizos et al. 2018 code: normal_(mean, 1e-2); breaks ties between ops
    }

    def __init__(self, decisions, config, generator, device):
        super().__init__(decisions, config, generator, device)
        settings = config[self.SECTION]
        self.a, self.b = float(settings["a"]), float(settings["b"])
        self.tau_start, self.tau_end = float(settings["tau_start"]), float(settings["tau_end"])
        self.ops_per_edge_sampled = settings["sampled_ops_per_edge"]
        drop_rate, init_std = float(settings["init_drop_rate"]), float(settings["init_std"])
        check_settings(self.a, self.b, self.tau_start, self.tau_end, self.ops_per_edge_sampled, drop_rate, init_std)

        shape = self.shape
        mean_logit = math.log(1.0 - drop_rate) - math.log(drop_rate)
        self.beta = (mean_logit + init_std * torch.randn(shape, generator=generator)).requires_grad_()
        self.op_exists = decisions.op_exists()
        self.learn_inputs_by_softmax()
        self.tau = self.tau_start  # the temperature of the latest forward; activate() reports at it
        self.last_gates = torch.zeros(shape, dtype=torch.float64)  # latest sample, for diagnostics
        self.last_sampled = torch.zeros(shape, dtype=torch.bool)
        self.has_sampled = False

    def parameters(self) -> list[torch.Tensor]:
        return [self.beta] + self.input_parameters()

    def temperature(self, progress: Progress) -> float:
        return progress.linear(self.tau_start, self.tau_end)

    def nonzero_probability(self, progress: Progress) -> torch.Tensor:
        """P(g != 0) [types, choices, ops] at this step's temperature, differentiable in beta (for pr-sparsity)."""
        return gate_nonzero_probability(self.beta, self.temperature(progress), self.a, self.b)

    def activate(self) -> torch.Tensor:
        return gate_nonzero_probability(self.beta, self.tau, self.a, self.b)

    def supernet_weights(self, progress: Progress, differentiable: bool) -> ArchWeights:
        self.tau = self.temperature(progress)
        sampled = self.sample_ops()
        noise = logistic_noise(torch.rand(self.beta.shape, generator=self.generator, dtype=torch.float64))
        with torch.set_grad_enabled(differentiable and torch.is_grad_enabled()):
            gates = hard_concrete_gates(self.beta, noise.to(self.beta.dtype), self.tau, self.a, self.b)
            weights = torch.where(sampled, gates, torch.zeros((), dtype=gates.dtype))
        active = sampled & (gates.detach() != 0)
        self.last_gates, self.last_sampled, self.has_sampled = gates.detach().double(), sampled, True
        # non_blocking: a blocking host-to-device copy would wait for the device's queued work
        return self.expand_chosen(weights.to(self.device, non_blocking=True), active, self.input_weights(differentiable))

    def sample_ops(self) -> torch.Tensor:
        """Bool [types, choices, ops]: `sampled_ops_per_edge` ops per choice, uniformly without replacement."""
        if self.ops_per_edge_sampled >= self.decisions.max_ops:
            return self.op_exists.clone()
        keys = torch.rand(self.beta.shape, generator=self.generator, dtype=torch.float64)
        keys = keys.masked_fill(~self.op_exists, -1.0)  # keys are in [0, 1): missing ops are never drawn
        chosen = keys.topk(self.ops_per_edge_sampled, dim=-1).indices
        sampled = torch.zeros(self.beta.shape, dtype=torch.bool).scatter_(-1, chosen, True)
        return sampled & self.op_exists

    def eval_weights(self) -> ArchWeights:
        gates = median_gate(self.beta.detach(), self.tau, self.a, self.b).masked_fill(~self.op_exists, 0.0)
        return self.expand(gates.to(self.device), self.input_weights(False))

    def derive_scores(self) -> torch.Tensor:
        """beta: P(g != 0) = sigmoid(beta - tau ln(-a/b)) is increasing in beta, so this ranks ops
        by P(g != 0); ranking P itself would tie at high tau, where sigmoid(beta + 24) rounds to 1."""
        return self.beta.detach()

    def diagnostics(self) -> dict[str, Any]:
        probability = gate_nonzero_probability(self.beta.detach().double(), self.tau, self.a, self.b)
        result: dict[str, Any] = {"tau": self.tau}
        for name in sorted(self.decisions.op_names()):
            result[f"p_nonzero_{name}"] = float(probability[self.decisions.op_named([name])].mean())
        if self.has_sampled:
            drawn = self.last_gates[self.last_sampled]
            result["gate_zero_fraction"] = float((drawn == 0).double().mean())
            result["gate_one_fraction"] = float((drawn == 1).double().mean())
        return result

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state.update(tau=self.tau, last_gates=self.last_gates.clone(), last_sampled=self.last_sampled.clone(),
                     has_sampled=self.has_sampled)
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        # a checkpoint loaded with map_location=<device> brings these back on that device; they live on the host
        host_state = {key: value.cpu() if isinstance(value, torch.Tensor) else value for key, value in state.items()}
        super().load_state_dict(host_state)
        self.tau = float(host_state["tau"])
        self.last_gates = host_state["last_gates"].clone()
        self.last_sampled = host_state["last_sampled"].clone()
        self.has_sampled = bool(host_state["has_sampled"])


def check_settings(a, b, tau_start, tau_end, sampled_ops_per_edge, drop_rate, init_std) -> None:
    if not a < 0:
        raise ConfigError(f"hard_concrete.a must be < 0 (the stretch below 0 lets a gate be exactly 0), got {a}")
    if not b > 1:
        raise ConfigError(f"hard_concrete.b must be > 1 (the stretch above 1 lets a gate be exactly 1), got {b}")
    if not (tau_start > 0 and tau_end > 0):
        raise ConfigError(f"hard_concrete.tau_start and hard_concrete.tau_end must be > 0, got {tau_start}, {tau_end}")
    if (not isinstance(sampled_ops_per_edge, int) or isinstance(sampled_ops_per_edge, bool)
            or sampled_ops_per_edge < 1):
        raise ConfigError("hard_concrete.sampled_ops_per_edge must be a positive integer (the ops per edge "
                          f"to gate every op on every forward), got {sampled_ops_per_edge!r}")
    if not 0 < drop_rate < 1:
        raise ConfigError(f"hard_concrete.init_drop_rate must be between 0 and 1 (exclusive), got {drop_rate}")
    if not init_std >= 0:
        raise ConfigError(f"hard_concrete.init_std must be >= 0, got {init_std}")
