"""The DARTS search space family (DESIGN.md: spaces/darts): one factory, different op lists and cell layouts.

  darts        DARTS (Liu et al., ICLR 2019): 14 edges, 8 ops, normal and reduce cells, top-2 inputs per node
  darts-s1..4  RobustDARTS' reduced spaces (Zela et al., ICLR 2020, Section 4.1): the DARTS cell, other ops
  amended-s1   Amended-DARTS Section 4.1.2-4.1.3: fixed edges (node i takes node i-1 and c_{k-2}), 7 ops
  amended-s2   the same fixed-edge cell with {skip_connect, sep_conv_3x3} and a cell type per network cell

Reduction cells sit at layers//3 and 2*layers//3 (quark0/darts cnn/model_search.py Network).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from spaces.base import EDGE, CellType, Decisions, InputChoice, OpChoice, OpRoles
from spaces.darts import primitives as P
from spaces.darts.derive import derive_genotype
from spaces.darts.genotype import DartsGenotype, parse_genotype
from spaces.errors import ConfigError

DARTS_EDGES = tuple((source, 2 + node) for node in range(P.STEPS) for source in range(2 + node))
# Amended-DARTS Section 4.1.2: "each node i is connected to node i - 1 and the least indexed node
# (c_{k-2})": node 2 takes c_{k-2} (0) and c_{k-1} (1), node 3 takes 0 and 2, ...
FIXED_EDGES = tuple(edge for node in range(P.STEPS) for edge in ((0, 2 + node), (1 + node, 2 + node)))


@dataclass(frozen=True)
class Layout:
    """How a space of the family lays its cells out."""

    edges: tuple[tuple[int, int], ...]
    normal_ops: tuple[tuple[str, ...], ...]  # per edge
    reduce_ops: tuple[tuple[str, ...], ...]
    keep_two_inputs: bool  # DARTS: each node keeps 2 of its incoming edges; fixed-edge cells keep all
    type_per_cell: bool  # Amended-DARTS' S_2: no sharing, every network cell its own type
    # why NAS-Bench-301 cannot score the layout's genotypes; None: it can (one normal and one reduction cell
    # of DARTS ops, two distinct inputs per node: spaces/darts/nb301/genotype.py)
    no_nb301: str | None
    # the search network's cells: 8 (quark0/darts cnn/train_search.py --layers 8); Amended-DARTS' S_2
    # searches the 20-cell network itself ("the number of cells increases from 8 to 20")
    layers: int = 8


def uniform(ops: tuple[str, ...], edges) -> tuple[tuple[str, ...], ...]:
    return tuple(ops for _ in edges)


LAYOUTS: dict[str, tuple[str, Layout]] = {
    "darts": ("DARTS (Liu et al., ICLR 2019): normal + reduce cells, 14 edges x 8 ops, 2 inputs per node",
              Layout(DARTS_EDGES, uniform(P.DARTS_OPS, DARTS_EDGES), uniform(P.DARTS_OPS, DARTS_EDGES), True, False,
                        None)),
    "darts-s1": ("RobustDARTS S1 (Zela et al., ICLR 2020): a different pair of ops on each edge",
                 Layout(DARTS_EDGES, P.S1_NORMAL, P.S1_REDUCE, True, False, None)),
    "darts-s2": ("RobustDARTS S2: {skip_connect, sep_conv_3x3} on every edge",
                 Layout(DARTS_EDGES, uniform(P.S2_OPS, DARTS_EDGES), uniform(P.S2_OPS, DARTS_EDGES), True, False,
                        None)),
    "darts-s3": ("RobustDARTS S3: {none, skip_connect, sep_conv_3x3} on every edge",
                 Layout(DARTS_EDGES, uniform(P.S3_OPS, DARTS_EDGES), uniform(P.S3_OPS, DARTS_EDGES), True, False,
                        None)),
    "darts-s4": ("RobustDARTS S4: {noise, sep_conv_3x3} on every edge",
                 Layout(DARTS_EDGES, uniform(P.S4_OPS, DARTS_EDGES), uniform(P.S4_OPS, DARTS_EDGES), True, False,
                        "its noise op is not one of NAS-Bench-301's ops (nasbench301/configspace.json)")),
    "amended-s1": ("Amended-DARTS S_1: fixed edges (node i takes i-1 and c_{k-2}), DARTS's 7 ops without none",
                   Layout(FIXED_EDGES, uniform(P.AMENDED_S1_OPS, FIXED_EDGES), uniform(P.AMENDED_S1_OPS, FIXED_EDGES),
                          False, False, None)),
    "amended-s2": ("Amended-DARTS S_2: fixed edges, {skip_connect, sep_conv_3x3}, an own cell type per cell",
                   Layout(FIXED_EDGES, uniform(P.AMENDED_S2_OPS, FIXED_EDGES),
                          uniform(P.AMENDED_S2_OPS, FIXED_EDGES), False, True,
                          "its 20 cells each have their own type; NAS-Bench-301 encodes one normal and one reduction "
                          "cell", layers=20)),
}
ROLES = OpRoles(skip="skip_connect", zero="none", parametric=P.PARAMETRIC_OPS)


def reduction_cells(layers: int) -> tuple[int, ...]:
    """quark0/darts cnn/model_search.py: reduction cells at layers // 3 and 2 * layers // 3."""
    return (layers // 3, 2 * layers // 3)


class DartsFamilySpace:
    family = "darts"  # the methods' defaults are per family (methods/registry.py)
    searchable = True
    # spaces/darts/nb301_oracle.py: the surrogate's mean prediction of the genotype's CIFAR-10 validation accuracy
    accuracy_column_labels = {"cifar10.nb301": "NB301-predicted CIFAR-10 accuracy (%)"}
    def __init__(self, name: str):
        self.name = name
        self.summary, self.layout = LAYOUTS[name]
        # NAS-Bench-301 scores CIFAR-10 accuracy where it can encode the genotypes; elsewhere (and on other
        # datasets) accuracy comes from training the architecture (`harness evaluate`)
        self.oracle_benchmark = "nb301" if self.layout.no_nb301 is None else None
        self.no_oracle_reason = (None if self.layout.no_nb301 is None
                                 else f"NAS-Bench-301 cannot score {name}: {self.layout.no_nb301}")

    def supernet_defaults(self) -> dict[str, Any]:
        # quark0/darts cnn/train_search.py: --init_channels 16 (and the layout's cells)
        return {"channels": 16, "layers": self.layout.layers, "partial_channels": 1, "node_bn": False}

    def decisions(self, supernet_config: dict[str, Any]) -> Decisions:
        layers = supernet_config["layers"]
        if isinstance(layers, bool) or not isinstance(layers, int) or layers < 3:
            raise ConfigError(f"supernet.layers must be an integer >= 3 (two of them reduction cells), got {layers!r}")
        reductions = reduction_cells(layers)
        layout = self.layout

        def cell_type(name: str, ops_per_edge, reduction: bool) -> CellType:
            choices = tuple(OpChoice(EDGE, edge, ops) for edge, ops in zip(layout.edges, ops_per_edge))
            return CellType(name, choices, reduction)

        if layout.type_per_cell:
            types = tuple(cell_type(f"cell_{i + 1}", layout.reduce_ops if i in reductions else layout.normal_ops,
                                    i in reductions) for i in range(layers))
            type_of = tuple(range(layers))
        else:
            types = (cell_type("normal", layout.normal_ops, False), cell_type("reduce", layout.reduce_ops, True))
            type_of = tuple(1 if i in reductions else 0 for i in range(layers))
        inputs = ()
        if layout.keep_two_inputs:
            inputs = tuple(InputChoice(node, tuple(e for e, (_, target) in enumerate(layout.edges) if target == node),
                                       keep=2, learned=False)
                           for node in sorted({target for _, target in layout.edges}))
        # PR-DARTS Section 5: the path term starts at "the input node which is the output of the previous cell"
        return Decisions(types, layout.edges, inputs, type_of, ROLES, chain_start=1)

    def supernet(self, config: dict[str, Any], num_classes: int, generator: torch.Generator):
        from spaces.darts.supernet_factory import build_supernet  # the kernel, imported when a net is built

        return build_supernet(self, config, num_classes, generator)

    def evaluation_defaults(self) -> dict[str, Any]:
        """The network section of the evaluation protocol (spaces/darts/eval_network.py NETWORK_DEFAULTS);
        a space with a type per cell evaluates as many cells as it searches (Amended-DARTS Section 4.1.3)."""
        from spaces.darts.eval_network import NETWORK_DEFAULTS

        if self.layout.type_per_cell:
            return {**NETWORK_DEFAULTS, "layers": self.layout.layers}
        return dict(NETWORK_DEFAULTS)

    def check_evaluation_network(self, config: dict[str, Any]) -> None:
        from spaces.darts.eval_network import check_network_config

        check_network_config(config)

    def evaluation_network(self, arch: DartsGenotype, config: dict[str, Any], num_classes: int,
                           generator: torch.Generator):
        """The discrete network of `arch`, trained from scratch (quark0/darts cnn/model.py NetworkCIFAR)."""
        from spaces.darts.eval_network import build_eval_network

        return build_eval_network(arch, config, num_classes, generator)

    def canonical(self, arch: DartsGenotype) -> DartsGenotype:
        """`arch` with each node's two (op, input) pairs in sorted order: the node sums them, so both orders are
        one architecture (DartsGenotype.__eq__); an evaluation trains and records the canonical one."""
        genes = tuple(tuple(pair for node in gene for pair in node) for gene in arch.canonical())
        return DartsGenotype(arch.decisions, genes, arch.concats)

    def parse(self, text: str) -> DartsGenotype:
        """A space with a type per cell takes as many cells as the text names (`cell_1=..., cell_2=...`)."""
        layers = self.layout.layers
        if self.layout.type_per_cell and isinstance(text, str):
            named = {int(n) for n in re.findall(r"\bcell_(\d+)\s*=", text)}
            layers = max(named) if named and len(named) >= 3 else layers
        return parse_genotype(text, self.decisions({"layers": layers}))

    def derive(self, scores, allowed=None, input_scores=None, rule: str = "per-choice") -> DartsGenotype:
        return derive_genotype(self._decisions_for(scores), scores, allowed, input_scores, rule)

    def _decisions_for(self, scores: torch.Tensor) -> Decisions:
        """The decisions whose shape the scores have: type-per-cell spaces have as many types as cells."""
        if self.layout.type_per_cell:
            return self.decisions({"layers": int(scores.shape[0])})
        return self.decisions({"layers": self.layout.layers})

    def query(self, text: str, oracle, dataset: str | None) -> dict[str, Any]:
        """`harness query`: a genotype's cells, evaluation-network size and NB301 accuracy (spaces/darts/query.py)."""
        from spaces.darts.query import query

        return query(self, text, oracle, dataset)

    def format_query(self, record: dict[str, Any]) -> str:
        from spaces.darts.query import format_record

        return format_record(record)

    def regret_references(self):
        """None: NAS-Bench-301 has no known optimum, so its records have no regret (nb301_oracle.py)."""
        from spaces.reference_lines import NO_REFERENCES

        return NO_REFERENCES

    def load_oracle(self, path):
        if self.oracle_benchmark is None:
            raise ConfigError(self.no_oracle_reason)
        from spaces.darts.nb301_oracle import DartsNB301Oracle

        return DartsNB301Oracle.load(Path(path))
