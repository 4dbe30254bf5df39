"""The op lists of the DARTS space family: DARTS's own, RobustDARTS' S1-S4, Amended-DARTS' two spaces.

Each edge of a cell type has its own candidate list (RobustDARTS S1 has a different pair on each
edge), in the order of the architecture weights. Edges are in DARTS order e0..e13:
(0,2), (1,2), (0,3), (1,3), (2,3), (0,4), (1,4), (2,4), (3,4), (0,5), (1,5), (2,5), (3,5), (4,5).
"""

from __future__ import annotations

# quark0/darts cnn/genotypes.py PRIMITIVES, in its order
DARTS_OPS = ("none", "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5",
             "dil_conv_3x3", "dil_conv_5x5")
PARAMETRIC_OPS = frozenset({"sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"})
STEPS = 4  # intermediate nodes per cell (quark0/darts cnn/model_search.py Cell steps=4)
NUM_EDGES = sum(2 + node for node in range(STEPS))  # 14

_SKIP, _DIL3, _DIL5, _SEP3 = "skip_connect", "dil_conv_3x3", "dil_conv_5x5", "sep_conv_3x3"
_MAX, _AVG = "max_pool_3x3", "avg_pool_3x3"

# automl/RobustDARTS src/spaces.py primitives_1 (Zela et al., ICLR 2020, Section 4.1, Figure 9)
S1_NORMAL = ((_SKIP, _DIL3), (_SKIP, _DIL5), (_SKIP, _DIL5), (_SKIP, _SEP3), (_SKIP, _DIL3), (_MAX, _SKIP),
             (_SKIP, _SEP3), (_SKIP, _SEP3), (_SKIP, _DIL3), (_SKIP, _SEP3), (_MAX, _SKIP), (_SKIP, _DIL3),
             (_DIL3, _DIL5), (_DIL3, _DIL5))
S1_REDUCE = ((_MAX, _AVG), (_MAX, _DIL3), (_MAX, _AVG), (_MAX, _AVG), (_SKIP, _DIL5), (_MAX, _AVG), (_MAX, _SEP3),
             (_SKIP, _DIL3), (_SKIP, _DIL5), (_MAX, _AVG), (_MAX, _AVG), (_SKIP, _DIL5), (_SKIP, _DIL5),
             (_SKIP, _DIL5))
S2_OPS = (_SKIP, _SEP3)  # automl/RobustDARTS src/spaces.py primitives_2, every edge of both cells
S3_OPS = ("none", _SKIP, _SEP3)  # primitives_3
S4_OPS = ("noise", _SEP3)  # primitives_4: `noise` returns N(0, 1) samples of the input's shape

# Amended-DARTS Section 4.1.2-4.1.3: "all seven operators" (DARTS's without `none`) in its S_1;
# S_2 searches "only two, namely skip-connect and sep-conv-3x3"
AMENDED_S1_OPS = tuple(op for op in DARTS_OPS if op != "none")
AMENDED_S2_OPS = (_SKIP, _SEP3)
