"""Architectures and a fixture shared by the evaluation tests."""

from __future__ import annotations

import pytest
import torch

# quark0/darts cnn/genotypes.py DARTS_V2 (DARTS, second order), with the list spelling of its concat
DARTS_V2 = ("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
            "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], "
            "normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), "
            "('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), "
            "('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])")
EVERY_OP = ("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_5x5', 1), ('dil_conv_3x3', 0), ('dil_conv_5x5', 2), "
            "('max_pool_3x3', 1), ('avg_pool_3x3', 3), ('skip_connect', 0), ('skip_connect', 4)], "
            "normal_concat=[2, 3, 4, 5], reduce=[('skip_connect', 0), ('skip_connect', 1), ('sep_conv_3x3', 0), "
            "('dil_conv_5x5', 1), ('avg_pool_3x3', 0), ('max_pool_3x3', 3), ('sep_conv_5x5', 1), "
            "('dil_conv_3x3', 4)], reduce_concat=[2, 3, 4, 5])")
NB201_BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


@pytest.fixture(autouse=True)
def one_thread():
    """Small networks run fastest on one torch thread, most of all on a shared machine (import it into a test
    module to use it there)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
