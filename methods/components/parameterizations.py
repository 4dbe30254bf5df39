"""How architecture parameters become the op weights the supernet consumes.

A parameterization owns the architecture parameters, each [cell types, choices, max ops] (see
spaces/base.py: cells of one type share them), and answers:
  activate()             [types, choices, ops], differentiable: the weights regularisers, derivation
                         and diagnostics look at (softmax probabilities, simplex points, ...)
  input_weights()        [types, edges] or None: weights over each node's incoming edges
  supernet_weights()     ArchWeights for one forward (may sample), expanded to the network's cells
  eval_weights()         ArchWeights for evaluating the supernet (deterministic)
  derive_scores()        what the space's derivation ranks, and derive_input_scores() its edge scores
"""

from __future__ import annotations

from typing import Any

import torch

from methods.components.catalog import component
from methods.components.input_weights import EdgesByNode, node_softmax
from methods.components.op_masks import allowed_op_mask
from methods.progress import Progress
from spaces.base import ArchWeights, Decisions


class Parameterization:
    NAME = ""
    SECTION: str | None = None
    DEFAULTS: dict[str, Any] = {}
    derivation_rule = "per-choice"  # how the space turns scores into an architecture (spaces/base.py)

    def __init__(self, decisions: Decisions, config: dict[str, Any], generator: torch.Generator,
                 device: torch.device):
        self.decisions = decisions
        self.config = config
        self.generator = generator  # CPU generator: initialisation, then any sampling
        self.device = device
        self.shape = decisions.shape
        self.inputs = None  # learned input weights (InputLogits / InputSimplex) where the space has them
        # compile=true: a sampled op set reaches the supernet as a fixed mask (expand_chosen)
        self.fixed_op_set = bool(config["compile"])

    def parameters(self) -> list[torch.Tensor]:
        raise NotImplementedError

    def learn_inputs_by_softmax(self) -> None:
        """Give a space's learned input choices (NAS-Bench-1Shot1) softmax weights per node, drawn after the
        op parameters from the same generator. Harness choice for the parameterizations whose papers only
        weigh ops (GDAS, PR-DARTS, CRB): the inputs as DARTS weighs them in the 1Shot1 code (a softmax per
        node, optimizers/darts/model_search.py); 1Shot1's own GDAS draws soft Gumbel samples instead."""
        if learned_inputs(self.decisions):
            self.inputs = InputLogits(self.decisions, float(self.config["arch"]["init_scale"]), self.generator,
                                      self.device)

    def input_parameters(self) -> list[torch.Tensor]:
        return [] if self.inputs is None else [self.inputs.logits]

    def activate(self) -> torch.Tensor:
        raise NotImplementedError

    def input_weights(self, differentiable: bool = True) -> torch.Tensor | None:
        """[types, edges] multipliers of each edge's whole output, or None (1 everywhere)."""
        return None if self.inputs is None else self.inputs.weights(differentiable)

    def param_groups(self) -> list[dict[str, Any]]:
        """The parameters as optimizer param groups; a group may carry settings of its optimizer
        (exponentiated gradient's `floor`)."""
        return [{"params": self.parameters()}]

    def computed_ops(self) -> torch.Tensor | None:
        """Host bool [types, choices, ops] of the ops whose weights are nonzero, when known without
        reading the weights (saves the supernet a device-to-host copy); None: not known."""
        return None

    def supernet_weights(self, progress: Progress, differentiable: bool) -> ArchWeights:
        """What the supernet consumes for one forward pass."""
        ops = self.activate() if differentiable else self.activate().detach()
        return self.expand(ops, self.input_weights(differentiable), self.computed_ops())

    def eval_weights(self) -> ArchWeights:
        return self.expand(self.activate().detach(), self.input_weights(False), self.computed_ops())

    def expand(self, ops: torch.Tensor, inputs: torch.Tensor | None = None, active: torch.Tensor | None = None,
               offsets: torch.Tensor | None = None) -> ArchWeights:
        """Per-type tensors -> ArchWeights over the network's cells."""
        cells = self.decisions.to_cells
        return ArchWeights(cells(ops), None if inputs is None else cells(inputs),
                           None if active is None else cells(active), None if offsets is None else cells(offsets))

    def expand_chosen(self, ops: torch.Tensor, chosen: torch.Tensor, inputs: torch.Tensor | None = None,
                      offsets: torch.Tensor | None = None) -> ArchWeights:
        """ArchWeights of a forward that computes only the `chosen` ops (host bool [types, choices, ops],
        sampled per step: GDAS, hard-concrete gates). Eager, the mask is `chosen`. Compiled, a mask that
        changes every step would compile a graph every step (compilation.py), so the mask is every op
        this parameterization may choose and the unchosen ones are multiplied by exactly 0: the same
        forward, and no gradient reaches their weights through their outputs, as when they are not
        computed. Costs: every possible op is computed; and the parameters of an unchosen op get a zero
        gradient instead of none, so momentum and weight decay move them as they move every other
        parameter (as under zero_grad(set_to_none=False))."""
        if not self.fixed_op_set:
            return self.expand(ops, inputs, active=chosen, offsets=offsets)
        possible = self.allowed_ops()
        possible = self.decisions.op_exists() if possible is None else possible
        gate = chosen.to(ops.dtype).to(ops.device, non_blocking=True)
        return self.expand(ops * gate, inputs, active=possible, offsets=offsets)

    def derive_scores(self) -> torch.Tensor:
        """[types, choices, ops] scores the space's derivation ranks."""
        return self.activate().detach()

    def derive_input_scores(self) -> torch.Tensor | None:
        """[types, edges] scores of the incoming edges (PC-DARTS multiplies them in), or None."""
        inputs = self.input_weights(False)
        return None if inputs is None else inputs.detach()

    def allowed_ops(self) -> torch.Tensor | None:
        """Bool [types, choices, ops] of ops this method may pick (None: every op that exists)."""
        return None

    def after_arch_step(self) -> None:
        """Called right after each architecture optimizer step (e.g. to prune ops whose weight hit 0)."""

    def diagnostics(self) -> dict[str, Any]:
        return {}

    def state_dict(self) -> dict[str, Any]:
        return {"params": [p.detach().clone() for p in self.parameters()], "generator": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        with torch.no_grad():
            for p, saved in zip(self.parameters(), state["params"]):
                p.copy_(saved)
        self.generator.set_state(state["generator"])


def learned_inputs(decisions: Decisions) -> bool:
    """Whether the space's input choices carry their own weights (NAS-Bench-1Shot1)."""
    return any(choice.learned for choice in decisions.input_choices)


class InputLogits:
    """Logits over each node's incoming edges, weights = their softmax per node (PC-DARTS' betas,
    NAS-Bench-1Shot1's input weights under softmax parameterizations)."""

    def __init__(self, decisions: Decisions, init_scale: float, generator: torch.Generator, device):
        self.layout = EdgesByNode(decisions, device)
        shape = (decisions.num_types, len(decisions.edges))
        self.logits = (init_scale * torch.randn(shape, generator=generator)).to(device).requires_grad_()

    def weights(self, differentiable: bool) -> torch.Tensor:
        logits = self.logits if differentiable else self.logits.detach()
        return node_softmax(logits, self.layout)


@component("parameterization")
class SoftmaxLogits(Parameterization):
    """DARTS: logits alpha per choice, weights = softmax(alpha) over the choice's ops.

    Initialised at arch.init_scale * N(0, 1) (quark0/darts cnn/model_search.py: 1e-3 * randn). Ops
    named in softmax.exclude_ops are masked out of the softmax (weight exactly 0: never computed) and
    out of the derivation, as are the padding slots of choices with fewer ops than the longest. A
    space whose input choices are learned (NAS-Bench-1Shot1) gets softmax input weights too.
    """

    NAME = "softmax"
    SECTION = "softmax"
    DEFAULTS = {
        # harness choice: every op; GAEA C.3 runs first-order DARTS "with this modification" (the zero
        # op excluded) as the control of GAEA DARTS on NB201: --set softmax.exclude_ops='["none"]'
        "exclude_ops": [],
    }

    def __init__(self, decisions, config, generator, device):
        super().__init__(decisions, config, generator, device)
        scale = float(config["arch"]["init_scale"])
        self.alpha = (scale * torch.randn(self.shape, generator=generator)).to(device).requires_grad_()
        self.learn_inputs_by_softmax()
        self.allowed = allowed_op_mask(decisions, config["softmax"]["exclude_ops"], "softmax.exclude_ops")
        self.allowed_on_device = self.allowed.to(device)

    def parameters(self) -> list[torch.Tensor]:
        return [self.alpha] + self.input_parameters()

    def activate(self) -> torch.Tensor:
        return torch.softmax(self.alpha.masked_fill(~self.allowed_on_device, float("-inf")), dim=-1)

    def computed_ops(self) -> torch.Tensor:
        # softmax weights are nonzero on every allowed op
        return self.allowed

    def allowed_ops(self) -> torch.Tensor:
        return self.allowed
