"""GDAS's hard Gumbel sample (forward, backward, distribution, sparsity, RNG state) and PC-DARTS's
edge normalisation (per-node softmax, its gradient, why it is not folded into the op weights)."""

from __future__ import annotations

import copy

import pytest
import torch

from harness.config import resolve_config
from methods.components.gumbel import gumbel_noise, straight_through_one_hot
from methods.components.losses import supernet_loss
from methods.progress import Progress
from spaces.base import ArchWeights
from spaces.nb201.encoding import EDGES, OPS
from spaces.nb201.search_cell import NB201SearchCell
from tests.method_helpers import (
    assert_search_resumes_bit_identically,
    tiny_batch,
    tiny_method,
)

START = Progress(epoch=0, epochs=4)
CONV1, CONV3 = OPS.index("nor_conv_1x1"), OPS.index("nor_conv_3x3")


def unit_temperature(name: str, **kwargs):
    return tiny_method(name, assignments=["gumbel.tau_start=1", "gumbel.tau_end=1"], **kwargs)


def set_arch(method, values: torch.Tensor) -> None:
    with torch.no_grad():
        method.arch_parameters[0].copy_(values)


def random_logits(seed: int) -> torch.Tensor:
    return torch.randn(6, 5, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


# --- GDAS: the hard Gumbel sample -------------------------------------------------------------

@pytest.mark.parametrize("epoch", [0, 2, 3])  # tau = 10, 3.4, 0.1
def test_sample_is_exactly_one_hot_and_shared_by_every_cell(epoch):
    method = tiny_method("gdas")
    set_arch(method, 3 * random_logits(1))
    for _ in range(20):
        sample = method.arch_weights(Progress(epoch=epoch, epochs=4))
        weights, active = sample.ops, sample.active
        assert weights.requires_grad
        values = weights.detach()
        assert torch.equal(values, active.to(values.dtype))  # exactly 1 where computed, exactly 0 elsewhere
        assert torch.equal(active.sum(-1), torch.ones(active.shape[:2], dtype=torch.long))
        assert all(torch.equal(active[0], cell) for cell in active)  # GDAS code: one sample per forward


@pytest.mark.parametrize("on_simplex", [False, True])
def test_straight_through_backward_is_the_softmax_gradient(on_simplex):
    tau = 0.7
    g = torch.Generator().manual_seed(2)
    if on_simplex:  # GAEA-GDAS: log theta as the logits
        param = torch.softmax(random_logits(3), -1).requires_grad_()
        log_probs = lambda: param.log()
    else:  # GDAS: log softmax(alpha)
        param = random_logits(3).requires_grad_()
        log_probs = lambda: torch.log_softmax(param, -1)
    gumbels = gumbel_noise((6, 5), g, torch.float64)
    upstream = torch.randn(6, 5, generator=g, dtype=torch.float64)
    hard, _ = straight_through_one_hot(log_probs(), gumbels, tau)
    ours = torch.autograd.grad((upstream * hard).sum(), param)[0]
    soft = torch.softmax((log_probs() + gumbels) / tau, dim=-1)
    relaxed = torch.autograd.grad((upstream * soft).sum(), param)[0]
    torch.testing.assert_close(ours, relaxed, rtol=1e-12, atol=1e-15)
    assert ours.abs().max() > 1e-3


@pytest.mark.parametrize("name", ["gdas", "gaea-gdas"])
def test_sample_frequencies_match_the_probabilities(name):
    """Monte Carlo at tau = 1: Gumbel-max draws op o with probability p_o (softmax(alpha); theta)."""
    method = unit_temperature(name)
    if name == "gdas":
        set_arch(method, random_logits(4))
    else:  # a random point of the simplex with `none` still excluded
        theta = torch.softmax(random_logits(4), -1)
        theta[:, OPS.index("none")] = 0.0
        set_arch(method, theta / theta.sum(-1, keepdim=True))
    probs = method.parameterization.activate().detach()[0]
    draws = 3000
    counts = torch.zeros(6, 5, dtype=torch.float64)
    with torch.no_grad():
        for _ in range(draws):
            counts += method.parameterization.supernet_weights(START, differentiable=False).active[0]
    frequency = counts / draws
    sigma = (probs * (1 - probs) / draws).sqrt()
    assert ((frequency - probs).abs() <= 4.5 * sigma + 1e-12).all()
    assert torch.equal(frequency[probs == 0], probs[probs == 0])  # an excluded op is never drawn


def test_gdas_computes_only_the_sampled_op_on_each_edge():
    method = tiny_method("gdas")
    weights = method.parameterization.supernet_weights(START, differentiable=False)
    active = weights.active
    loss, _ = supernet_loss(method.net, tiny_batch(1), weights)
    loss.backward()
    cells = [layer for layer in method.net.layers if isinstance(layer, NB201SearchCell)]
    for cell, chosen in zip(cells, active):
        for edge in range(len(EDGES)):
            assert (cell.conv1x1[edge].grad is not None) == bool(chosen[edge, CONV1])
            assert (cell.conv3x3[edge].grad is not None) == bool(chosen[edge, CONV3])


@pytest.mark.parametrize("name", ["gdas", "gaea-gdas"])
def test_state_dict_round_trip_gives_identical_next_samples(name):
    method = tiny_method(name)
    for _ in range(3):
        method.arch_weights(START)
    saved = copy.deepcopy(method.parameterization.state_dict())
    expected = [method.arch_weights(START).active for _ in range(4)]
    other = tiny_method(name, seed=9)
    other.parameterization.load_state_dict(saved)
    assert all(torch.equal(a, other.arch_weights(START).active) for a in expected)


def test_tau_falls_linearly_per_epoch_from_10_to_0_1():
    method = tiny_method("gdas")
    taus = []
    for epoch in range(5):
        method.arch_weights(Progress(epoch=epoch, epochs=5, step=3, steps=4))
        taus.append(method.diagnostics()["tau"])
    assert taus == pytest.approx([10.0, 7.525, 5.05, 2.575, 0.1])


def test_gdas_derives_the_argmax_of_alpha():
    method = tiny_method("gdas")
    alpha = random_logits(5)
    set_arch(method, alpha)
    assert method.derive().ops == tuple(int(i) for i in alpha.argmax(-1))


def forward_gdas_reference(method, x: torch.Tensor, hardwts: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """The GDAS code's search forward (AutoDL-Projects search_model_gdas.py, the search cell's forward_gdas)
    written out per edge on our network's parameters: on each edge the chosen op times its weight, plus
    the weight itself (forward value 0) of every unchosen op; one (hardwts, index) for every cell."""
    from spaces.nb201.network import NB201Supernet
    from spaces.ops import search_batch_norm
    import torch.nn.functional as F

    net = method.net
    assert isinstance(net, NB201Supernet) and net.layers[0].partial_channels == 1 and not net.layers[0].node_bn

    def op_output(cell, op: str, edge: int, h):
        if op == "none":
            return h * 0
        if op == "skip_connect":
            return h
        if op == "avg_pool_3x3":
            return F.avg_pool2d(h, 3, 1, 1, count_include_pad=False)
        kernel = cell.conv1x1[edge] if op == "nor_conv_1x1" else cell.conv3x3[edge]
        return search_batch_norm(F.conv2d(F.relu(h), kernel, padding=kernel.shape[-1] // 2))

    def cell_forward(cell, h0):
        nodes = [h0]
        for j in range(1, 4):
            total = 0
            for e, (i, target) in enumerate(EDGES):
                if target != j:
                    continue
                chosen = int(index[e])
                total = total + sum(hardwts[e, o] * op_output(cell, OPS[o], e, nodes[i]) if o == chosen
                                    else hardwts[e, o] for o in range(len(OPS)))
            nodes.append(total)
        return nodes[-1]

    h = net.stem(x)
    for layer in net.layers:
        h = cell_forward(layer, h) if isinstance(layer, NB201SearchCell) else layer(h)
    h = F.relu(net.head_bn(h))
    return net.classifier(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))


@pytest.mark.parametrize("name", ["gdas", "gaea-gdas"])
def test_architecture_gradient_is_the_gdas_codes(name):
    """Every op's weight gets the gradient the GDAS code gives it: the unchosen ones too (their forward
    value 0 is added to the edge output), not only the chosen op's."""
    method = tiny_method(name, channels=4)
    batch = tiny_batch(6, n=6)
    generator_state = method.parameterization.generator.get_state()
    ours = method.hypergradient(method, tiny_batch(5), batch, START)[0][0]
    method.parameterization.generator.set_state(generator_state)  # the same Gumbel draw again
    param = method.arch_parameters[0]
    with torch.enable_grad():
        log_probs = method.parameterization.log_probs()
        gumbels = gumbel_noise(log_probs.shape, method.parameterization.generator, log_probs.dtype)
        hardwts, index = straight_through_one_hot(log_probs, gumbels, method.parameterization.tau)
        logits = forward_gdas_reference(method, batch[0], hardwts[0], index[0])
        (theirs,) = torch.autograd.grad(torch.nn.functional.cross_entropy(logits, batch[1]), param)
    torch.testing.assert_close(ours, theirs, rtol=1e-9, atol=1e-12)
    chosen = torch.zeros_like(param, dtype=torch.bool).scatter_(-1, index.unsqueeze(-1), True)
    # without the unchosen terms their gradient would come only through the chosen op's softmax;
    # with them every logit gets its own share: check it is there
    allowed = method.parameterization.allowed_ops()  # gaea-gdas never draws `none`: no gradient there
    assert (ours[~chosen & allowed] != 0).all()


def test_gdas_defaults_are_the_nb201_gdas_setup():
    config = resolve_config("gdas", "nb201")
    assert (config["epochs"], config["gumbel"]["tau_start"], config["gumbel"]["tau_end"]) == (250, 10.0, 0.1)
    assert (config["arch"]["optimizer"], config["arch"]["lr"], config["arch"]["weight_decay"]) == ("adam", 3e-4, 1e-3)


# --- PC-DARTS: edge normalisation -------------------------------------------------------------

def per_node_softmax(betas: torch.Tensor) -> torch.Tensor:
    """Independent of the implementation: softmax over each target node's incoming edges, by EDGES."""
    scale = torch.empty_like(betas)
    for node in {target for _, target in EDGES}:
        incoming = [e for e, (_, target) in enumerate(EDGES) if target == node]
        scale[incoming] = torch.softmax(betas[incoming], dim=0)
    return scale


def pc_method(**kwargs):
    return tiny_method("pcdarts", channels=4, **kwargs)  # widths 4, 8, 16: divisible by K = 4


def test_edge_scale_is_a_softmax_over_each_nodes_incoming_edges():
    method = pc_method()
    betas = torch.randn(6, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    with torch.no_grad():
        method.arch_parameters[1].copy_(betas)
    scale = method.arch_weights(START).inputs
    cells = method.decisions.num_cells
    assert scale.shape == (cells, 6)
    torch.testing.assert_close(scale, per_node_softmax(betas).expand(cells, 6), rtol=1e-14, atol=0)
    assert scale[0, 0] == 1.0  # node 1 has one incoming edge


def test_pcdarts_hypergradient_reaches_alpha_and_betas():
    method = pc_method()
    with torch.no_grad():
        method.arch_parameters[1].copy_(torch.randn(6, generator=torch.Generator().manual_seed(7)))
    train, val = tiny_batch(1), tiny_batch(2)
    ours, _ = method.hypergradient(method, train, val, START)
    alpha, betas = method.arch_parameters
    cells = method.decisions.num_cells
    weights = torch.softmax(alpha[0], -1).expand(cells, 6, 5)
    scale = per_node_softmax(betas[0]).expand(cells, 6)
    exact = torch.autograd.grad(supernet_loss(method.net, val, ArchWeights(weights, scale))[0], [alpha, betas])
    for a, b in zip(ours, exact):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-13)
    assert ours[1][0, 1:].abs().min() > 0  # every edge into nodes 2 and 3 gets an edge gradient


@pytest.mark.parametrize("partial_channels, folding_is_exact", [(4, False), (1, True)])
def test_edge_scale_is_not_the_same_as_folding_beta_into_the_op_weights(partial_channels, folding_is_exact):
    """With K > 1 the bypassed channels must be scaled too, so beta cannot ride on the op weights."""
    method = pc_method(assignments=[f"supernet.partial_channels={partial_channels}"])
    with torch.no_grad():
        method.arch_parameters[1].copy_(torch.randn(6, generator=torch.Generator().manual_seed(8)))
    sample = method.arch_weights(START)
    batch = tiny_batch(3)
    with torch.no_grad():
        separate, _ = supernet_loss(method.net, batch, sample)
        folded, _ = supernet_loss(method.net, batch, ArchWeights(sample.ops * sample.inputs.unsqueeze(-1),
                                                                 active=sample.active))
    assert torch.isclose(separate, folded, rtol=1e-12, atol=0) == folding_is_exact


def test_pcdarts_takes_no_architecture_step_during_its_warm_up_epochs():
    method = pc_method()
    warmup = method.warmup_epochs  # the quick preset's rescaled warm-up
    assert warmup > 0
    before = [p.detach().clone() for p in method.arch_parameters]
    assert method.step(tiny_batch(0), tiny_batch(1), Progress(epoch=warmup - 1, epochs=50))["arch_step"] is None
    assert all(torch.equal(a, b) for a, b in zip(before, method.arch_parameters))
    method.step(tiny_batch(0), tiny_batch(1), Progress(epoch=warmup, epochs=50))
    assert all(not torch.equal(a, b) for a, b in zip(before, method.arch_parameters))


def test_pcdarts_defaults():
    config = resolve_config("pcdarts", "nb201")
    assert (config["supernet"]["partial_channels"], config["arch"]["warmup_epochs"]) == (4, 15)
    assert (config["arch"]["lr"], config["arch"]["weight_decay"]) == (6e-4, 1e-3)


# --- both: search loops that resume bit-identically -------------------------------------------

@pytest.mark.parametrize("name", ["gdas", "pcdarts"])
def test_search_loop_resumes_bit_identically(name):
    late = Progress(epoch=20, epochs=30, step=1, steps=4)  # past PC-DARTS's warm-up
    method = tiny_method(name, channels=4)
    for step in range(2):
        stats = method.step(tiny_batch(step), tiny_batch(10 + step), late)
        assert torch.isfinite(stats["train_loss"]) and torch.isfinite(stats["val_loss"])
    assert_search_resumes_bit_identically(method, name, late, batch_seed=4)
    assert method.diagnostics().keys() >= ({"tau"} if name == "gdas" else {"edge_weights"})
