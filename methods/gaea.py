"""GAEA (Li, Khodak, Balcan & Talwalkar, "Geometry-Aware Gradient Algorithms for Neural
Architecture Search", ICLR 2021): the architecture lives on a product of simplices and moves
by exponentiated gradient, which drives it to sparse points faster than softmax logits do.

One search step, as SearchMethod runs it with these components:
  1. weight step:  w <- SGD step on L_train(w, theta)
  2. arch step:    theta <- theta * exp(-eta * grad_theta L) / Z   per edge
                   (methods/components/exponentiated_gradient.py, no weight decay)
  `gaea`          L is the training loss on the same batch (single level, ERM; no data split)
  `gaea-bilevel`  L is the validation loss (first order)
  `gaea-gdas`     GDAS with theta on the simplex: one op per edge drawn by Gumbel-max with
                  log theta as logits, straight-through gradient (gumbel-simplex), EG
  `gaea-pcdarts`  PC-DARTS with op weights and per-node edge weights on simplices, EG after
                  10 warm-up epochs without architecture steps
theta starts uniform over the allowed ops; `none` is excluded on NB201 (exactly 0 forever).
Derivation: argmax theta per edge over the allowed ops.
"""

from __future__ import annotations

from typing import Any

from methods.darts import nb201_search_defaults
from methods.gdas import gdas_nb201_defaults
from methods.pcdarts import pcdarts_nb201_defaults
from methods.registry import MethodSpec, register, require_space
from methods.search_method import SearchMethod

PAPER = "Li, Khodak, Balcan & Talwalkar, Geometry-Aware Gradient Algorithms for Neural Architecture Search, ICLR 2021"

ETA = 0.1  # GAEA paper C.3 (NB201): EG step size 0.1, for GAEA DARTS, GAEA GDAS and GAEA PC-DARTS (issue)


def exponentiated_gradient_on_simplices(config: dict[str, Any], parameterization: str) -> dict[str, Any]:
    """What every GAEA variant changes in its base method's NB201 config."""
    config["arch"].update(
        parameterization=parameterization,
        optimizer="eg",  # GAEA: exponentiated gradient (mirror descent, entropic regulariser)
        lr=ETA,
        weight_decay=0.0,  # GAEA paper C.3: no weight decay on theta
    )
    # GAEA paper C.3 and the GAEA code's NB201 command (README: search.exclude_zero=true): `none`
    # excluded on NB201; harness choice to keep it for the GDAS and PC-DARTS variants too.
    config["simplex"] = {"exclude_ops": ["none"]}
    return config


def gaea_darts_nb201_defaults(hypergradient: str) -> dict[str, Any]:
    """GAEA paper C.3 for NB201, shared by the ERM and bilevel runs (the GAEA code's NB201 command
    differs only in search.single_level)."""
    config = nb201_search_defaults()
    config["epochs"] = 25  # GAEA paper C.3; GAEA code README: run.epochs=25
    config["weights_optimizer"].update(
        weight_decay=3e-4,  # GAEA paper C.3
        # GAEA code (cnn/train_utils.py setup_optimizer): plain momentum SGD, no Nesterov; the
        # rest is C.3 and equal to nb201_search_defaults(): lr 0.025 cosine to 0.001, momentum
        # 0.9, batch 64, C=16, N=5, grad clip 5 (GAEA code, search_nasbench201.yaml)
        nesterov=False,
    )
    config["arch"].update(hypergradient=hypergradient, warmup_epochs=0)  # GAEA NB201: no warm-up
    if hypergradient == "single-level":
        # ERM: no data split, every training image trains both w and theta; the data layer's
        # "full" split logs supernet accuracy on the dataset's test split.
        config["data"]["split"] = "full"
    return exponentiated_gradient_on_simplices(config, "simplex")


def gaea_gdas_nb201_defaults() -> dict[str, Any]:
    """GDAS's NB201 setup (methods/gdas.py) with theta on the simplex and EG (issue: 150 epochs, eta 0.1).

    Bilevel and first order as GDAS (the GAEA code's architect_egdas.py steps on the validation batch).
    """
    config = gdas_nb201_defaults()
    config["epochs"] = 150  # GAEA paper (issue): GAEA GDAS searches 150 epochs on NB201
    return exponentiated_gradient_on_simplices(config, "gumbel-simplex")


def gaea_pcdarts_nb201_defaults() -> dict[str, Any]:
    """PC-DARTS's NB201 setup (methods/pcdarts.py) with op and edge weights on simplices and EG."""
    config = pcdarts_nb201_defaults()
    config = exponentiated_gradient_on_simplices(config, "partial-channel-simplex")
    config["arch"]["warmup_epochs"] = 10  # GAEA paper (issue): EG after 10 warm-up epochs
    return config


def nb201_only(build):
    def defaults(space: str) -> dict[str, Any]:
        require_space("GAEA", space)
        return build()

    return defaults


register(MethodSpec("gaea", "GAEA: exponentiated gradient on simplices, single level (ERM)", PAPER,
                    nb201_only(lambda: gaea_darts_nb201_defaults("single-level")), SearchMethod))
register(MethodSpec("gaea-bilevel", "GAEA: exponentiated gradient on simplices, bilevel (first order)", PAPER,
                    nb201_only(lambda: gaea_darts_nb201_defaults("first-order")), SearchMethod))
register(MethodSpec("gaea-gdas", "GAEA GDAS: Gumbel-max sampling with theta on the simplex, EG", PAPER,
                    nb201_only(gaea_gdas_nb201_defaults), SearchMethod))
register(MethodSpec("gaea-pcdarts", "GAEA PC-DARTS: partial channels, op and edge weights on simplices, EG",
                    PAPER, nb201_only(gaea_pcdarts_nb201_defaults), SearchMethod))
