"""NAS-Bench-201 as a search space: cell graph, supernet, derivation, oracle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from spaces.base import CellGraph
from spaces.errors import ConfigError
from spaces.nb201.encoding import EDGES, OPS, NB201Arch
from spaces.nb201.network import NB201Supernet


class NB201Space:
    name = "nb201"
    graph = CellGraph(edges=EDGES, ops_per_edge=tuple(OPS for _ in EDGES))
    op_names = OPS
    skip_op = "skip_connect"
    zero_op = "none"
    parametric_ops = ("nor_conv_1x1", "nor_conv_3x3")

    # The benchmark's network (C=16, N=5), all ops on full channels, no node BN.
    SUPERNET_DEFAULTS = {"channels": 16, "cells_per_stage": 5, "partial_channels": 1, "node_bn": False}

    def supernet_defaults(self) -> dict[str, Any]:
        return dict(self.SUPERNET_DEFAULTS)

    def supernet(self, config: dict[str, Any], num_classes: int, generator: torch.Generator) -> NB201Supernet:
        channels, cells = int(config["channels"]), int(config["cells_per_stage"])
        partial = int(config["partial_channels"])
        if channels < 1 or cells < 1:
            raise ConfigError(f"supernet.channels and supernet.cells_per_stage must be >= 1, got {channels}, {cells}")
        if partial < 1 or channels % partial:
            raise ConfigError(f"supernet.partial_channels={partial} must be >= 1 and divide supernet.channels={channels}")
        net = NB201Supernet(channels, cells, num_classes, partial, bool(config["node_bn"]))
        net.reset_parameters(generator)
        return net

    def num_cells(self, config: dict[str, Any]) -> int:
        return 3 * int(config["cells_per_stage"])

    def parse(self, text: str) -> NB201Arch:
        return NB201Arch.parse(text)

    def derive(self, edge_weights: torch.Tensor, allowed: torch.Tensor | None = None) -> NB201Arch:
        """Argmax per edge over [edges, ops] (including `none`, as the NB201 reference does).

        `allowed` masks ops a method removed from its space (GAEA drops `none`).
        """
        scores = edge_weights.detach().float().cpu()
        if allowed is not None:
            scores = scores.masked_fill(~allowed.cpu(), float("-inf"))
        return NB201Arch(tuple(int(i) for i in scores.argmax(dim=-1)))

    def one_hot(self, arch: NB201Arch) -> torch.Tensor:
        return torch.nn.functional.one_hot(torch.tensor(arch.ops), len(OPS)).float()

    def oracle(self, store_path: Path):
        """The benchmark table, from the HDF5 store built by `harness data import nb201`."""
        from spaces.nb201.oracle import NB201Oracle

        return NB201Oracle.load(store_path)
