"""GDAS (Dong & Yang, "Searching for A Robust Neural Architecture in Four GPU Hours", CVPR 2019).

One search step, as SearchMethod runs it with these components:
  1. draw one op per edge by Gumbel-max from softmax(alpha), shared by every cell; the
     supernet computes only those ops (methods/components/gumbel.py)
     weight step:  w <- SGD step on L_train(w, one-hot sample)
  2. draw again; arch step:
     alpha <- Adam step on grad_alpha L_val, through the straight-through sample whose
     backward is the gradient of softmax((log softmax(alpha) + G) / tau) (first order)
  tau falls linearly per epoch from 10 to 0.1 over the search.
Derivation: argmax alpha per edge (`none` included, as in the GDAS code's genotype()).
"""

from __future__ import annotations

from typing import Any

from methods.darts import darts_space_search_defaults, nb1shot1_search_defaults, nb201_search_defaults
from methods.registry import MethodSpec, SpaceContext, register
from methods.search_method import SearchMethod

PAPER = "Dong & Yang, Searching for A Robust Neural Architecture in Four GPU Hours, CVPR 2019"


def gdas_nb201_defaults() -> dict[str, Any]:
    """The NAS-Bench-201 GDAS setup (AutoDL-Projects: configs/nas-benchmark/algos/GDAS.config and
    scripts-search/algos/GDAS.sh). Apart from the epochs and tau it is exactly the NB201 reference
    setup of nb201_search_defaults(): C=16, N=5, batch 64, SGD lr 0.025 cosine to 0.001, momentum
    0.9 Nesterov, weight decay 5e-4, grad clip 5; arch Adam lr 3e-4, betas (0.5, 0.999), weight
    decay 1e-3; alpha = 1e-3 * randn.
    """
    config = nb201_search_defaults()
    # GAEA C.3: "250 epochs used for GDAS in the original benchmarked results" (NAS-Bench-201's GDAS
    # baseline). NB: GDAS.config in AutoDL-Projects reads epochs 240 + warmup 0.
    config["epochs"] = 250
    config["arch"]["parameterization"] = "gumbel"  # GDAS: hard Gumbel-max sample, straight-through
    config["arch"]["hypergradient"] = "first-order"  # GDAS.py: one Adam step on the sampled val loss
    config["gumbel"] = {
        "tau_start": 10.0,  # GDAS.sh: --tau_max 10
        "tau_end": 0.1,  # GDAS.sh: --tau_min 0.1
    }
    return config


def gdas_darts_space_defaults(context: SpaceContext) -> dict[str, Any]:
    """GDAS on the DARTS (NASNet-like) space, AutoDL-Projects scripts-search/GDAS-search-NASNet-space.sh with
    configs/search-opts/GDAS-NASNet-CIFAR.config. Its search network stacks 6 cells (N=2 per stage); here it
    is the DARTS space's 8-cell search network (harness choice: one search network for every method)."""
    config = darts_space_search_defaults(context)
    config["epochs"] = 250  # GDAS-NASNet-CIFAR.config: "epochs": 250, "warmup": 0
    config["data"]["batch_size"] = 256  # "batch_size": 256
    config["weights_optimizer"].update(
        lr=0.025, lr_min=0.001,  # "LR": 0.025, "eta_min": 0.001, cosine
        momentum=0.9, nesterov=True,  # "momentum": 0.9, "nesterov": 1
        weight_decay=5e-4,  # "decay": 0.0005
        grad_clip=5.0,  # exps/algos/GDAS.py: clip_grad_norm_(network.parameters(), 5)
    )
    # --arch_learning_rate 0.0003 --arch_weight_decay 0.001, Adam betas (0.5, 0.999): DARTS's, as set above
    config["arch"]["parameterization"] = "gumbel"
    config["arch"]["hypergradient"] = "first-order"
    config["gumbel"] = {"tau_start": 10.0, "tau_end": 0.1}  # GDAS-search-NASNet-space.sh: --tau_max 10 --tau_min 0.1
    return config


def gdas_nb1shot1_defaults(context: SpaceContext) -> dict[str, Any]:
    """GDAS on NAS-Bench-1Shot1: automl/nasbench-1shot1 optimizers/gdas/train_search.py, DARTS's 1Shot1 setup
    (methods/darts.py) searched twice as long with a milder final temperature."""
    config = nb1shot1_search_defaults(context)
    config["epochs"] = 100  # gdas/train_search.py --epochs 100
    config["arch"]["parameterization"] = "gumbel"
    config["arch"]["hypergradient"] = "first-order"  # --unrolled off
    # --tau_max 10 --tau_min 1, decreased linearly per epoch. NB: the repository's GDAS weighs each node's
    # inputs by soft Gumbel-softmax samples per cell; here the input weights are the parameterization's own
    config["gumbel"] = {"tau_start": 10.0, "tau_end": 1.0}
    return config


register(MethodSpec("gdas", "GDAS: one Gumbel-max sampled op per edge, straight-through softmax gradient",
                    PAPER, {"nb201": lambda context: gdas_nb201_defaults(), "darts": gdas_darts_space_defaults,
                           "nb1shot1": gdas_nb1shot1_defaults},
                    SearchMethod))
