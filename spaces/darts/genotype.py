"""DARTS genotypes: the text form of DARTS's own `Genotype` (quark0/darts cnn/genotypes.py).

    Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ...], normal_concat=[2, 3, 4, 5],
             reduce=[('max_pool_3x3', 0), ...], reduce_concat=[2, 3, 4, 5])

One (op, input) pair per kept edge, two per intermediate node in node order (node k = 2 + pair // 2);
inputs 0 and 1 are the cell's inputs c_{k-2} and c_{k-1}. The official genotypes spell the concat
`range(2, 6)`, which parses too. A space with other cell types than normal and reduce (Amended-DARTS'
space 2: one per cell) writes one `<type>=[...], <type>_concat=[...]` pair per type, in its order.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import numpy as np

from spaces.base import Decisions, count_roles
from spaces.derived_cell import PLAIN, DerivedCell
from spaces.errors import MalformedArchitecture

Gene = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class DartsGenotype:
    decisions: Decisions  # of the space the genotype belongs to (names, edges, ops per edge)
    genes: tuple[Gene, ...]  # one per cell type, in the space's type order
    concats: tuple[tuple[int, ...], ...]

    def __post_init__(self):
        check_genes(self.decisions, self.genes, self.concats)

    def __str__(self) -> str:
        parts = []
        for cell_type, gene, concat in zip(self.decisions.cell_types, self.genes, self.concats):
            pairs = ", ".join(f"({op!r}, {node})" for op, node in gene)
            parts.append(f"{cell_type.name}=[{pairs}], {cell_type.name}_concat={list(concat)}")
        return f"Genotype({', '.join(parts)})"

    def canonical(self) -> tuple:
        """The genes with each node's two pairs in sorted order: a node sums its inputs, so the order in
        which a derivation lists them (DARTS: strongest first) does not change the architecture."""
        return tuple(tuple(tuple(sorted(gene[i:i + 2])) for i in range(0, len(gene), 2)) for gene in self.genes)

    def __eq__(self, other) -> bool:
        return isinstance(other, DartsGenotype) and (self.canonical(), self.concats) == (other.canonical(),
                                                                                         other.concats)

    def __hash__(self) -> int:
        return hash((self.canonical(), self.concats))

    def cell(self, name: str) -> Gene:
        return self.genes[[t.name for t in self.decisions.cell_types].index(name)]

    def op_counts(self) -> dict[str, dict[str, int]]:
        return {cell_type.name: count_roles((op for op, _ in gene), self.decisions.roles)
                for cell_type, gene in zip(self.decisions.cell_types, self.genes)}

    def one_hot(self) -> np.ndarray:
        """[types, edges, max ops]: 1 on each kept edge's op; edges a node did not keep are all 0."""
        table = np.zeros(self.decisions.shape)
        for t, gene in enumerate(self.genes):
            for pair, (op, source) in enumerate(gene):
                choice = edge_index(self.decisions, source, 2 + pair // 2)
                table[t, choice, self.decisions.ops_of(t, choice).index(op)] += 1.0
        return table

    def derived_cells(self) -> tuple[DerivedCell, ...]:
        """Each cell type as DARTS draws it (quark0/darts cnn/visualize.py): inputs c_{k-2}, c_{k-1}, the
        intermediate nodes numbered from 0, each kept (op, input) pair an edge, and the concatenated nodes
        joined into the output c_{k}."""
        cells = []
        for cell_type, gene, concat in zip(self.decisions.cell_types, self.genes, self.concats):
            steps = len(gene) // 2
            output = 2 + steps
            nodes = ((0, "c_{k-2}"), (1, "c_{k-1}"), *((2 + step, str(step)) for step in range(steps)),
                     (output, "c_{k}"))
            edges = tuple((source, 2 + pair // 2, op) for pair, (op, source) in enumerate(gene))
            joins = tuple((node, output, PLAIN) for node in concat)
            cells.append(DerivedCell(cell_type.name, nodes, edges + joins))
        return tuple(cells)

    def as_plain(self) -> dict[str, list]:
        """{"normal": [(op, input), ...], "normal_concat": [...], ...}: plain data (NAS-Bench-301's input)."""
        plain: dict[str, list] = {}
        for cell_type, gene, concat in zip(self.decisions.cell_types, self.genes, self.concats):
            plain[cell_type.name] = [tuple(pair) for pair in gene]
            plain[f"{cell_type.name}_concat"] = list(concat)
        return plain


def edge_index(decisions: Decisions, source: int, target: int) -> int:
    for index, choice in enumerate(decisions.choices):
        if choice.at == (source, target):
            return index
    raise MalformedArchitecture(f"the space's cell has no edge {source} -> {target}")


def check_genes(decisions: Decisions, genes, concats) -> None:
    names = [t.name for t in decisions.cell_types]
    if len(genes) != len(names) or len(concats) != len(names):
        raise MalformedArchitecture(f"a genotype of this space has the cell types {names}")
    steps = len({target for _, target in decisions.edges})
    for t, (name, gene, concat) in enumerate(zip(names, genes, concats)):
        if len(gene) != 2 * steps:
            raise MalformedArchitecture(f"cell {name}: {2 * steps} (op, input) pairs expected (two per node), "
                                        f"got {len(gene)}")
        for pair, (op, source) in enumerate(gene):
            target = 2 + pair // 2
            if not isinstance(source, int) or isinstance(source, bool) or not 0 <= source < target:
                raise MalformedArchitecture(f"cell {name}: node {target} cannot take input {source!r} "
                                            f"(inputs are 0..{target - 1})")
            choice = edge_index(decisions, source, target)
            if op not in decisions.ops_of(t, choice):
                raise MalformedArchitecture(f"cell {name}: op {op!r} is not a candidate on edge {source} -> "
                                            f"{target}; its ops are {list(decisions.ops_of(t, choice))}")
        if not isinstance(concat, (list, tuple)) or tuple(concat) != tuple(range(2, 2 + steps)):
            raise MalformedArchitecture(f"cell {name}: the concat must be {list(range(2, 2 + steps))} (every "
                                        f"intermediate node), got {concat!r}")


_RANGE = re.compile(r"range\(\s*(\d+)\s*,\s*(\d+)\s*\)")


def parse_genotype(text: str, decisions: Decisions) -> DartsGenotype:
    """The genotype of DARTS's `Genotype(...)` text; MalformedArchitecture saying what is wrong."""
    if not isinstance(text, str):
        raise MalformedArchitecture(f"a DARTS genotype is text, got {type(text).__name__}")
    shown = text if len(text) <= 160 else text[:157] + "..."
    body = text.strip()
    if not (body.startswith("Genotype(") and body.endswith(")")):
        raise MalformedArchitecture(f"malformed DARTS genotype {shown!r}: expected Genotype(normal=[...], "
                                    f"normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5])")
    body = _RANGE.sub(lambda m: repr(list(range(int(m.group(1)), int(m.group(2))))), body)
    try:
        call = ast.parse(body, mode="eval").body
        if not isinstance(call, ast.Call) or call.args:
            raise ValueError("positional fields")
        fields = {keyword.arg: ast.literal_eval(keyword.value) for keyword in call.keywords}
    except (SyntaxError, ValueError) as error:
        raise MalformedArchitecture(f"malformed DARTS genotype {shown!r}: fields must be name=[...] literals "
                                    f"({error})") from None
    names = [t.name for t in decisions.cell_types]
    expected = {key for name in names for key in (name, f"{name}_concat")}
    if set(fields) != expected:
        raise MalformedArchitecture(f"malformed DARTS genotype {shown!r}: fields {sorted(expected)} expected, "
                                    f"got {sorted(fields)}")
    genes, concats = [], []
    for name in names:
        gene = fields[name]
        if not isinstance(gene, list) or not all(isinstance(p, tuple) and len(p) == 2 for p in gene):
            raise MalformedArchitecture(f"malformed DARTS genotype {shown!r}: {name} must be a list of "
                                        f"(op, input) pairs")
        genes.append(tuple((str(op), node) for op, node in gene))
        concats.append(fields[f"{name}_concat"])
    check_genes(decisions, genes, concats)
    return DartsGenotype(decisions, tuple(genes), tuple(tuple(concat) for concat in concats))
