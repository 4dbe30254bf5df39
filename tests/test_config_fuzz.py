"""Every --set key with a value of the wrong type or out of range ends in one UserError, never another
exception (the CLI prints a UserError in one line and exits with 2).

A property test (hypothesis) over every key of the resolved config and every method: resolve the
config, build the supernet and the method, take one search step, derive, read the diagnostics.
The keys the runner reads beyond the method (data, evaluation, diagnostics) also go through a
one-epoch search with a fixed list of bad values."""

from __future__ import annotations

import json
import os

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.config import flatten, resolve_config
from harness.runner import run_seed
from methods.progress import Progress
from methods.registry import create_method, list_methods
from spaces.errors import UserError
from spaces.registry import get_space
from tests.method_helpers import tiny_batch
from tests.run_helpers import synthetic_image_set

TINY = ["supernet.channels=4", "supernet.cells_per_stage=1", "data.subset=16", "data.batch_size=8",
        "eval.batch_size=16", "diagnostics.batch_size=8"]
METHODS = [spec.name for spec in list_methods()]
KEYS = sorted(set(flatten(resolve_config("darts", "nb201", "quick"))) - {"method", "space", "preset"})
RUNNER_KEYS = [key for key in KEYS if key.split(".")[0] in ("data", "eval", "diagnostics", "dataset", "epochs")]
BAD_VALUES = [-1, 0, 0.5, 1e9, True, "abc", None, [1, 2], {"a": 1}]

JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([-1.5, -0.0, 0.5, 1.0, 2.5, 1e9, 1e-12]),
    st.sampled_from(["abc", "", "none", "l1", "fimt", "darts", "cifar100", "[1", "1e400", "NaN"]))
VALUES = st.one_of(JSON_SCALARS, st.lists(JSON_SCALARS, max_size=3), st.dictionaries(st.just("a"), st.integers()))
EXAMPLES = int(os.environ.get("HARNESS_FUZZ_EXAMPLES", "400"))


def assignment(key, value) -> str:
    return f"{key}={value}" if isinstance(value, str) else f"{key}={json.dumps(value)}"


def build_and_step(config) -> None:
    space = get_space(config["space"])
    net = space.supernet(config["supernet"], 10, torch.Generator().manual_seed(0))
    method = create_method(config["method"], space, net, config, torch.Generator().manual_seed(1))
    late = Progress(epoch=config["epochs"] - 1, epochs=config["epochs"])  # past any warm-up
    method.step(tiny_batch(0, n=4, dtype=torch.float32), tiny_batch(1, n=4, dtype=torch.float32), late)
    method.derive()
    method.diagnostics()
    method.end_epoch()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(METHODS), key=st.sampled_from(KEYS), value=VALUES)
def test_any_set_value_either_builds_and_steps_or_is_one_user_error(method, key, value):
    try:
        config = resolve_config(method, "nb201", "quick", epochs=2, assignments=[*TINY, assignment(key, value)])
        build_and_step(config)
    except UserError:
        pass


@pytest.mark.parametrize("key", RUNNER_KEYS)
def test_runner_settings_either_search_or_are_one_user_error(tmp_path, key):
    images = synthetic_image_set(n_train=64, n_test=32)
    for number, value in enumerate(BAD_VALUES):
        try:
            config = resolve_config("darts", "nb201", "quick", epochs=1, assignments=[*TINY, assignment(key, value)])
            run_seed(config, 0, tmp_path / str(number), torch.device("cpu"), images, None, show_progress=False,
                     log=lambda m: None)
        except UserError:
            pass


@pytest.mark.parametrize("text, message", [
    ("arch.lr=abc", "expected a number"),
    ("epochs=2.5", "expected an integer"),
    ("data.augment=1", "true or false"),
    ("arch=3", "is a section"),
    ("arch.betas=0.5", "expected a JSON list"),
    ("arch.lr=NaN", "finite"),
    ("method=gaea", "--method"),
    ("weights_optimizer.lr=-1", "weights_optimizer.lr must be a number > 0"),
    ("arch.betas=[0.5]", "two numbers"),
])
def test_wrong_values_name_the_key_and_what_was_expected(text, message):
    with pytest.raises(UserError, match=message) as caught:
        resolve_config("darts", "nb201", "quick", assignments=[text])
    assert text.split("=")[0] in str(caught.value)
