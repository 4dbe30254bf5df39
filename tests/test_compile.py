"""`compile=true`: the compiled supernet compiles a bounded set of graphs and then none, whatever the
method samples per step; it computes what the eager one does; and runs record the count.

The tests compile with the "aot_eager" backend: the same graph capture, guards, graph breaks and
AOTAutograd backward as the default inductor backend, without generating C++ (minutes per graph on
this CPU). The inductor path is timed in tests/benchmarks (test_bench_supernet.py).
"""

from __future__ import annotations

import json

import pytest
import torch

from harness import runner
from harness.cli import main
from harness.config import resolve_config
from harness.evaluate import supernet_accuracy
from methods.components import compilation
from methods.components.losses import supernet_loss
from methods.diagnostics import dominant_hessian_eigenvalue
from methods.progress import Progress
from methods.registry import create_method
from spaces.channels_last import cat_channels
from spaces.registry import get_space
from tests.run_helpers import synthetic_image_set, tiny_run_config, without_timings

CPU = torch.device("cpu")
BATCH = 8
# the graphs of one step kind: weight step, architecture step (and second order's extra passes)
MAX_STEP_GRAPHS = 4


@pytest.fixture(autouse=True)
def graph_capture_only(monkeypatch):
    monkeypatch.setattr(compilation, "BACKEND", "aot_eager")
    torch._dynamo.reset()  # no graphs cached by an earlier test
    yield
    torch._dynamo.reset()


def build(method_name: str, space_name: str, compiled: bool, assignments=()):
    config = resolve_config(method_name, space_name, "quick", assignments=[f"compile={str(compiled).lower()}",
                                                                          *assignments])
    space = get_space(space_name)
    net = space.supernet(config["supernet"], 10, torch.Generator().manual_seed(0))
    if compiled:
        compilation.compile_supernet(net)
    return create_method(method_name, space, net, config, torch.Generator().manual_seed(1))


def batches(count: int, size: int = BATCH):
    generator = torch.Generator().manual_seed(2)
    return [(torch.randn(size, 3, 32, 32, generator=generator), torch.randint(0, 10, (size,), generator=generator))
            for _ in range(count)]


def evaluate(method, images, labels):
    return supernet_accuracy(method.net, method.eval_weights(), images, labels, 5, (0.0,) * 3, (1.0,) * 3)


@pytest.mark.parametrize("method_name, space_name", [
    ("darts", "nb201"), ("gdas", "nb201"), ("pr-darts", "nb201"), ("darts-2nd", "nb201"), ("amended", "nb201"),
    ("lambda", "nb201"), ("gdas", "darts-s3"), ("pcdarts", "darts"), ("gdas", "nb1shot1-s2"),
])
def test_graphs_stop_compiling_after_the_first_steps(method_name, space_name):
    """GDAS samples a new op per edge every step and PR-DARTS new gates: neither may compile again."""
    method = build(method_name, space_name, compiled=True)
    data = batches(4)
    steps = 0

    def step_a_few(n):
        nonlocal steps
        for _ in range(n):
            train, val = data[steps % 2], data[2 + steps % 2]
            method.step(train, val, Progress(1, 3, steps, 100))
            steps += 1

    compiled_graphs = compilation.compiled_graphs
    start = compiled_graphs()
    step_a_few(2)
    after_warm_up = compiled_graphs() - start
    evaluate(method, data[0][0], data[0][1])  # no grad, eval mode, batches of 5 and 3
    after_evaluation = compiled_graphs() - start
    step_a_few(6)
    evaluate(method, data[1][0], data[1][1])
    assert 1 <= after_warm_up <= MAX_STEP_GRAPHS
    assert compiled_graphs() - start == after_evaluation <= after_warm_up + 2
    assert not torch._dynamo.utils.counters["graph_break"], "the compiled supernet broke its graph"


def first_step_results(method_name: str, space_name: str, compiled: bool):
    """(train loss, val loss, architecture gradient, network weights) after one step from the same start."""
    method = build(method_name, space_name, compiled)
    train, val = batches(2)
    grads, val_loss = method.hypergradient(method, train, val, Progress(1, 3, 0, 1))
    stats = method.weight_step(train, Progress(1, 3, 0, 1))
    weights = torch.cat([p.detach().flatten() for p in method.net.parameters()])
    return float(stats["train_loss"]), float(val_loss), torch.cat([g.flatten() for g in grads]), weights


@pytest.mark.parametrize("method_name, space_name", [("darts", "nb201"), ("gdas", "nb201"), ("gdas", "darts-s3"),
                                                     ("pr-darts", "nb201")])
def test_the_compiled_supernet_computes_what_the_eager_one_does(method_name, space_name):
    """GDAS and PR-DARTS compiled compute every op with the unchosen ones gated to 0: the same losses
    and architecture gradient as computing the chosen ops only."""
    eager = first_step_results(method_name, space_name, compiled=False)
    compiled = first_step_results(method_name, space_name, compiled=True)
    assert compiled[0] == pytest.approx(eager[0], rel=1e-5)
    assert compiled[1] == pytest.approx(eager[1], rel=1e-5)
    torch.testing.assert_close(compiled[2], eager[2], rtol=1e-4, atol=1e-7)
    torch.testing.assert_close(compiled[3], eager[3], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("space_name", ["nb201", "darts-s3", "nb1shot1-s2"])
def test_compiled_evaluation_matches_eager(space_name):
    """No-grad passes too (the DARTS cell's channel concatenation was traced wrongly there)."""
    data = batches(1, size=16)
    eager = evaluate(build("darts", space_name, compiled=False), *data[0])
    compiled = evaluate(build("darts", space_name, compiled=True), *data[0])
    assert compiled == pytest.approx(eager, rel=1e-5)


def test_channel_concatenation_without_gradient_keeps_every_part():
    parts = [torch.randn(2, 4, 3, 3), torch.randn(2, 2, 3, 3)]
    concatenated = torch.compile(cat_channels, backend="aot_eager")(parts)
    assert torch.equal(concatenated, torch.cat(parts, dim=1))


def test_the_hessian_diagnostic_runs_eager_on_a_compiled_supernet():
    """Double backward is not supported through compiled graphs: the diagnostic must still work."""
    batch = batches(1)[0]
    values = [dominant_hessian_eigenvalue(build("darts", "nb201", compiled), batch, 3, torch.Generator().manual_seed(0))
              for compiled in (False, True)]
    assert values[1] == pytest.approx(values[0], rel=1e-5)


def test_compiled_weight_and_loss_gradients_match_eager_at_shifted_weights():
    """functional_call at shifted weights (second order, Amended) goes through the compiled forward too."""
    results = []
    for compiled in (False, True):
        method = build("darts", "nb201", compiled)
        shifted = {name: p.detach() + 0.01 for name, p in method.net.named_parameters()}
        loss, _ = supernet_loss(method.net, batches(1)[0], method.arch_weights(Progress(1, 3, 0, 1)), params=shifted)
        results.append(torch.autograd.grad(loss, method.arch_parameters)[0])
    torch.testing.assert_close(results[1], results[0], rtol=1e-4, atol=1e-7)


def test_compiled_runs_record_their_graph_count_and_are_deterministic(tmp_path):
    config = tiny_run_config("gdas", epochs=2, assignments=["compile=true"])
    images = synthetic_image_set()
    runs = []
    for name in ("first", "second"):
        torch._dynamo.reset()
        runs.append(runner.run_seed(config, 0, tmp_path / name, CPU, images, None, show_progress=False,
                                    log=lambda m: None))
    rows = runs[0].rows
    assert rows[0]["compiled_graphs"] >= 1
    assert rows[1]["compiled_graphs"] == rows[0]["compiled_graphs"], "the second epoch compiled again"
    assert without_timings(runs[0].rows) == without_timings(runs[1].rows)
    recorded = json.loads(runs[0].run_dir.config.read_text())
    assert recorded["config"]["compile"] is True
    eager = runner.run_seed(tiny_run_config("gdas", epochs=2), 0, tmp_path / "eager", CPU, images, None,
                            show_progress=False, log=lambda m: None)
    assert "compiled_graphs" not in eager.rows[0]


def test_compile_takes_a_boolean(tmp_path, capsys):
    code = main(["run", "--method", "darts", "--space", "nb201", "--preset", "quick", "--epochs", "1", "--device",
                 "cpu", "--set", "compile=yes", "--out", str(tmp_path / "runs"), "--no-progress"])
    assert code == 2
    assert '--set compile="yes": expected true or false' in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()
