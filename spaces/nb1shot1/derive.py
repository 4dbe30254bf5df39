"""From architecture scores to a discrete 1Shot1 architecture (pure numpy; tensors are accepted).

As nasbench_analysis/eval_darts_one_shot_model_in_nasbench.py does it:
- the op of choice block b is the argmax of `op_scores[b]`, columns in
  PRIMITIVES order (maxpool3x3, conv3x3-bn-relu, conv1x1-bn-relu);
- node j keeps the `space.parents_of(j)` candidates with the highest input
  scores (`get_top_k`); nodes whose candidates are all needed (node 1, and
  node 2 of space 1) take them without scores;
- the output node's scores cover the cell input (index 0) and every choice
  block (alphas_output has blocks + 1 entries).
The repository ranks softmax(scores); softmax is monotone, so ranking the raw
scores gives the same choice (the raw scores also avoid float ties that
softmax saturation can create).

Ties (harness choice, documented because the repository leaves them to
np.argmax / np.argpartition, whose tie order for argpartition is unspecified):
the op with the lowest PRIMITIVES index wins (np.argmax's rule), and among
equal input scores the lower-numbered node wins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from spaces.errors import MalformedArchitecture
from spaces.nb1shot1.architecture import OneShotArch
from spaces.nb1shot1.spaces import PRIMITIVES, OneShotSpace, get_space


def derive(space_or_number, op_scores, input_scores) -> OneShotArch:
    """`op_scores` [blocks, 3]; `input_scores` maps each node of `space.scored_nodes` to scores over its
    candidates 0..node-1 (or is a sequence in `scored_nodes` order). Shapes [1, n] are accepted, as the
    repository stores its alphas."""
    space = space_or_number if isinstance(space_or_number, OneShotSpace) else get_space(space_or_number)
    ops_array = _numpy(op_scores)
    if ops_array.shape != (space.num_blocks, len(PRIMITIVES)):
        raise MalformedArchitecture(
            f"{space.name}: op scores must have shape ({space.num_blocks}, {len(PRIMITIVES)}) "
            f"[choice blocks, ops in PRIMITIVES order], got {ops_array.shape}"
        )
    ops = tuple(PRIMITIVES[int(np.argmax(row))] for row in ops_array)
    scores = _by_node(space, input_scores)
    parents = []
    for node in space.nodes:
        if node not in scores:
            parents.append(space.parent_sets(node)[0])  # the only allowed set
            continue
        parents.append(top_k(scores[node], space.parents_of(node)))
    return OneShotArch(space.number, ops, tuple(parents))


def top_k(scores: np.ndarray, k: int) -> tuple[int, ...]:
    """Indices of the k highest scores, ascending; equal scores prefer the lower index."""
    order = np.argsort(-scores, kind="stable")
    return tuple(sorted(int(i) for i in order[:k]))


def _by_node(space: OneShotSpace, input_scores) -> dict[int, np.ndarray]:
    if isinstance(input_scores, Mapping):
        given = {int(node): value for node, value in input_scores.items()}
    elif isinstance(input_scores, Sequence) or hasattr(input_scores, "__len__"):
        if len(input_scores) != len(space.scored_nodes):
            raise MalformedArchitecture(
                f"{space.name}: input scores are needed for nodes {space.scored_nodes}, got {len(input_scores)} vectors"
            )
        given = dict(zip(space.scored_nodes, input_scores))
    else:
        raise MalformedArchitecture(f"{space.name}: input scores must be a mapping node -> scores or a sequence")
    unknown = sorted(set(given) - set(space.scored_nodes))
    missing = sorted(set(space.scored_nodes) - set(given))
    if unknown or missing:
        raise MalformedArchitecture(
            f"{space.name}: input scores are for nodes {space.scored_nodes}"
            + (f"; missing {missing}" if missing else "")
            + (f"; node(s) {unknown} have no choice of inputs" if unknown else "")
        )
    result = {}
    for node, value in given.items():
        array = _numpy(value)
        if array.ndim == 2 and array.shape[0] == 1:
            array = array[0]
        if array.shape != (node,):
            raise MalformedArchitecture(
                f"{space.name}: node {node} chooses among nodes 0..{node - 1}, so it needs {node} input scores, "
                f"got shape {array.shape}"
            )
        result[node] = array
    return result


def _numpy(value) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor, without importing torch here
        value = value.detach().cpu().numpy()
    array = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise MalformedArchitecture("architecture scores must be finite numbers")
    return array
