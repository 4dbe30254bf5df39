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

from methods.darts import nb201_search_defaults
from methods.registry import MethodSpec, register, require_space
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


def gdas_defaults(space: str) -> dict[str, Any]:
    require_space("GDAS", space)
    return gdas_nb201_defaults()


register(MethodSpec("gdas", "GDAS: one Gumbel-max sampled op per edge, straight-through softmax gradient",
                    PAPER, gdas_defaults, SearchMethod))
