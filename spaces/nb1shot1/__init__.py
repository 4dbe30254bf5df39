"""NAS-Bench-1Shot1 search spaces 1-3, the discrete side: architectures, enumeration, derivation, lookups.

    from spaces.nb1shot1 import OneShotArch, OneShotOracle, derive, get_space

    arch = OneShotArch.parse(1, "conv3x3~0|maxpool3x3~0,1|conv1x1~1,2|conv3x3~0,3|output~2,4")
    arch.to_nb101()                                  # NB101Cell, 7x7, as the repository builds it
    oracle = OneShotOracle.from_nb101(1, nb101_oracle)
    oracle.accuracy(arch, "test", 108); oracle.optimum(); oracle.regret(arch)
    derive(1, op_scores, input_scores)               # argmax op per block, top-k parents per node

The search-space side (spaces/base.py contract), imported from its own modules so that this
package stays free of torch:
    space.py          NB1Shot1Space(1|2|3): decisions, supernet, derive, parse, query, load_oracle
    network.py        the one-shot network; search_cell.py its cell; cell_graph.py the candidate edges
    record_oracle.py  the run-record columns (accuracy and regret in percent); query.py `harness query`
"""

from spaces.nb1shot1.architecture import OneShotArch
from spaces.nb1shot1.derive import derive
from spaces.nb1shot1.enumeration import arch_at, enumerate_space, index_of
from spaces.nb1shot1.oracle import OneShotOracle, paper_count, space_rows, write_space_rows
from spaces.nb1shot1.spaces import PRIMITIVES, SPACES, OneShotSpace, get_space

__all__ = [
    "PRIMITIVES",
    "SPACES",
    "OneShotArch",
    "OneShotOracle",
    "OneShotSpace",
    "arch_at",
    "derive",
    "enumerate_space",
    "get_space",
    "index_of",
    "paper_count",
    "space_rows",
    "write_space_rows",
]
