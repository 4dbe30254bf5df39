"""Reference levels of the NAS-Bench-1Shot1 regret figure (GAEA Figure 2: test regret per search epoch).

- The repository's `test_min_error` of each space (spaces/nb1shot1/spaces.py, from automl/nasbench-1shot1
  nasbench_analysis/search_spaces/search_space_{1,2,3}.py): the minimum over the space of the PER-REPEAT
  NAS-Bench-101 test error at 108 epochs. No architecture's mean over the 3 repeats reaches it, so it lies
  below the regret axis' zero (the best MEAN accuracy, spaces/nb1shot1/record_oracle.py); the repository's
  and GAEA's regret of a curve is its height above this line.
- The best weight-sharing optimizer's final regret in Zela, Siems & Hutter (ICLR 2020) is not drawn: the
  paper shows it only in figures, and no number for it could be sourced (the reason is the figure's note).
"""

from __future__ import annotations

from spaces.nb1shot1.record_oracle import DATASET
from spaces.nb1shot1.spaces import OneShotSpace
from spaces.reference_lines import AccuracyReference, References

SOURCE = "automl/nasbench-1shot1 nasbench_analysis/search_spaces/search_space_{}.py test_min_error"
UNSOURCED = ("no line for the best weight-sharing optimizer's final regret of Zela, Siems & Hutter (ICLR 2020, "
             "NAS-Bench-1Shot1): the paper gives it only as curves in its figures, and no published number for it "
             "could be sourced")


def regret_references(space: OneShotSpace) -> References:
    minimum = AccuracyReference(
        label="repo test_min_error (per-repeat minimum, below every mean)",
        dataset=DATASET, split="test", accuracy=100.0 * (1.0 - space.test_min_error),
        source=SOURCE.format(space.number))
    return References(lines=(minimum,), notes=(UNSOURCED,))
