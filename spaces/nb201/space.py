"""NAS-Bench-201 as a search space: decisions, supernet, derivation, oracle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from spaces.base import EDGE, CellType, Decisions, OpChoice, OpRoles, check_rule, masked_scores
from spaces.errors import ConfigError
from spaces.nb201.encoding import CELL_TYPE, EDGES, OPS, PARAMETRIC_OPS, NB201Arch
from spaces.nb201.network import NB201Supernet

CELL = CellType(CELL_TYPE, tuple(OpChoice(EDGE, edge, OPS) for edge in EDGES))
ROLES = OpRoles(skip="skip_connect", zero="none", parametric=PARAMETRIC_OPS)


class NB201Space:
    name = "nb201"
    family = "nb201"  # the methods' defaults are per family (methods/registry.py)
    searchable = True
    summary = "NAS-Bench-201 (Dong & Yang, ICLR 2020): one cell type, 6 edges x 5 ops, 15,625 architectures"
    oracle_benchmark = "nb201"
    no_oracle_reason = None
    accuracy_column_labels: dict[str, str] = {}  # its records hold the paper splits only (paper_columns.py)

    # The benchmark's network (C=16, N=5), all ops on full channels, no node BN.
    SUPERNET_DEFAULTS = {"channels": 16, "cells_per_stage": 5, "partial_channels": 1, "node_bn": False}

    def supernet_defaults(self) -> dict[str, Any]:
        return dict(self.SUPERNET_DEFAULTS)

    def decisions(self, supernet_config: dict[str, Any]) -> Decisions:
        cells = 3 * int(supernet_config["cells_per_stage"])
        # PR-DARTS' deepest path: 0 -> 1 -> 2 -> 3, every node of the cell
        return Decisions((CELL,), EDGES, (), (0,) * cells, ROLES, chain_start=0)

    def supernet(self, config: dict[str, Any], num_classes: int, generator: torch.Generator) -> NB201Supernet:
        channels, cells = config["channels"], config["cells_per_stage"]
        partial = config["partial_channels"]
        for key, value in (("channels", channels), ("cells_per_stage", cells), ("partial_channels", partial)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"supernet.{key} must be a positive integer, got {value!r}")
        if channels % partial:
            raise ConfigError(f"supernet.partial_channels={partial} must divide supernet.channels={channels}")
        if not isinstance(config["node_bn"], bool):
            raise ConfigError(f"supernet.node_bn must be true or false, got {config['node_bn']!r}")
        net = NB201Supernet(channels, cells, num_classes, partial, config["node_bn"])
        net.reset_parameters(generator)
        return net

    def evaluation_defaults(self) -> dict[str, Any]:
        from spaces.nb201.eval_network import NETWORK_DEFAULTS

        return dict(NETWORK_DEFAULTS)

    def check_evaluation_network(self, config: dict[str, Any]) -> None:
        from spaces.nb201.eval_network import check_network_config

        check_network_config(config)

    def evaluation_network(self, arch: NB201Arch, config: dict[str, Any], num_classes: int,
                           generator: torch.Generator):
        """The benchmark's own network of `arch` (spaces/nb201/eval_network.py), trained from scratch."""
        from spaces.nb201.eval_network import build_eval_network

        return build_eval_network(arch, config, num_classes, generator)

    def canonical(self, arch: NB201Arch) -> NB201Arch:
        """An NB201 cell has one text per architecture already."""
        return arch

    def parse(self, text: str) -> NB201Arch:
        return NB201Arch.parse(text)

    def derive(self, scores: torch.Tensor, allowed: torch.Tensor | None = None,
               input_scores: torch.Tensor | None = None, rule: str = "per-choice") -> NB201Arch:
        """Argmax per edge over [1, edges, ops] (including `none`, as the NB201 reference does).

        `allowed` masks ops a method removed from its space (GAEA drops `none`). Every edge is kept, so
        input scores and the derivation rule change nothing here."""
        check_rule(rule)
        chosen = masked_scores(scores, allowed, self.decisions({"cells_per_stage": 1}), drop_zero=False)
        return NB201Arch(tuple(int(i) for i in chosen[0].argmax(dim=-1)))

    def query(self, text: str, oracle, dataset: str | None) -> dict[str, Any]:
        """`harness query`: the table row of an architecture string or official index (spaces/nb201/query.py)."""
        from spaces.nb201.query import query

        return query(text, oracle, dataset)

    def format_query(self, record: dict[str, Any]) -> str:
        from spaces.nb201.query import format_record

        return format_record(record)

    def regret_references(self):
        """None: the NB201 regret curves (oracle_test_regret) have no published reference lines here."""
        from spaces.reference_lines import NO_REFERENCES

        return NO_REFERENCES

    def load_oracle(self, store_path: Path):
        """The benchmark table, from the HDF5 store built by `harness data import nb201`."""
        from spaces.nb201.oracle import NB201Oracle

        return NB201Oracle.load(store_path)
