"""Every method on every searchable space, through the runner: the space contract (spaces/base.py) is
what the methods rely on, so each pair must search, derive an architecture the space parses back, record
the collapse diagnostics, and resume a killed run bit for bit.

Scale: each method's quick preset for the space's family, on 16 + 16 synthetic images, one epoch (two
for the resume check). Resume is checked for one method per space, the methods taken in turn, so every
method and every space is resumed at least once.
"""

from __future__ import annotations

import itertools

import pytest
import torch

import harness.runner as runner
from harness.config import resolve_config
from methods.registry import list_methods
from spaces.registry import get_space, list_spaces
from tests.run_helpers import die_after_checkpoint, synthetic_image_set, without_timings

CPU = torch.device("cpu")
SPACES = [name for name in list_spaces() if get_space(name).searchable]
METHODS = [spec.name for spec in list_methods()]
SMALL = ["data.subset=16", "data.batch_size=16", "eval.batch_size=32", "diagnostics.batch_size=8"]
# Amended-DARTS' S_2 searches its 20-cell network itself; 5 cells keep the check quick
SMALLER_NETWORK = {"amended-s2": ["supernet.layers=5"]}
DIAGNOSTICS = ("skip_count", "parametric_count", "entropy", "arch_weights", "arch_l1_change", "val_acc", "train_loss")


def config_for(method: str, space: str, epochs: int):
    return resolve_config(method, space, "quick", epochs=epochs, assignments=[*SMALL, *SMALLER_NETWORK.get(space, [])])


def run(out, config, images):
    return runner.run_seed(config, 0, out, CPU, images, None, show_progress=False, log=lambda message: None)


@pytest.fixture(scope="module")
def images():
    return synthetic_image_set(n_train=192, n_test=32)  # DARTS-PRIME keeps 1/11 for validation: 17 images


@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize("method", METHODS)
def test_every_method_searches_every_space(tmp_path, images, method, space):
    result = run(tmp_path, config_for(method, space, epochs=1), images)
    assert result.failure is None, result.failure
    (row,) = result.rows
    subject = get_space(space)
    arch = subject.parse(row["arch"])
    assert str(arch) == row["arch"]  # the recorded text is the canonical one
    missing = [key for key in DIAGNOSTICS if key not in row]
    assert not missing, f"{method} on {space} records no {missing}"
    counts = arch.op_counts()
    assert row["skip_count"] == sum(c["skip"] for c in counts.values())


RESUMED = list(zip(SPACES, itertools.islice(itertools.cycle(METHODS), max(len(SPACES), len(METHODS)))))
RESUMED += [(space, method) for space, method in zip(itertools.cycle(SPACES), METHODS[len(SPACES):])]


@pytest.mark.parametrize("space, method", RESUMED)
def test_a_killed_run_resumes_bit_identically(tmp_path, monkeypatch, images, space, method):
    config = config_for(method, space, epochs=2)
    reference = run(tmp_path / "reference", config, images).rows
    die_after_checkpoint(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "killed", config, images)
    monkeypatch.undo()
    resumed = run(tmp_path / "killed", config, images)
    assert resumed.resumed_at == 1
    assert without_timings(resumed.rows) == without_timings(reference)
