"""NAS-Bench-1Shot1 search spaces 1-3 as search spaces (`--space nb1shot1-s1|s2|s3`).

Decisions (spaces/base.py), as the repository's one-shot model has them (automl/nasbench-1shot1
optimizers/darts/model_search.py `_initialize_alphas`, nasbench_analysis/search_spaces/):
  * one cell type, "cell", shared by every cell of the network (all NB101 cells are normal cells;
    the repository's alphas are one set for all cells);
  * one op choice per choice block, anchored on its NODE (1..blocks), over PRIMITIVES
    (maxpool3x3, conv3x3-bn-relu, conv1x1-bn-relu): `alphas_mixed_op` [blocks, 3];
  * edges: every candidate parent edge (src, dst) of nodes 1..output (cell_graph.py order), and one
    learned InputChoice per node keeping the space's parents count (`num_parents_per_node`):
    `alphas_inputs` and `alphas_output`. Nodes whose candidates are all parents (node 1; node 2 of
    space 1) carry the choice too, with nothing to choose; the supernet does not weigh their inputs
    (cell_graph.py) and derivation takes all of them;
  * roles: no skip op, no zero op; parametric = the two convolutions;
  * chain_start = 0 (harness choice): PR-DARTS' path term runs over every choice block in order
    (Decisions.chain_choices of node-anchored ops), the deepest path 0 -> 1 -> ... -> blocks.

Derivation (derive.py, as nasbench_analysis/eval_darts_one_shot_model_in_nasbench.py): the argmax
allowed op per block, and each node's top-k candidates by input score. The "top-ops" rule (PR-DARTS:
rank the ops of all incoming edges together) ranks (edge, op) pairs where ops sit on edges; here ops
sit on nodes and parents are ranked by their own input weights, so both rules derive the same
architecture (harness choice).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from spaces.base import NODE, CellType, Decisions, InputChoice, OpChoice, OpRoles, check_rule, masked_scores
from spaces.errors import ConfigError, MalformedArchitecture
from spaces.nb1shot1.architecture import CELL_TYPE, PARAMETRIC_OPS, OneShotArch
from spaces.nb1shot1.cell_graph import CellGraph
from spaces.nb1shot1.derive import derive
from spaces.nb1shot1.network import OneShotSupernet
from spaces.nb1shot1.spaces import PRIMITIVES, get_space

ROLES = OpRoles(skip=None, zero=None, parametric=PARAMETRIC_OPS)
PAPER = "Zela, Siems & Hutter, NAS-Bench-1Shot1, ICLR 2020"


class NB1Shot1Space:
    family = "nb1shot1"  # the methods' defaults are per family (methods/registry.py)
    searchable = True
    oracle_benchmark = "nb101"
    no_oracle_reason = None
    accuracy_column_labels: dict[str, str] = {}  # its records hold the paper splits only (record_oracle.py)

    SUPERNET_DEFAULTS = {
        "channels": 16,  # nasbench-1shot1 optimizers/darts/train_search.py --init_channels 16
        # train_search.py --layers 9: 3 stages of 3 cells (model_search.py doubles C at layers // 3, 2 * layers // 3)
        "cells_per_stage": 3,
        "partial_channels": 1,  # every op on the block's full width (PC-DARTS sets 4: optimizers/pc_darts)
        # a BatchNorm without affine after each block's output, DARTS-PRIME CRB's node BN (S1.1) in the
        # node-anchored cell: where DARTS sums a node's edges, a 1Shot1 block sums its weighted ops
        "node_bn": False,
    }

    def __init__(self, space_number: int):
        self.space = get_space(space_number)
        self.graph = CellGraph(self.space)
        self.name = self.space.name
        parents = ", ".join(f"{node}: {self.space.parents_of(node)}" for node in self.space.nodes)
        self.summary = (f"NAS-Bench-1Shot1 search space {self.space.number} ({PAPER}): {self.space.num_blocks} "
                        f"choice blocks x {len(PRIMITIVES)} ops, parents per node {{{parents}}}, "
                        f"{self.space.num_configurations:,} configurations scored by NAS-Bench-101")
        self.cell_type = CellType(CELL_TYPE, tuple(OpChoice(NODE, block, PRIMITIVES)
                                                   for block in range(1, self.space.num_blocks + 1)))
        self.input_choices = tuple(InputChoice(node, self.graph.incoming(node), self.space.parents_of(node), True)
                                   for node in self.space.nodes)

    def supernet_defaults(self) -> dict[str, Any]:
        return dict(self.SUPERNET_DEFAULTS)

    def decisions(self, supernet_config: dict[str, Any]) -> Decisions:
        return self._decisions(3 * _positive(supernet_config, "cells_per_stage"))

    def _decisions(self, cells: int) -> Decisions:
        return Decisions((self.cell_type,), self.graph.edges, self.input_choices, (0,) * cells, ROLES, chain_start=0)

    def supernet(self, config: dict[str, Any], num_classes: int, generator: torch.Generator) -> OneShotSupernet:
        unknown = sorted(set(config) - set(self.SUPERNET_DEFAULTS))
        if unknown:
            raise ConfigError(f"the {self.name} supernet has no option {', '.join(unknown)}; its options are "
                              f"{', '.join(self.SUPERNET_DEFAULTS)}")
        channels, cells, partial = (_positive(config, key) for key in ("channels", "cells_per_stage", "partial_channels"))
        if channels % partial:
            raise ConfigError(f"supernet.partial_channels={partial} must divide supernet.channels={channels}")
        if not isinstance(config["node_bn"], bool):
            raise ConfigError(f"supernet.node_bn must be true or false, got {config['node_bn']!r}")
        net = OneShotSupernet(self.space, channels, cells, num_classes, partial, config["node_bn"])
        net.reset_parameters(generator)
        return net

    def parse(self, text: str) -> OneShotArch:
        return OneShotArch.parse(self.space.number, text)

    def derive(self, scores: torch.Tensor, allowed: torch.Tensor | None = None,
               input_scores: torch.Tensor | None = None, rule: str = "per-choice") -> OneShotArch:
        """scores [1, blocks, 3] (PRIMITIVES order), allowed [1, blocks, 3] or None, input_scores [1, edges]."""
        check_rule(rule)  # both rules derive alike here (module docstring)
        decisions = self._decisions(1)
        if tuple(scores.shape) != decisions.shape:
            raise MalformedArchitecture(f"{self.name}: op scores must be [1, blocks, ops] = {list(decisions.shape)}, "
                                        f"got {list(scores.shape)}")
        if input_scores is None:
            raise ConfigError(f"{self.name} chooses each node's parents by learned input weights, and this method's "
                              f"parameterization has none (softmax, simplex, partial-channel and "
                              f"partial-channel-simplex do)")
        if tuple(input_scores.shape) != (1, len(self.graph.edges)):
            raise MalformedArchitecture(f"{self.name}: input scores must be [1, edges] = [1, {len(self.graph.edges)}], "
                                        f"got {list(input_scores.shape)}")
        table = masked_scores(scores, allowed, decisions, drop_zero=False)[0].numpy()
        if not np.isfinite(table.max(axis=-1)).all():
            block = int(np.flatnonzero(~np.isfinite(table.max(axis=-1)))[0]) + 1
            raise MalformedArchitecture(f"{self.name}: choice block {block} has no allowed op")
        chosen = np.zeros(table.shape)
        chosen[np.arange(len(table)), table.argmax(axis=-1)] = 1.0  # np.argmax: the first of equal scores
        edge_scores = input_scores.detach().double().cpu().numpy()[0]
        per_node = {node: edge_scores[list(self.graph.incoming(node))] for node in self.space.scored_nodes}
        return derive(self.space, chosen, per_node)

    def query(self, text: str, oracle, dataset: str | None) -> dict[str, Any]:
        """`harness query`: the NAS-Bench-101 record of an architecture text (spaces/nb1shot1/query.py)."""
        from spaces.nb1shot1.query import query

        return query(self.space, text, oracle, dataset)

    def format_query(self, record: dict[str, Any]) -> str:
        from spaces.nb1shot1.query import format_record

        return format_record(record)

    def regret_references(self):
        """The repository's per-repeat minimum test error, for the regret figure (references.py)."""
        from spaces.nb1shot1.references import regret_references

        return regret_references(self.space)

    def load_oracle(self, store_path: Path):
        """The space's view of the NAS-Bench-101 store built by `harness data import nb101`."""
        from spaces.nb1shot1.record_oracle import RecordOracle

        return RecordOracle.load(self.space, Path(store_path))


def _positive(config: dict[str, Any], key: str) -> int:
    if key not in config:
        raise ConfigError(f"supernet.{key} is missing")
    value = config[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"supernet.{key} must be a positive integer, got {value!r}")
    return value
