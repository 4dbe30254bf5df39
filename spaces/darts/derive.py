"""Derivation in the DARTS cell: scores -> genotype.

per-choice (DARTS, quark0/darts cnn/model_search.py genotype(); PC-DARTS with its edge weights):
  for each intermediate node, rank its candidate incoming edges by their strongest allowed op
  other than `none` (times the edge's input score, when the method has one: PC-DARTS multiplies
  its betas into the op weights first) and keep the top `keep` (2) edges, strongest first; on each
  kept edge the argmax allowed op other than `none`. Ties go to the lower edge, as Python's stable
  sort does in DARTS's code. A node of a fixed-edge cell (Amended-DARTS) keeps all its edges.
top-ops (PR-DARTS Section 5: "compare the gate activation probabilities of all non-zero operations
  collected from all previous nodes and retain top two operations"): rank every (edge, op) pair
  entering a node and keep the top `keep`, which may put two ops on the same input.
"""

from __future__ import annotations

import torch

from spaces.base import Decisions, check_rule, masked_scores
from spaces.darts.genotype import DartsGenotype
from spaces.errors import MalformedArchitecture


def derive_genotype(decisions: Decisions, scores: torch.Tensor, allowed: torch.Tensor | None,
                    input_scores: torch.Tensor | None, rule: str) -> DartsGenotype:
    check_rule(rule)
    table = masked_scores(scores, allowed, decisions, drop_zero=True)
    if input_scores is not None:  # -inf (not selectable) stays -inf whatever the edge's score
        scaled = table * input_scores.detach().double().cpu().unsqueeze(-1)
        table = torch.where(torch.isfinite(table), scaled, table)
    steps = sorted({target for _, target in decisions.edges})
    keep_of = {choice.node: choice.keep for choice in decisions.input_choices}
    genes = []
    for t in range(decisions.num_types):
        gene = []
        for node in steps:
            edges = [e for e, (_, target) in enumerate(decisions.edges) if target == node]
            keep = keep_of.get(node, len(edges))
            if rule == "top-ops":
                pairs = [(float(table[t, e, slot]), e, slot) for e in edges
                         for slot in range(decisions.max_ops) if table[t, e, slot] != float("-inf")]
                chosen = sorted(pairs, key=lambda item: -item[0])[:keep]  # stable: lower edge, lower op on ties
                gene += [(decisions.ops_of(t, e)[slot], decisions.edges[e][0]) for _, e, slot in chosen]
            else:
                selectable = [e for e in edges if torch.isfinite(table[t, e].max())]
                if len(selectable) < keep:
                    raise MalformedArchitecture(f"node {node} of the {decisions.cell_types[t].name} cell has "
                                                f"{len(selectable)} incoming edges with a selectable op, needs {keep}")
                strongest = sorted(selectable, key=lambda e: -float(table[t, e].max()))[:keep]
                gene += [(decisions.ops_of(t, e)[int(table[t, e].argmax())], decisions.edges[e][0])
                         for e in strongest]
        genes.append(tuple(gene))
    concat = tuple(steps)
    return DartsGenotype(decisions, tuple(genes), tuple(concat for _ in genes))
