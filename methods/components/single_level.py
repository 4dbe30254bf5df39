"""Single-level (ERM) hypergradient: GAEA's NB201 search (Li et al., ICLR 2021, Section 4 and C.3;
the GAEA code's search.single_level=true).

Weights and architecture both descend the TRAINING loss. As in the GAEA code (cnn/train_search.py,
train(): architect.step on `input_search`, then the weight step on `input`; cnn/train_utils.py: with
single_level the search queue is a shuffled copy of the training set), the architecture step
  * comes BEFORE the weight step (arch_step_first), at the weights w the weight step then updates, and
  * uses its own batch: the second batch of the pair, which the `full` data split draws as an
    independent random order over the same training images (harness/data/loaders.py).
The returned loss is that training loss; the step's stats still call it "val_loss", the slot of the
architecture step's objective.
"""

from __future__ import annotations

from methods.components.catalog import component
from methods.components.hypergradients import Hypergradient, zeros_for_unused
from methods.components.losses import supernet_loss


@component("hypergradient")
class SingleLevel(Hypergradient):
    """grad_theta [L_train(w, theta) + outer penalty] on the search batch, before the weight step."""

    NAME = "single-level"
    arch_step_first = True

    def __call__(self, method, train_batch, search_batch, progress):
        loss, _ = supernet_loss(method.net, search_batch, method.arch_weights(progress))
        grads = method.precision.grad(loss + method.outer_penalty(progress), method.arch_parameters,
                                      allow_unused=True)
        return zeros_for_unused(grads, method.arch_parameters), loss.detach()
