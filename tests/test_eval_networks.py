"""Evaluation networks: the DARTS family's NetworkCIFAR and NAS-Bench-201's TinyNetwork, built from discrete
architectures. Parameter counts are checked against counts worked out per op from the reference code's
layer definitions (quark0/darts cnn/operations.py, D-X-Y/AutoDL-Projects cell_operations.py), against the
published DARTS_V2 size and against NAS-Bench-201's own table."""

from __future__ import annotations

import copy
import csv
import gzip
import random

import pytest
import torch
from torch import nn

from spaces.darts.eval_network import EvalCell, cell_genes, reduction_cells
from spaces.darts.eval_ops import OPS, FactorizedReduce, Identity, build_op
from spaces.darts.space import DartsFamilySpace
from spaces.errors import ConfigError
from spaces.model_size import multiply_adds, params_mb
from spaces.nb201.space import NB201Space
from spaces.random_source import RandomSource
from tests.conftest import require_shared
from tests.evaluation_helpers import DARTS_V2, EVERY_OP, NB201_BEST, one_thread  # noqa: F401  (one_thread: autouse)



# GDAS_V1 of D-X-Y/NAS-Projects others/GDAS/lib/nas/genotypes.py, as public DARTS-family genotype lists quote it
GDAS_V1 = ("Genotype(normal=[('skip_connect', 0), ('skip_connect', 1), ('skip_connect', 0), ('sep_conv_5x5', 2), "
           "('sep_conv_3x3', 3), ('skip_connect', 0), ('sep_conv_5x5', 4), ('sep_conv_3x3', 3)], "
           "normal_concat=range(2, 6), reduce=[('sep_conv_5x5', 0), ('sep_conv_3x3', 1), ('sep_conv_5x5', 2), "
           "('sep_conv_5x5', 1), ('dil_conv_5x5', 2), ('sep_conv_3x3', 1), ('sep_conv_5x5', 0), "
           "('sep_conv_5x5', 2)], reduce_concat=range(2, 6))")


def darts_net(text=DARTS_V2, space="darts", channels=36, layers=20, classes=10, auxiliary=True, drop=0.2, seed=0):
    family = DartsFamilySpace(space)
    config = {"channels": channels, "layers": layers, "auxiliary": auxiliary, "drop_path_prob": drop}
    return family.evaluation_network(family.parse(text), config, classes, torch.Generator().manual_seed(seed))


# --- parameter counts worked out per op ----------------------------------------------------------------
def bn(c):
    return 2 * c  # affine weight and bias


def op_params(name, c, stride):
    """Per quark0/darts cnn/operations.py: SepConv = twice (depthwise k*k + 1x1 + BN); DilConv = once;
    FactorizedReduce = two 1x1 convs to C/2 + BN; pooling and identity have none."""
    if name.startswith("sep_conv"):
        k = int(name[-1])
        return 2 * (c * k * k + c * c + bn(c))
    if name.startswith("dil_conv"):
        k = int(name[-1])
        return c * k * k + c * c + bn(c)
    if name == "skip_connect" and stride == 2:
        return 2 * (c * (c // 2)) + bn(c)
    return 0


def darts_params(genes, channels, layers, classes):
    """NetworkCIFAR's parameters without the auxiliary head, counted from quark0/darts cnn/model.py:
    stem conv 3->3C + BN; per cell two preprocessing ReLU-conv-BN (or FactorizedReduce after a reduction)
    and its ops; the classifier on the last cell's 4C channels."""
    total = 3 * (3 * channels) * 9 + bn(3 * channels)
    c_pp = c_p = 3 * channels
    c = channels
    for i in range(layers):
        reduction = i in (layers // 3, 2 * layers // 3)
        c = 2 * c if reduction else c
        total += (c_pp * c + bn(c)) + (c_p * c + bn(c))  # FactorizedReduce has as many as a 1x1 ReLU-conv-BN
        gene = genes["reduce" if reduction else "normal"]
        total += sum(op_params(op, c, 2 if reduction and source < 2 else 1) for op, source in gene)
        c_pp, c_p = c_p, 4 * c
    return total + c_p * classes + classes


def test_darts_v2_at_20_cells_36_channels_has_the_published_size():
    net = darts_net()
    genes = DartsFamilySpace("darts").parse(DARTS_V2).as_plain()
    counted = darts_params(genes, 36, 20, 10)
    assert params_mb(net) == counted / 1e6
    # DARTS Table 1: 3.3 M; the DARTS code logs "param size = 3.349342MB" for DARTS_V2 at 20 x 36
    assert round(counted / 1e6, 6) == 3.349342
    # the auxiliary head exists but is left out of the count, as DARTS' count_parameters_in_MB does
    assert sum(p.numel() for p in net.auxiliary_head.parameters()) > 0


def test_every_op_and_reduction_edges_are_counted_alike():
    net = darts_net(EVERY_OP, channels=16, layers=8, classes=100)
    genes = DartsFamilySpace("darts").parse(EVERY_OP).as_plain()
    assert params_mb(net) * 1e6 == pytest.approx(darts_params(genes, 16, 8, 100), abs=0.5)


def test_multiply_adds_count_convolutions_and_the_classifier():
    layer = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5))
    expected = 32 * 32 * 8 * 3 * 9 + 16 * 16 * 8 * 1 * 9 + 8 * 5
    assert multiply_adds(layer, (3, 32, 32)) == expected
    # Genotype lists that quote D-X-Y/NAS-Projects' counts (GDAS lib/nas/genotypes.py) annotate DARTS_V2 with
    # "528M, 3.3" and GDAS_V1 with "519M, 3.36M": multiply-adds of one 32x32 image and parameters at 20 x 36
    assert multiply_adds(darts_net(), (3, 32, 32)) // 10**6 == 528
    gdas_v1 = darts_net(GDAS_V1)
    assert multiply_adds(gdas_v1, (3, 32, 32)) // 10**6 == 519 and int(params_mb(gdas_v1) * 100) == 336


# --- structure -----------------------------------------------------------------------------------------
def test_outputs_and_the_auxiliary_head_in_training_only():
    x = torch.randn(3, 3, 32, 32)
    net = darts_net(channels=8, layers=5)
    net.train()
    out = net(x)
    assert out.logits.shape == (3, 10) and out.auxiliary.shape == (3, 10)
    net.eval()
    assert net(x).auxiliary is None
    without = darts_net(channels=8, layers=5, auxiliary=False)
    without.train()
    assert without.auxiliary_head is None and without(x).auxiliary is None


def test_reduction_cells_get_the_reduce_gene_and_halve_the_resolution():
    assert reduction_cells(20) == (6, 13) and reduction_cells(8) == (2, 5)
    genotype = DartsFamilySpace("darts").parse(EVERY_OP)
    assert cell_genes(genotype, 5) == [0, 1, 0, 1, 0]  # reductions at 5 // 3 = 1 and 10 // 3 = 3
    net = darts_net(EVERY_OP, channels=8, layers=5)
    shapes = []
    net.cells[1].register_forward_hook(lambda m, i, o: shapes.append(o.shape))
    net.cells[2].register_forward_hook(lambda m, i, o: shapes.append(o.shape))
    net.eval()
    net(torch.randn(2, 3, 32, 32))
    assert shapes == [(2, 4 * 16, 16, 16), (2, 4 * 16, 16, 16)]
    reduce_cell, after_reduce = net.cells[1], net.cells[2]
    # skip_connect on a reduction edge from an input is a FactorizedReduce; so is c_{k-2} after a reduction
    assert isinstance(reduce_cell.ops[0], FactorizedReduce) and isinstance(reduce_cell.ops[1], FactorizedReduce)
    assert isinstance(after_reduce.preprocess0, FactorizedReduce)
    assert isinstance(net.cells[0].ops[6], Identity)  # skip_connect at stride 1


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("stride", [1, 2])
def test_every_op_keeps_the_channels_and_strides(name, stride):
    op = build_op(name, 8, stride, RandomSource(0))
    out = op(torch.randn(2, 8, 8, 8))
    assert out.shape == (2, 8, 8 // stride, 8 // stride)
    assert sum(p.numel() for p in op.parameters()) == op_params(name, 8, stride)


def test_the_noise_op_ignores_its_input_and_draws_in_eval_mode_too():
    """RobustDARTS' NoiseOp: N(0, 1) samples of the (strided) input's shape, in every mode."""
    first, second = build_op("noise", 4, 2, RandomSource(7)), build_op("noise", 4, 2, RandomSource(7))
    first.eval()
    x = torch.randn(64, 4, 16, 16)
    a, b = first(x), second(100 * x)
    assert torch.equal(a, b) and a.shape == (64, 4, 8, 8)
    assert abs(float(a.mean())) < 0.02 and abs(float(a.std()) - 1) < 0.02
    assert not torch.equal(first(x), a)  # fresh draws every call


def test_s4_genotypes_with_noise_build_and_run():
    s4 = ("Genotype(normal=[('sep_conv_3x3', 0), ('noise', 1), ('noise', 0), ('sep_conv_3x3', 2), ('noise', 2), "
          "('sep_conv_3x3', 3), ('noise', 3), ('sep_conv_3x3', 4)], normal_concat=[2, 3, 4, 5], "
          "reduce=[('noise', 0), ('noise', 1), ('noise', 0), ('noise', 1), ('noise', 0), ('noise', 1), "
          "('noise', 0), ('noise', 1)], reduce_concat=[2, 3, 4, 5])")
    net = darts_net(s4, space="darts-s4", channels=8, layers=5)
    net.eval()
    x = torch.randn(2, 3, 32, 32)
    assert not torch.equal(net(x).logits, net(x).logits)  # the noise is drawn at test time as well


def test_drop_path_ramps_over_epochs_and_spares_the_identity():
    net = darts_net(channels=8, layers=5, drop=0.3)
    net.start_epoch(0, 10)
    assert net.current_drop_prob == 0
    net.start_epoch(5, 10)
    assert net.current_drop_prob == pytest.approx(0.15)

    built = {}

    def cell(gene):
        """A fresh copy of one cell per gene: the same weights and the same random source state."""
        if gene not in built:
            built[gene] = EvalCell(gene, (2, 3, 4, 5), 8, 8, 8, False, False, RandomSource(3))
        return copy.deepcopy(built[gene])

    s0, s1 = torch.randn(16, 8, 8, 8), torch.randn(16, 8, 8, 8)
    skips = tuple(("skip_connect", i % 2) for i in range(8))
    assert torch.equal(cell(skips)(s0, s1, 0.9), cell(skips)(s0, s1, 0.0))
    convs = tuple(("sep_conv_3x3", i % 2) for i in range(8))
    dropped, kept = cell(convs)(s0, s1, 0.5), cell(convs)(s0, s1, 0.0)
    node2 = slice(0, 8)  # the first node: two ops, each dropped per sample or scaled by 1 / 0.5
    zero = dropped[:, node2].flatten(1).abs().sum(1) == 0
    assert 0 < int(zero.sum()) < 16
    cell_eval = cell(convs)
    cell_eval.eval()
    assert torch.equal(cell_eval(s0, s1, 0.5), cell_eval(s0, s1, 0.0))  # no drop-path at test time
    assert not torch.equal(dropped, kept)


def test_a_space_with_a_genotype_per_cell_builds_cell_i_from_gene_i():
    names = [f"cell_{i + 1}" for i in range(20)]
    parts = []
    for i, name in enumerate(names):
        first = "sep_conv_3x3" if i == 7 else "skip_connect"
        pairs = [(first, 0), ("skip_connect", 1), ("skip_connect", 0), ("skip_connect", 2), ("skip_connect", 0),
                 ("skip_connect", 3), ("skip_connect", 0), ("skip_connect", 4)]
        parts.append(f"{name}={pairs}, {name}_concat=[2, 3, 4, 5]")
    text = f"Genotype({', '.join(parts)})"
    net = darts_net(text, space="amended-s2", channels=8, layers=20)
    assert len(net.cells) == 20
    assert [type(cell.ops[0]).__name__ for cell in net.cells].count("SepConv") == 1
    assert type(net.cells[7].ops[0]).__name__ == "SepConv"
    assert isinstance(net.cells[6].ops[0], FactorizedReduce)  # cell 6 reduces: skip on input 0 at stride 2
    with pytest.raises(ConfigError, match="must have 20 layers"):
        darts_net(text, space="amended-s2", channels=8, layers=8)


def test_fixed_edge_cells_build():
    text = ("Genotype(normal=[('sep_conv_3x3', 0), ('dil_conv_3x3', 1), ('skip_connect', 0), ('max_pool_3x3', 2), "
            "('avg_pool_3x3', 0), ('sep_conv_5x5', 3), ('dil_conv_5x5', 0), ('skip_connect', 4)], "
            "normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('skip_connect', 1), ('skip_connect', 0), "
            "('sep_conv_3x3', 2), ('skip_connect', 0), ('sep_conv_3x3', 3), ('max_pool_3x3', 0), "
            "('dil_conv_3x3', 4)], reduce_concat=[2, 3, 4, 5])")
    net = darts_net(text, space="amended-s1", channels=8, layers=5)
    net.train()
    assert net(torch.randn(2, 3, 32, 32)).logits.shape == (2, 10)


def test_odd_channels_are_one_clear_error():
    with pytest.raises(ConfigError, match="must be even"):
        darts_net(channels=9, layers=5)


# --- NAS-Bench-201 -------------------------------------------------------------------------------------
def nb201_params(ops, channels, cells, classes):
    """TinyNetwork's parameters per D-X-Y/AutoDL-Projects: stem conv + BN; per cell its ReLU-conv-BN edges;
    ResNet blocks (two 3x3 ReLU-conv-BN and a 1x1 shortcut); last BN; classifier."""
    total = 3 * channels * 9 + bn(channels)
    c = channels
    for stage in range(3):
        if stage:
            total += (c * 2 * c * 9 + bn(2 * c)) + (2 * c * 2 * c * 9 + bn(2 * c)) + c * 2 * c
            c *= 2
        kernels = [{"nor_conv_1x1": 1, "nor_conv_3x3": 3}.get(op) for op in ops]
        per_cell = sum(c * c * k * k + bn(c) for k in kernels if k)
        total += cells * per_cell
    return total + bn(c) + c * classes + classes


def test_nb201_network_counts_and_shapes():
    space = NB201Space()
    arch = space.parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|")
    net = space.evaluation_network(arch, {"channels": 8, "cells_per_stage": 2}, 10, torch.Generator().manual_seed(0))
    assert params_mb(net) * 1e6 == nb201_params(arch.op_names, 8, 2, 10)
    net.train()
    out = net(torch.randn(4, 3, 32, 32))
    assert out.logits.shape == (4, 10) and out.auxiliary is None
    all_none = space.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    net = space.evaluation_network(all_none, {"channels": 8, "cells_per_stage": 1}, 10,
                                   torch.Generator().manual_seed(0))
    assert net(torch.randn(2, 3, 32, 32)).logits.shape == (2, 10)


def test_nb201_network_has_the_benchmarks_parameter_counts():
    """The benchmark's params_mb column (NAS-Bench-201 C=16, N=5) for random architectures, CIFAR-10 and -100."""
    path = require_shared("nb201/nb201-results.csv.gz")
    with gzip.open(path, "rt", newline="") as handle:
        rows = list(csv.DictReader(handle))
    space = NB201Space()
    for row in random.Random(0).sample(rows, 12):
        arch = space.parse(row["arch"])
        for dataset, classes in (("cifar10", 10), ("cifar100", 100)):
            net = space.evaluation_network(arch, space.evaluation_defaults(), classes, torch.Generator().manual_seed(0))
            assert round(params_mb(net), 6) == float(row[f"{dataset}.params_mb"]), (row["arch"], dataset)


def test_same_generator_same_weights():
    a, b = darts_net(channels=8, layers=5, seed=3), darts_net(channels=8, layers=5, seed=3)
    c = darts_net(channels=8, layers=5, seed=4)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values())
               if isinstance(x, torch.Tensor))
    assert not torch.equal(a.classifier.weight, c.classifier.weight)
