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

from methods.darts import darts_space_search_defaults, nb1shot1_search_defaults, nb201_search_defaults
from methods.registry import MethodSpec, SpaceContext, register
from methods.search_method import SearchMethod

PAPER = "Xu et al., PC-DARTS: Partial Channel Connections for Memory-Efficient Architecture Search, ICLR 2020"


def pcdarts_nb201_defaults() -> dict[str, Any]:
    """PC-DARTS gives no NB201 setup (harness choice): the NB201 reference search setup of
    nb201_search_defaults() for the weights and the supernet (50 epochs, batch 64, SGD lr 0.025
    cosine to 0.001, C=16, N=5), with PC-DARTS's own method settings from its CIFAR-10 search
    (code: yuhuixu1993/PC-DARTS train_search.py, model_search.py).
    """
    return with_partial_channels(nb201_search_defaults())


def pcdarts_darts_space_defaults(context: SpaceContext) -> dict[str, Any]:
    """PC-DARTS's own CIFAR-10 search (yuhuixu1993/PC-DARTS train_search.py defaults; PC-DARTS Section 4.2):
    the 8-cell, 16-channel supernet with larger batches and learning rate than DARTS."""
    config = darts_space_search_defaults(context)
    config["data"]["batch_size"] = 256  # --batch_size 256
    config["weights_optimizer"].update(lr=0.1, lr_min=0.001, momentum=0.9, weight_decay=3e-4, grad_clip=5.0)
    return with_partial_channels(config)  # --learning_rate 0.1 --learning_rate_min 0.001 (cosine) above


def pcdarts_nb1shot1_defaults(context: SpaceContext) -> dict[str, Any]:
    """PC-DARTS on NAS-Bench-1Shot1 as its authors ran it (automl/nasbench-1shot1 optimizers/pc_darts/
    train_search.py, the copy in liamcli/nasbench-1shot1): DARTS's 1Shot1 setup (methods/darts.py) for 100
    epochs, with DARTS's architecture optimizer and no warm-up instead of PC-DARTS's own."""
    config = with_partial_channels(nb1shot1_search_defaults(context))
    config["epochs"] = 100  # --epochs 100
    # --arch_learning_rate 3e-4 (ops), --edge_learning_rate 3e-4 (edges), --arch_weight_decay 1e-3,
    # --warm_start_epochs 0: the repository's values, not PC-DARTS's 6e-4 and 15 warm-up epochs
    config["arch"].update(lr=3e-4, weight_decay=1e-3, warmup_epochs=0)
    return config


def with_partial_channels(config: dict[str, Any]) -> dict[str, Any]:
    config["supernet"]["partial_channels"] = 4  # PC-DARTS Sec. 3.1 and model_search.py: K = 4
    config["arch"].update(
        parameterization="partial-channel",  # PC-DARTS: op logits plus edge-normalisation betas
        hypergradient="first-order",  # PC-DARTS train_search.py: --unrolled defaults to False
        lr=6e-4,  # PC-DARTS train_search.py: --arch_learning_rate 6e-4
        weight_decay=1e-3,  # PC-DARTS train_search.py: --arch_weight_decay 1e-3
        warmup_epochs=15,  # PC-DARTS train_search.py: architect.step only `if epoch >= 15`
    )
    return config


register(MethodSpec("pcdarts", "PC-DARTS: partial channel connections (K=4) and edge normalisation",
                    PAPER, {"nb201": lambda context: pcdarts_nb201_defaults(), "darts": pcdarts_darts_space_defaults,
                             "nb1shot1": pcdarts_nb1shot1_defaults},
                    SearchMethod))
