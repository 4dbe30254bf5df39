"""The DARTS evaluation network: a discrete genotype trained from scratch (quark0/darts cnn/model.py NetworkCIFAR).

  stem     3x3 conv to 3C channels + BN
  cells    `layers` cells; cells layers // 3 and 2 * layers // 3 reduce (stride 2 on the edges from the
           cell's two inputs) and double the channels; a cell after a reduction takes its c_{k-2} input
           through a FactorizedReduce, else through ReLU-1x1 conv-BN, and c_{k-1} through ReLU-1x1 conv-BN
  node     the sum of its genotype's two (op, input) pairs; drop-path (training only, probability p) on each
           op that is not the identity
  output   the concat of the cell's concat nodes (every intermediate node here: 4C channels)
  aux      AuxiliaryHeadCIFAR on the output of cell 2 * layers // 3 (8x8 for 32x32 images), training only
  head     global average pool, linear

The drop-path probability ramps linearly over training: p = drop_path_prob * epoch / epochs for
0-based epochs (quark0/darts cnn/train.py, `model.drop_path_prob = args.drop_path_prob * epoch /
args.epochs`); `start_epoch` sets it.

Which gene builds which cell: a space with one type per network cell (Amended-DARTS' S_2) maps cell i to
gene i and needs as many cells as genes; a space with shared types (normal and reduce) gives every
reduction cell the gene of the type whose search cells reduce, and every other cell the other gene.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from spaces.darts.eval_ops import FactorizedReduce, Identity, ReLUConvBN, build_op
from spaces.darts.genotype import DartsGenotype
from spaces.errors import ConfigError
from spaces.evaluation_network import Output
from spaces.init import reset_parameters
from spaces.model_size import params_mb  # noqa: F401  (re-exported: the DARTS count, auxiliary head left out)
from spaces.random_source import RandomSource

STEM_MULTIPLIER = 3  # quark0/darts cnn/model.py NetworkCIFAR: stem_multiplier = 3


def reduction_cells(layers: int) -> tuple[int, ...]:
    """quark0/darts cnn/model.py NetworkCIFAR: cells layers // 3 and 2 * layers // 3 reduce."""
    return (layers // 3, 2 * layers // 3)


def cell_genes(genotype: DartsGenotype, layers: int) -> list[int]:
    """The gene (index into genotype.genes) of each of the `layers` network cells."""
    decisions = genotype.decisions
    reductions = reduction_cells(layers)
    if decisions.num_types == decisions.num_cells and decisions.num_types > 2:  # a type per cell
        if layers != decisions.num_cells:
            raise ConfigError(f"this genotype has a cell type per network cell ({decisions.num_cells} cells); its "
                              f"network must have {decisions.num_cells} layers, got {layers}")
        return list(range(layers))
    search_reductions = reduction_cells(decisions.num_cells)
    reducing = {t for cell, t in enumerate(decisions.cell_type_of) if cell in search_reductions}
    normal = {t for cell, t in enumerate(decisions.cell_type_of) if cell not in search_reductions}
    if len(reducing) != 1 or len(normal) != 1 or reducing == normal:
        raise ConfigError("a genotype of shared cell types needs exactly one normal and one reduction type")
    (reduce_type,), (normal_type,) = reducing, normal
    return [reduce_type if cell in reductions else normal_type for cell in range(layers)]


class EvalCell(nn.Module):
    def __init__(self, gene, concat, c_prev_prev: int, c_prev: int, c: int, reduction: bool, reduction_prev: bool,
                 source: RandomSource):
        super().__init__()
        self.preprocess0 = FactorizedReduce(c_prev_prev, c) if reduction_prev else ReLUConvBN(c_prev_prev, c)
        self.preprocess1 = ReLUConvBN(c_prev, c)
        self.ops = nn.ModuleList(build_op(op, c, 2 if reduction and source_node < 2 else 1, source)
                                 for op, source_node in gene)
        self.inputs = [source_node for _, source_node in gene]
        self.concat = list(concat)
        self.multiplier = len(self.concat)
        self._source = (source,)

    def forward(self, s0: torch.Tensor, s1: torch.Tensor, drop_prob: float) -> torch.Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for node in range(len(self.ops) // 2):
            total = None
            for pair in (2 * node, 2 * node + 1):
                op = self.ops[pair]
                h = op(states[self.inputs[pair]])
                if self.training and drop_prob > 0 and not isinstance(op, Identity):
                    h = _drop_path(h, drop_prob, self._source[0])
                total = h if total is None else total + h
            states.append(total)
        return torch.cat([states[i] for i in self.concat], dim=1)


def _drop_path(x: torch.Tensor, drop_prob: float, source: RandomSource) -> torch.Tensor:
    """Zero whole samples with probability drop_prob, scale the kept ones by 1 / (1 - drop_prob)
    (quark0/darts cnn/utils.py drop_path)."""
    keep = 1.0 - drop_prob
    return x / keep * source.keep_mask(x.shape[0], keep, x)


class AuxiliaryHeadCIFAR(nn.Module):
    """quark0/darts cnn/model.py AuxiliaryHeadCIFAR, for an 8x8 input: ReLU, 5x5 average pool stride 3
    (count_include_pad=False) to 2x2, 1x1 conv to 128 + BN + ReLU, 2x2 conv to 768 + BN + ReLU, linear."""

    def __init__(self, channels: int, num_classes: int):
        super().__init__()
        self.features = nn.Sequential(
            nn.ReLU(inplace=False), nn.AvgPool2d(5, stride=3, padding=0, count_include_pad=False),
            nn.Conv2d(channels, 128, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(inplace=False),
            nn.Conv2d(128, 768, 2, bias=False), nn.BatchNorm2d(768), nn.ReLU(inplace=False))
        self.classifier = nn.Linear(768, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.features(x), 1))


class DartsEvalNetwork(nn.Module):
    def __init__(self, genotype: DartsGenotype, channels: int, layers: int, num_classes: int, auxiliary: bool,
                 drop_path_prob: float, random_seed: int):
        super().__init__()
        self.layers = layers
        self.drop_path_prob = float(drop_path_prob)  # the end point of the ramp
        self.current_drop_prob = 0.0
        self.random = RandomSource(random_seed)
        genes = cell_genes(genotype, layers)
        reductions = reduction_cells(layers)
        c_curr = STEM_MULTIPLIER * channels
        self.stem = nn.Sequential(nn.Conv2d(3, c_curr, 3, padding=1, bias=False), nn.BatchNorm2d(c_curr))
        c_prev_prev, c_prev, c_curr = c_curr, c_curr, channels
        self.cells = nn.ModuleList()
        reduction_prev = False
        self.auxiliary_at = 2 * layers // 3
        auxiliary_channels = None
        for i in range(layers):
            reduction = i in reductions
            if reduction:
                c_curr *= 2
            cell = EvalCell(genotype.genes[genes[i]], genotype.concats[genes[i]], c_prev_prev, c_prev, c_curr,
                            reduction, reduction_prev, self.random)
            self.cells.append(cell)
            reduction_prev = reduction
            c_prev_prev, c_prev = c_prev, cell.multiplier * c_curr
            if i == self.auxiliary_at:
                auxiliary_channels = c_prev
        self.auxiliary_head = AuxiliaryHeadCIFAR(auxiliary_channels, num_classes) if auxiliary else None
        self.classifier = nn.Linear(c_prev, num_classes)

    def start_epoch(self, epoch: int, epochs: int) -> None:
        """Drop-path probability for 0-based `epoch` of `epochs`: the linear ramp of quark0/darts cnn/train.py."""
        self.current_drop_prob = self.drop_path_prob * epoch / epochs

    def forward(self, x: torch.Tensor) -> Output:
        auxiliary = None
        s0 = s1 = self.stem(x)
        for i, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1, self.current_drop_prob)
            if i == self.auxiliary_at and self.auxiliary_head is not None and self.training:
                auxiliary = self.auxiliary_head(s1)
        logits = self.classifier(torch.flatten(F.adaptive_avg_pool2d(s1, 1), 1))
        return Output(logits, auxiliary)


# quark0/darts cnn/train.py: --init_channels 36 --layers 20 --auxiliary --drop_path_prob 0.2 (DARTS Section 3.3)
NETWORK_DEFAULTS: dict[str, Any] = {"channels": 36, "layers": 20, "auxiliary": True, "drop_path_prob": 0.2}


def check_network_config(config: dict[str, Any]) -> None:
    for key in ("channels", "layers"):
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < (3 if key == "layers" else 2):
            raise ConfigError(f"network.{key} must be an integer >= {3 if key == 'layers' else 2}, got {value!r}")
    if config["channels"] % 2:
        raise ConfigError(f"network.channels must be even (factorized reductions halve it), got {config['channels']}")
    if not isinstance(config["auxiliary"], bool):
        raise ConfigError(f"network.auxiliary must be true or false, got {config['auxiliary']!r}")
    prob = config["drop_path_prob"]
    if isinstance(prob, bool) or not isinstance(prob, (int, float)) or not 0 <= prob < 1:
        raise ConfigError(f"network.drop_path_prob must be a number in [0, 1), got {prob!r}")


def build_eval_network(genotype: DartsGenotype, config: dict[str, Any], num_classes: int,
                       generator: torch.Generator) -> DartsEvalNetwork:
    """The network of `genotype` with weights drawn from `generator` (and its own random source seeded
    from it: drop-path masks, noise)."""
    check_network_config(config)
    random_seed = int(torch.randint(0, 2**62, (1,), generator=generator))
    net = DartsEvalNetwork(genotype, config["channels"], config["layers"], num_classes, config["auxiliary"],
                           config["drop_path_prob"], random_seed)
    reset_parameters(net, generator)
    return net
