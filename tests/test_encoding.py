"""NB201 architecture strings: parse/format round trips and what malformed strings are told."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spaces.errors import MalformedArchitecture
from spaces.nb201.encoding import NUM_ARCHS, NUM_EDGES, OPS, NB201Arch, all_archs, ordinals

op_indices = st.tuples(*[st.integers(0, len(OPS) - 1)] * NUM_EDGES)


@given(op_indices)
def test_string_round_trip(ops):
    arch = NB201Arch(ops)
    assert NB201Arch.parse(str(arch)) == arch
    assert NB201Arch.from_ordinal(arch.ordinal) == arch


@given(op_indices)
def test_string_layout_is_the_benchmark_one(ops):
    text = str(NB201Arch(ops))
    groups = text.split("+")
    # node j lists the ops on its edges from nodes 0..j-1, in that order, as `op~source`
    assert [g.count("~") for g in groups] == [1, 2, 3]
    written = [item for group in groups for item in group.strip("|").split("|")]
    assert written == [f"{OPS[o]}~{source}" for o, source in zip(ops, (0, 0, 1, 0, 1, 2))]


def test_all_architectures_are_distinct_and_round_trip():
    archs = all_archs()
    assert len(set(archs)) == NUM_ARCHS == len({str(a) for a in archs})
    assert all(NB201Arch.parse(str(a)) == a for a in archs)
    assert list(ordinals([a.ops for a in archs])) == list(range(NUM_ARCHS))


@pytest.mark.parametrize("text, complaint", [
    ("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|", "expected 3 node groups"),
    ("|nor_conv_3x3~0|+|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|", "node 2 needs 2 inputs"),
    ("|conv_5x5~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|", "unknown op 'conv_5x5'"),
    ("|nor_conv_3x3~0|+|nor_conv_3x3~1|avg_pool_3x3~0|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|", "expected source '~0'"),
    ("|nor_conv_3x3|+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|", "should be 'op~source'"),
    ("nor_conv_3x3~0+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|", "start and end with '|'"),
])
def test_malformed_strings_say_what_is_wrong(text, complaint):
    with pytest.raises(MalformedArchitecture, match=complaint.replace("(", r"\(")):
        NB201Arch.parse(text)


def test_out_of_range_ops_and_ordinals_are_rejected():
    with pytest.raises(MalformedArchitecture):
        NB201Arch((0, 1, 2, 3, 4, 5))
    with pytest.raises(MalformedArchitecture):
        NB201Arch.from_ordinal(NUM_ARCHS)
