"""GAEA (Li, Khodak, Balcan & Talwalkar, "Geometry-Aware Gradient Algorithms for Neural
Architecture Search", ICLR 2021): the architecture lives on a product of simplices and moves
by exponentiated gradient, which drives it to sparse points faster than softmax logits do.

One search step, as SearchMethod runs it with these components:
  1. weight step:  w <- SGD step on L_train(w, theta)
  2. arch step:    theta <- max(theta * exp(-eta * grad_theta L), floor) / Z   per edge
                   (methods/components/exponentiated_gradient.py, no weight decay)
  `gaea`          single level (ERM, GAEA Section 4 / C.3): L is the training loss on an
                  independent batch of the training set, and the arch step comes first (GAEA
                  code order; methods/components/single_level.py)
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

from methods.darts import darts_space_search_defaults, nb1shot1_search_defaults, nb201_search_defaults
from methods.gdas import gdas_darts_space_defaults, gdas_nb1shot1_defaults, gdas_nb201_defaults
from methods.pcdarts import pcdarts_darts_space_defaults, pcdarts_nb1shot1_defaults, pcdarts_nb201_defaults
from methods.registry import MethodSpec, SpaceContext, register
from methods.search_method import SearchMethod

PAPER = "Li, Khodak, Balcan & Talwalkar, Geometry-Aware Gradient Algorithms for Neural Architecture Search, ICLR 2021"

# GAEA C.3 (NB201): EG step size 0.1 for GAEA DARTS and GAEA GDAS ("an architecture learning rate of
# 0.1, which matches the learning rate used for GAEA approaches in the previous two benchmarks"; C.1.1
# and C.2 give 0.1 for GAEA PC-DARTS). NB: the GAEA code's GAEA-GDAS NB201 config
# (configs/cnn/search_method/egdas/method_egdas_space_nasbench201.yaml) says arch_learning_rate 0.01;
# the harness follows the paper.
ETA = 0.1


def exponentiated_gradient_on_simplices(config: dict[str, Any], parameterization: str,
                                        exclude_zero: bool = True) -> dict[str, Any]:
    """What every GAEA variant changes in its base method's config."""
    config["arch"].update(
        parameterization=parameterization,
        optimizer="eg",  # GAEA Section 3 (Eq. 5): exponentiated gradient, mirror descent with the entropy
        lr=ETA,
        weight_decay=0.0,  # GAEA code: arch_weight_decay 0.0 in the GAEA DARTS and PC-DARTS configs
    )
    # GAEA C.3 ("exclude the zero operation") and the GAEA code's NB201 command (README:
    # search.exclude_zero=true): `none` excluded on NB201; harness choice to exclude it for the GDAS and
    # PC-DARTS variants too (C.3 describes the exclusion for GAEA DARTS only). On the DARTS space the
    # GAEA code keeps it (README's DARTS-space command: search.exclude_zero=false); derivation drops it.
    config["simplex"] = {"exclude_ops": ["none"] if exclude_zero else []}
    return config


def gaea_weight_optimizer(config: dict[str, Any]) -> dict[str, Any]:
    """GAEA C.3's weight training for GAEA DARTS and GAEA GDAS on NB201 (its `train:` block): lr 0.025
    cosine to 0.001, momentum 0.9, weight decay 3e-4, batch 64, C=16, N=5, grad clip 5 (equal to the NB201
    reference setup of nb201_search_defaults() except for the weight decay)."""
    config["weights_optimizer"].update(
        weight_decay=3e-4,  # GAEA C.3: weight_decay 0.0003
        # GAEA code (cnn/train_utils.py setup_optimizer): torch SGD with momentum, no Nesterov
        nesterov=False,
    )
    return config


def gaea_darts_nb201_defaults(hypergradient: str) -> dict[str, Any]:
    """GAEA C.3 for NB201, shared by the ERM and bilevel runs (the GAEA code's NB201 command
    differs only in search.single_level)."""
    config = gaea_weight_optimizer(nb201_search_defaults())
    config["epochs"] = 25  # GAEA C.3: "trained GAEA DARTS for 25 epochs"; GAEA code README: run.epochs=25
    # GAEA code (configs/cnn/config.yaml run.scheduler_epochs: 50, cnn/train_utils.py CosinePowerAnnealing
    # over scheduler_epochs): the cosine spans 50 epochs, so the 25-epoch search ends at half of it
    config["weights_optimizer"]["anneal_epochs"] = 50
    config["arch"].update(hypergradient=hypergradient, warmup_epochs=0)  # GAEA C.3: no warm-up on NB201
    if hypergradient == "single-level":
        # ERM (GAEA Section 4, C.3): no data split, every training image trains both w and theta; the
        # "full" split gives theta its own stream over the training set and monitors on the test set.
        config["data"]["split"] = "full"
    return exponentiated_gradient_on_simplices(config, "simplex")


def gaea_gdas_nb201_defaults() -> dict[str, Any]:
    """GDAS's NB201 setup (methods/gdas.py) with theta on the simplex and EG; bilevel and first order as
    GDAS (the GAEA code's architect_egdas.py steps on the validation batch)."""
    config = gaea_weight_optimizer(gdas_nb201_defaults())
    config["epochs"] = 150  # GAEA C.3: "we run GAEA GDAS for 150 epochs instead of 250"
    return exponentiated_gradient_on_simplices(config, "gumbel-simplex")


def gaea_pcdarts_nb201_defaults() -> dict[str, Any]:
    """PC-DARTS's NB201 setup (methods/pcdarts.py) with op and edge weights on simplices and EG. GAEA runs
    GAEA PC-DARTS on the DARTS space and NAS-Bench-1Shot1 only (C.1, C.2): on NB201 this is a harness
    choice built from those settings."""
    config = pcdarts_nb201_defaults()
    config = exponentiated_gradient_on_simplices(config, "partial-channel-simplex")
    # GAEA C.1.1: "train the shared-weights network for 10 epochs without performing any architecture
    # updates" (DARTS space), carried to NB201 (harness choice)
    config["arch"]["warmup_epochs"] = 10
    return config


def gaea_darts_darts_space_defaults(hypergradient: str):
    """GAEA DARTS on the DARTS space: the GAEA code's configs/cnn/mode/search_darts.yaml with
    search_method/edarts/method_edarts_space_darts.yaml (GAEA reports GAEA PC-DARTS there, C.1; GAEA DARTS
    on this space is the code's configuration): DARTS's search setup, EG at 0.1, 50 epochs."""

    def defaults(context: SpaceContext) -> dict[str, Any]:
        config = gaea_weight_optimizer(darts_space_search_defaults(context))  # batch 64, lr 0.025 -> 0.001
        config["arch"].update(hypergradient=hypergradient, warmup_epochs=0)
        if hypergradient == "single-level":
            config["data"]["split"] = "full"  # GAEA Section 4: ERM, no split
        return exponentiated_gradient_on_simplices(config, "simplex", exclude_zero=False)

    return defaults


def gaea_gdas_darts_space_defaults(context: SpaceContext) -> dict[str, Any]:
    """GDAS's DARTS-space setup (methods/gdas.py) with theta on the simplex, EG at the paper's 0.1 (GAEA C.3:
    "matches the learning rate used for GAEA approaches in the previous two benchmarks"; the GAEA code's
    egdas/method_egdas_space_darts.yaml says 0.01) and GAEA's weight decay."""
    config = gaea_weight_optimizer(gdas_darts_space_defaults(context))
    return exponentiated_gradient_on_simplices(config, "gumbel-simplex", exclude_zero=False)


def gaea_pcdarts_darts_space_defaults(context: SpaceContext) -> dict[str, Any]:
    """GAEA C.1.1 on the DARTS space: "All hyperparameters for training the weight-sharing network are the same
    as that used by PC-DARTS" (its train: block), equal initial weights, 10 warm-up epochs, EG at 0.1."""
    config = pcdarts_darts_space_defaults(context)
    config["weights_optimizer"].update(
        lr=0.1, lr_min=0.0,  # GAEA C.1.1: learning_rate 0.1, learning_rate_min 0.0 (PC-DARTS's code: 0.001)
        momentum=0.9, weight_decay=3e-4, grad_clip=5.0, nesterov=False,  # C.1.1; GAEA code setup_optimizer
    )
    config["data"]["batch_size"] = 256  # C.1.1: batch_size 256
    config = exponentiated_gradient_on_simplices(config, "partial-channel-simplex", exclude_zero=False)
    # C.1.1: "we train the shared-weights network for 10 epochs without performing any architecture updates"
    # (the released code has no such gate; PC-DARTS's own warm-up is 15)
    config["arch"]["warmup_epochs"] = 10
    return config


def gaea_pcdarts_nb1shot1_defaults(context: SpaceContext) -> dict[str, Any]:
    """GAEA C.2 on NAS-Bench-1Shot1: "the same hyperparameter settings for training the weight-sharing network
    as that used by Zela et al. (2020a) for PC-DARTS" (methods/pcdarts.py pcdarts_nb1shot1_defaults), equal
    initial weights, EG at 0.1. The spaces have no zero op, so nothing is excluded."""
    config = exponentiated_gradient_on_simplices(pcdarts_nb1shot1_defaults(context), "partial-channel-simplex",
                                                 exclude_zero=False)
    # the GAEA code's GAEA PC-DARTS for 1Shot1 (liamcli/nasbench-1shot1 optimizers/epc_edarts/train_search.py):
    # --warm_start_epochs 10, as C.1.1 on the DARTS space
    config["arch"]["warmup_epochs"] = 10
    return config


def gaea_nb1shot1_defaults(base, parameterization: str, hypergradient: str | None = None):
    """GAEA runs only GAEA PC-DARTS on NAS-Bench-1Shot1 (C.2); the other variants there are harness choices
    built the same way: the base method's 1Shot1 setup with EG at 0.1 on simplices, nothing excluded."""

    def defaults(context: SpaceContext) -> dict[str, Any]:
        config = base(context)
        if hypergradient is not None:
            config["arch"]["hypergradient"] = hypergradient
            if hypergradient == "single-level":
                config["data"]["split"] = "full"  # GAEA Section 4: ERM, no split
        return exponentiated_gradient_on_simplices(config, parameterization, exclude_zero=False)

    return defaults


def per_family(nb201, darts, nb1shot1):
    return {"nb201": lambda context: nb201(), "darts": darts, "nb1shot1": nb1shot1}


register(MethodSpec("gaea", "GAEA: exponentiated gradient on simplices, single level (ERM)", PAPER,
                    per_family(lambda: gaea_darts_nb201_defaults("single-level"),
                               gaea_darts_darts_space_defaults("single-level"),
                               gaea_nb1shot1_defaults(nb1shot1_search_defaults, "simplex", "single-level")),
                    SearchMethod))
register(MethodSpec("gaea-bilevel", "GAEA: exponentiated gradient on simplices, bilevel (first order)", PAPER,
                    per_family(lambda: gaea_darts_nb201_defaults("first-order"),
                               gaea_darts_darts_space_defaults("first-order"),
                               gaea_nb1shot1_defaults(nb1shot1_search_defaults, "simplex", "first-order")),
                    SearchMethod))
register(MethodSpec("gaea-gdas", "GAEA GDAS: Gumbel-max sampling with theta on the simplex, EG", PAPER,
                    per_family(gaea_gdas_nb201_defaults, gaea_gdas_darts_space_defaults,
                               gaea_nb1shot1_defaults(gdas_nb1shot1_defaults, "gumbel-simplex")),
                    SearchMethod))
register(MethodSpec("gaea-pcdarts", "GAEA PC-DARTS: partial channels, op and edge weights on simplices, EG",
                    PAPER, per_family(gaea_pcdarts_nb201_defaults, gaea_pcdarts_darts_space_defaults,
                                      gaea_pcdarts_nb1shot1_defaults),
                    SearchMethod))
