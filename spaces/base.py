"""What every search space offers (DESIGN.md, "Search space"; docs/design-notes.md, "The space contract").

A space is data plus a few functions:

  decisions(supernet_config) -> Decisions   what a method chooses: cell types, and per cell type the
                                             op choices (each anchored on an edge or a node, each with
                                             its own candidate ops) and the input choices; which
                                             network cell has which type; the roles of ops
  supernet(config, classes, generator)       an nn.Module called as supernet(x, ArchWeights)
  derive(scores, allowed, input_scores, rule) -> Architecture
  parse(text) -> Architecture               the inverse of str(architecture)
  oracle_benchmark / load_oracle(path)      the benchmark table that scores architectures, if any

Every tensor of architecture weights a method owns has the shape [cell types, choices, max ops]
(types of one space share their anchors and differ only in candidate ops, so they stack, padded
with slots that do not exist). The supernet consumes them expanded to the network's cells,
[cells, choices, max ops], in network order, so a method never needs to know which cell is which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import torch

from spaces.errors import ConfigError

EDGE, NODE = "edge", "node"  # what an op choice is anchored on


@dataclass(frozen=True)
class OpRoles:
    """What the methods and diagnostics need to know about op names."""

    skip: str | None  # the identity op (PR-DARTS' skip group, skip-connection counts); None: the space has none
    zero: str | None  # the op that outputs zeros (never computed, never derived where a space says so)
    parametric: frozenset[str]  # ops with weights (counted in diagnostics; PR-DARTS' path term)


@dataclass(frozen=True)
class OpChoice:
    """One op decision of a cell: on an edge (src, dst) or a node, over its own candidate ops."""

    anchor: str  # EDGE or NODE
    at: tuple[int, int] | int  # the edge (src, dst) or the node
    ops: tuple[str, ...]


@dataclass(frozen=True)
class InputChoice:
    """A node keeps `keep` of its candidate incoming edges (indices into Decisions.edges).

    learned: the choice has its own weights (NAS-Bench-1Shot1's input weights); otherwise it is
    scored from the op weights of the candidate edges (DARTS' strongest non-zero op)."""

    node: int
    edges: tuple[int, ...]
    keep: int
    learned: bool


@dataclass(frozen=True)
class CellType:
    name: str
    op_choices: tuple[OpChoice, ...]
    reduction: bool = False  # its cells halve the resolution (the DARTS space's reduction cells)

    @property
    def max_ops(self) -> int:
        return max(len(choice.ops) for choice in self.op_choices)


@dataclass(frozen=True)
class Decisions:
    """The decisions of a space as one supernet configuration has them."""

    cell_types: tuple[CellType, ...]
    edges: tuple[tuple[int, int], ...]  # the cell graph's edges (src, dst), shared by every cell type
    input_choices: tuple[InputChoice, ...]
    cell_type_of: tuple[int, ...]  # the type index of every network cell, in network order
    roles: OpRoles
    # harness choice of each space: the node whose chain through the intermediate nodes is the
    # cell's deepest path (PR-DARTS Section 4.2, Eq. 8: "the input node which is the output of
    # the previous cell"); None: the space has no such chain
    chain_start: int | None = None
    _masks: dict[str, torch.Tensor] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        anchors = [tuple((c.anchor, c.at) for c in cell_type.op_choices) for cell_type in self.cell_types]
        if any(a != anchors[0] for a in anchors):
            raise ValueError("the cell types of a space must anchor their op choices alike")
        if any(not 0 <= t < len(self.cell_types) for t in self.cell_type_of):
            raise ValueError("cell_type_of names a cell type the space does not have")

    # --- shapes -----------------------------------------------------------------------------------
    @property
    def num_types(self) -> int:
        return len(self.cell_types)

    @property
    def num_cells(self) -> int:
        return len(self.cell_type_of)

    @property
    def num_choices(self) -> int:
        return len(self.cell_types[0].op_choices)

    @property
    def max_ops(self) -> int:
        return max(cell_type.max_ops for cell_type in self.cell_types)

    @property
    def shape(self) -> tuple[int, int, int]:
        """Of every architecture-weight tensor a method owns: [types, choices, max ops]."""
        return self.num_types, self.num_choices, self.max_ops

    @property
    def choices(self) -> tuple[OpChoice, ...]:
        """The op choices of the first cell type (their anchors are every type's)."""
        return self.cell_types[0].op_choices

    def ops_of(self, cell_type: int, choice: int) -> tuple[str, ...]:
        return self.cell_types[cell_type].op_choices[choice].ops

    # --- masks [types, choices, max ops] ------------------------------------------------------------
    def op_exists(self) -> torch.Tensor:
        """Bool: the slot holds a candidate op (False: padding of a shorter candidate list)."""
        return self._mask("exists", lambda name: True)

    def op_named(self, names) -> torch.Tensor:
        """Bool: the slot holds one of `names`."""
        names = frozenset(names)
        return self._mask(f"named:{sorted(names)}", lambda name: name in names)

    def _mask(self, key: str, keep) -> torch.Tensor:
        if key not in self._masks:
            self._masks[key] = torch.tensor(
                [[[slot < len(choice.ops) and keep(choice.ops[slot]) for slot in range(self.max_ops)]
                  for choice in cell_type.op_choices] for cell_type in self.cell_types])
        return self._masks[key].clone()

    def op_names(self) -> list[str]:
        """Every op name of the space, in first-seen order."""
        return list(dict.fromkeys(op for t in self.cell_types for c in t.op_choices for op in c.ops))

    # --- from types to cells -------------------------------------------------------------------------
    def to_cells(self, per_type: torch.Tensor) -> torch.Tensor:
        """[types, ...] -> [cells, ...]: each network cell gets its type's slice (differentiable).

        One type: an expanded view (no copy). Several: a gather in network order."""
        if self.num_types == 1:
            return per_type.expand(self.num_cells, *per_type.shape[1:])
        index = torch.tensor(self.cell_type_of, device=per_type.device)
        return per_type.index_select(0, index)

    def cells_of_type(self, cell_type: int) -> list[int]:
        return [cell for cell, t in enumerate(self.cell_type_of) if t == cell_type]

    # --- structure ------------------------------------------------------------------------------------
    def chain_choices(self) -> tuple[int, ...] | None:
        """The op choices along the cell's deepest path: chain_start -> the next node -> ... -> the last
        node, through every later node in order (edge-anchored choices), or every node's choice in
        order (node-anchored); None when the space names no chain or lacks one of its edges."""
        if self.chain_start is None:
            return None
        if self.choices[0].anchor == NODE:
            return tuple(range(self.num_choices))
        nodes = sorted({node for edge in self.edges for node in edge if node >= self.chain_start})
        chain = []
        for source, target in zip(nodes, nodes[1:]):
            at = [i for i, c in enumerate(self.choices) if c.at == (source, target)]
            if not at:
                return None
            chain.append(at[0])
        return tuple(chain)


@dataclass(frozen=True)
class ArchWeights:
    """What supernet(x, weights) consumes: the method's weights expanded to the network's cells.

    ops     [cells, choices, max ops] on the network's device, maybe differentiable (a leaf for
            Lambda-DARTS' per-cell gradients). A weight of exactly 0 means the op is not computed,
            so it gets no gradient either; the zero op is never computed.
    inputs  [cells, edges] or None (1 everywhere): a multiplier of each edge's WHOLE output
            (PC-DARTS edge normalisation, bypassed channels included; NAS-Bench-1Shot1 input weights).
    active  host-side bool [cells, choices, max ops] or None: the ops to compute. None: read off
            ops != 0 (one device-to-host copy); methods that know the mask on the host pass it.
            with_host_mask() turns it into nested tuples of bools, the form a compiled supernet
            specialises on (methods/components/compilation.py).
    offsets [cells, choices] or None: a scalar added to each choice's output. Forward value 0 in
            GDAS, where it carries the weights of the unchosen ops so that each receives the summed
            upstream gradient, as the GDAS code's forward gives them (methods/components/gumbel.py).
    """

    ops: torch.Tensor
    inputs: torch.Tensor | None = None
    active: torch.Tensor | tuple | None = None
    offsets: torch.Tensor | None = None

    def detached(self) -> "ArchWeights":
        return ArchWeights(self.ops.detach(), None if self.inputs is None else self.inputs.detach(), self.active,
                           None if self.offsets is None else self.offsets.detach())

    def with_ops(self, ops: torch.Tensor) -> "ArchWeights":
        return ArchWeights(ops, self.inputs, self.active, self.offsets)

    def host_active(self) -> list | tuple:
        """The active mask as nested host lists or tuples (the kernels branch on it per op)."""
        if isinstance(self.active, tuple):
            return self.active
        mask = (self.ops.detach() != 0).cpu() if self.active is None else self.active
        return mask.tolist()

    def with_host_mask(self) -> "ArchWeights":
        """These weights with the active mask as nested tuples of bools: Python constants, which a
        compiled supernet guards on, where reading a tensor's values would break its graph."""
        if isinstance(self.active, tuple):
            return self
        return ArchWeights(self.ops, self.inputs, _nested_tuples(self.host_active()), self.offsets)


def _nested_tuples(lists) -> tuple:
    return tuple(_nested_tuples(item) for item in lists) if isinstance(lists, list) else lists


class Architecture(Protocol):
    """A discrete architecture of a space."""

    def __str__(self) -> str: ...  # the canonical text (the benchmark's own form where it has one)

    def __eq__(self, other) -> bool: ...

    def __hash__(self) -> int: ...

    def op_counts(self) -> dict[str, dict[str, int]]: ...  # per cell type name: {"skip": n, "parametric": m}

    def one_hot(self): ...  # array-like [types, choices, max ops]: 1 on the chosen ops (Pi_S)

    def derived_cells(self): ...  # tuple of spaces.derived_cell.DerivedCell, one per cell type (the drawings)


class Oracle(Protocol):
    def record_columns(self, arch) -> dict[str, Any]: ...  # the oracle columns of an epochs.jsonl row

    def describe(self) -> dict[str, Any]: ...  # which benchmark and store scored a run (its config.json)

    def facts(self) -> list[str]: ...  # the space's size and optimum as the benchmark knows them (harness list)


class SearchSpace(Protocol):
    name: str
    summary: str
    family: str | None  # method defaults and presets are per family; None: no method searches it
    searchable: bool  # False: a benchmark's table for `harness query` only (decisions etc. raise)
    oracle_benchmark: str | None  # the benchmark store (spaces/benchmark.py) that scores it, or None
    no_oracle_reason: str | None  # why no benchmark scores it (for notes and run records); None when one does
    # what the oracle's accuracy columns beyond the paper splits (valid, test) mean, by "dataset.column" of
    # the row's accuracy table, for the figures' labels (DARTS: {"cifar10.nb301": "NB301-predicted ..."})
    accuracy_column_labels: dict[str, str]

    def regret_references(self): ...  # spaces.reference_lines.References: published levels for regret figures

    def supernet_defaults(self) -> dict[str, Any]: ...

    def decisions(self, supernet_config: dict[str, Any]) -> Decisions: ...

    def supernet(self, config: dict[str, Any], num_classes: int, generator: torch.Generator): ...

    def derive(self, scores: torch.Tensor, allowed: torch.Tensor | None = None,
               input_scores: torch.Tensor | None = None, rule: str = "per-choice") -> Architecture: ...

    def parse(self, text: str) -> Architecture: ...

    def load_oracle(self, path) -> Oracle: ...


# --- derivation rules -----------------------------------------------------------------------------
DERIVATION_RULES = ("per-choice", "top-ops")


def check_rule(rule: str) -> str:
    if rule not in DERIVATION_RULES:
        raise ConfigError(f"unknown derivation rule {rule!r}; rules: {', '.join(DERIVATION_RULES)}")
    return rule


def masked_scores(scores: torch.Tensor, allowed: torch.Tensor | None, decisions: Decisions,
                  drop_zero: bool) -> torch.Tensor:
    """scores [types, choices, max ops] on the host with -inf where an op does not exist, is not
    allowed, or (drop_zero) is the zero op."""
    selectable = decisions.op_exists()
    if allowed is not None:
        selectable &= allowed.cpu()
    if drop_zero and decisions.roles.zero is not None:
        selectable &= ~decisions.op_named([decisions.roles.zero])
    return scores.detach().double().cpu().masked_fill(~selectable, float("-inf"))


# --- records --------------------------------------------------------------------------------------
def weights_record(decisions: Decisions, per_type: torch.Tensor) -> Any:
    """A [types, ...] tensor as epochs.jsonl keeps it: the nested list of the one type of a one-type
    space (the NB201 records), else {type name: nested list}."""
    lists = per_type.detach().double().cpu().tolist()
    if decisions.num_types == 1:
        return lists[0]
    return {cell_type.name: lists[t] for t, cell_type in enumerate(decisions.cell_types)}


def weights_from_record(decisions: Decisions, record: Any) -> dict[str, list] | None:
    """The inverse of weights_record as {type name: [choices][ops]}; None when `record` does not fit."""
    if decisions.num_types == 1:
        record = {decisions.cell_types[0].name: record}
    if not isinstance(record, dict) or set(record) != {t.name for t in decisions.cell_types}:
        return None
    for lists in record.values():
        if not (isinstance(lists, list) and len(lists) == decisions.num_choices
                and all(isinstance(row, list) and len(row) == decisions.max_ops for row in lists)):
            return None
    return record


def architecture_columns(arch, decisions: Decisions) -> dict[str, Any]:
    """The architecture's columns of an epochs.jsonl row: its text, skip and parametric counts over every
    cell type, and (for spaces with several cell types) the counts of each."""
    counts = arch.op_counts()
    row: dict[str, Any] = {
        "arch": str(arch),
        "skip_count": sum(c["skip"] for c in counts.values()),
        "parametric_count": sum(c["parametric"] for c in counts.values()),
    }
    if decisions.num_types > 1:
        row["op_counts"] = counts
    return row


def count_roles(names, roles: OpRoles) -> dict[str, int]:
    names = list(names)
    return {"skip": sum(name == roles.skip for name in names),
            "parametric": sum(name in roles.parametric for name in names)}
