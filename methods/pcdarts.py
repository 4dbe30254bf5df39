"""PC-DARTS (Xu et al., "PC-DARTS: Partial Channel Connections for Memory-Efficient
Architecture Search", ICLR 2020).

One search step, as SearchMethod runs it with these components:
  supernet: 1/K of each edge's input channels go through the mixed op, the rest bypass it,
            then a channel shuffle (supernet.partial_channels = K = 4)
  1. weight step:  w <- SGD step on L_train(w, softmax(alpha), beta)
  2. after the warm-up epochs, arch step:
     (alpha, beta) <- Adam step on grad L_val (first order), where each node weighs its
     incoming edges' whole outputs by beta = softmax over those edges (edge normalisation,
     methods/components/partial_channel.py)
Derivation on NB201: argmax softmax(alpha) per edge; the betas only choose the top-2
incoming edges per node in the DARTS space, which NB201 does not do.
"""

from __future__ import annotations

from typing import Any

from methods.darts import nb201_search_defaults
from methods.registry import MethodSpec, register, require_space
from methods.search_method import SearchMethod

PAPER = "Xu et al., PC-DARTS: Partial Channel Connections for Memory-Efficient Architecture Search, ICLR 2020"


def pcdarts_nb201_defaults() -> dict[str, Any]:
    """PC-DARTS gives no NB201 setup (harness choice): the NB201 reference search setup of
    nb201_search_defaults() for the weights and the supernet (50 epochs, batch 64, SGD lr 0.025
    cosine to 0.001, C=16, N=5), with PC-DARTS's own method settings from its CIFAR-10 search
    (code: yuhuixu1993/PC-DARTS train_search.py, model_search.py).
    """
    config = nb201_search_defaults()
    config["supernet"]["partial_channels"] = 4  # PC-DARTS Sec. 3.1 and model_search.py: K = 4
    config["arch"].update(
        parameterization="partial-channel",  # PC-DARTS: op logits plus edge-normalisation betas
        hypergradient="first-order",  # PC-DARTS train_search.py: --unrolled defaults to False
        lr=6e-4,  # PC-DARTS train_search.py: --arch_learning_rate 6e-4
        weight_decay=1e-3,  # PC-DARTS train_search.py: --arch_weight_decay 1e-3
        warmup_epochs=15,  # PC-DARTS train_search.py: architect.step only `if epoch >= 15`
    )
    return config


def pcdarts_defaults(space: str) -> dict[str, Any]:
    require_space("PC-DARTS", space)
    return pcdarts_nb201_defaults()


register(MethodSpec("pcdarts", "PC-DARTS: partial channel connections (K=4) and edge normalisation",
                    PAPER, pcdarts_defaults, SearchMethod))
