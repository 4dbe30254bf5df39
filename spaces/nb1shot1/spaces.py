"""The three NAS-Bench-1Shot1 search spaces: which node takes how many inputs from where.

Facts from automl/nasbench-1shot1 (commit 39e8f3f, nasbench_analysis/):
- search_spaces/search_space_{1,2,3}.py `num_parents_per_node`:
  space 1 {1: 1, 2: 2, 3: 2, 4: 2, 5 (output): 2}, 4 choice blocks;
  space 2 {1: 1, 2: 1, 3: 2, 4: 2, 5 (output): 3}, 4 choice blocks;
  space 3 {1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6 (output): 2}, 5 choice blocks.
  Every space has 9 edges in total, NAS-Bench-101's limit.
- search_space.py `get_configuration_space` / `parent_combinations`: node j
  chooses its parents among all earlier nodes 0..j-1 (node 0 is the cell
  input), as an unordered set of exactly `num_parents_per_node[j]` nodes; node 1
  always takes the input. The output node is a node like the others: the cell
  input is one of its candidates (index 0 of `alphas_output` in
  optimizers/darts/model_search.py), so the input->output edge exists in a
  discrete architecture only when it is chosen.
- the same files' `test_min_error` / `valid_min_error`: the minimum over the
  space of the PER-REPEAT NAS-Bench-101 error at 108 epochs (search_space_1.py
  `analysis()` takes `min` over every repeat of every architecture), used by
  nasbench1shot1/experiments/analysis/experiment_database.py
  `get_key_from_scalar_configs` as regret = mean over the 3 repeats of the
  derived architecture's error minus that minimum.
- utils.py `upscale_to_nasbench_format`: spaces 1 and 2 have 6 nodes; they are
  put in NB101's 7-vertex format by inserting an all-zero column at index 5
  (axis=1) and then an all-zero row at index 5 (axis=0), so the output moves to
  vertex 6 and vertex 5 is an unconnected dummy. Its op is conv1x1-bn-relu
  (search_space_1.py `objective_function`, eval_darts_one_shot_model_in_nasbench.py:
  `[INPUT, *node_list, CONV1X1, OUTPUT]`); pruning removes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from spaces.errors import ConfigError
from spaces.nb101.cell import CONV1X1, CONV3X3, MAXPOOL3X3

# optimizers/darts/genotypes.py PRIMITIVES: the order of the op scores of every
# choice block in the 1Shot1 supernet (MixedOp iterates PRIMITIVES). It is NOT
# NAS-Bench-101's hash label order (conv3x3, conv1x1, maxpool3x3).
PRIMITIVES: tuple[str, ...] = (MAXPOOL3X3, CONV3X3, CONV1X1)
DUMMY_OP = CONV1X1  # utils.py / eval_darts_one_shot_model_in_nasbench.py: the unused vertex 5 of spaces 1 and 2


@dataclass(frozen=True)
class OneShotSpace:
    """One NAS-Bench-1Shot1 space. Nodes: 0 = cell input, 1..blocks = choice blocks, blocks+1 = output."""

    number: int
    num_parents: tuple[int, ...]  # parents of nodes 1..output, in node order
    test_min_error: float  # the repo's constants (per-repeat minima, see the module docstring)
    valid_min_error: float

    @property
    def name(self) -> str:
        return f"nb1shot1-s{self.number}"

    @property
    def num_blocks(self) -> int:
        return len(self.num_parents) - 1

    @property
    def output_node(self) -> int:
        return len(self.num_parents)

    @property
    def nodes(self) -> range:
        """Nodes that choose parents: 1..output."""
        return range(1, self.output_node + 1)

    def parents_of(self, node: int) -> int:
        return self.num_parents[node - 1]

    def candidates(self, node: int) -> tuple[int, ...]:
        return tuple(range(node))

    def parent_sets(self, node: int) -> tuple[tuple[int, ...], ...]:
        """Every allowed parent set of `node`, in itertools.combinations order."""
        return tuple(combinations(self.candidates(node), self.parents_of(node)))

    @property
    def scored_nodes(self) -> tuple[int, ...]:
        """Nodes with a real choice of inputs (more candidates than parents): they get input scores."""
        return tuple(node for node in self.nodes if len(self.parent_sets(node)) > 1)

    @property
    def has_dummy_vertex(self) -> bool:
        """Spaces with 4 choice blocks are padded to NB101's 7 vertices with a dummy vertex 5."""
        return self.output_node + 1 < 7

    @property
    def num_parent_choices(self) -> int:
        total = 1
        for node in self.nodes:
            total *= len(self.parent_sets(node))
        return total

    @property
    def num_configurations(self) -> int:
        """Op per block times parent set per node: every architecture the one-shot model can derive."""
        return len(PRIMITIVES) ** self.num_blocks * self.num_parent_choices


SPACES: dict[int, OneShotSpace] = {
    space.number: space
    for space in (
        # search_space_1.py SearchSpace1.__init__
        OneShotSpace(1, (1, 2, 2, 2, 2), test_min_error=0.05448716878890991, valid_min_error=0.049278855323791504),
        # search_space_2.py SearchSpace2.__init__
        OneShotSpace(2, (1, 1, 2, 2, 3), test_min_error=0.057592153549194336, valid_min_error=0.051582515239715576),
        # search_space_3.py SearchSpace3.__init__
        OneShotSpace(3, (1, 1, 1, 2, 2, 2), test_min_error=0.05338543653488159, valid_min_error=0.04847759008407593),
    )
}


def get_space(number_or_name) -> OneShotSpace:
    """Space 1, 2 or 3, by number or by name ('nb1shot1-s1', 's1', '1')."""
    key = str(number_or_name).strip().lower().removeprefix("nb1shot1-").removeprefix("s")
    if key in ("1", "2", "3"):
        return SPACES[int(key)]
    raise ConfigError(f"unknown NAS-Bench-1Shot1 space {number_or_name!r}; spaces are nb1shot1-s1, nb1shot1-s2, nb1shot1-s3")
