"""Per-epoch bookkeeping against the search epoch it follows (issue 13: under 1% at `cpu-study`).

Bookkeeping is everything the runner does between two search epochs: derive the architecture, the
supernet's accuracy on the monitor images, the method's diagnostics, the oracle lookup, the collapse
diagnostics (weight change, layer alignment), the epochs.jsonl rewrite and the checkpoint. Both
benchmarks are in one group; divide the bookkeeping time by the search epoch's. With
`--benchmark-enable` they run at the `cpu-study` size (NB201, C=8, N=2, 4,096 + 4,096 images, batch 64);
in the normal test run each executes once at the `quick` size.

Measured 2026-12-02 (quiet 2-core AMD EPYC Zen 3, torch 2.13, 2 threads, median of 3): search epoch
34.3 s, bookkeeping 11.1 s (32%). Timed piece by piece in a separate run, the supernet's accuracy on
the 4,096 monitor (validation) images took 11.6 s: the per-epoch validation pass that the DARTS code also makes
(train_search.py infer). Everything else (derive, diagnostics, oracle lookup, collapse diagnostics
with layer alignment, jsonl, checkpoint) is 0.38 s: 1.1% of the epoch.
On a 2-core Intel Xeon VM (AVX-512, AMX; 2026-12-03, channels_last kernel): search epoch 39.8 s,
bookkeeping 4.59 s, of which the validation pass 4.06 s, layer alignment 0.28 s (0.7%), the rest 15 ms.
"""

from __future__ import annotations

import torch

import harness.runner as runner
from harness.atomic import write_jsonl
from harness.config import config_hash, resolve_config
from harness.records import RunDir, read_epochs
from harness.seeding import run_streams
from tests.device import DEVICE, synchronized
from tests.run_helpers import synthetic_image_set


def search_pieces(preset: str):
    config = resolve_config("darts", "nb201", preset)
    n_train = 2 * config["data"]["subset"]  # the subset is per split (train and validation halves)
    net, method, loader = runner._build_search(config, run_streams(0), synthetic_image_set(n_train, 64), DEVICE)
    return config, net, method, loader


def preset_for(benchmark) -> str:
    return "quick" if benchmark.disabled else "cpu-study"


def test_search_epoch(benchmark):
    config, net, method, loader = search_pieces(preset_for(benchmark))
    benchmark.group = f"one epoch, {preset_for(benchmark)} preset"
    bar = runner.tqdm(disable=True)
    totals, _ = benchmark.pedantic(lambda: synchronized(runner._search_epoch(method, loader, 0, config["epochs"],
                                                                             bar, None)),
                                   rounds=3, warmup_rounds=0, iterations=1)
    assert torch.isfinite(totals["train_loss"])


def test_bookkeeping_after_an_epoch(benchmark, tmp_path, nb201_oracle):
    config, net, method, loader = search_pieces(preset_for(benchmark))
    benchmark.group = f"one epoch, {preset_for(benchmark)} preset"
    bar = runner.tqdm(disable=True)
    totals, arch_steps = runner._search_epoch(method, loader, 0, config["epochs"], bar, None)
    digest = config_hash(config)
    run = RunDir.for_config(tmp_path, config, digest, 0)
    run.path.mkdir(parents=True)
    previous = method.parameterization.activate().detach().cpu()
    rows = []

    def bookkeeping():
        row = runner._epoch_row(0, method, net, loader, totals, len(loader), arch_steps, 0.025, nb201_oracle, config)
        row.update(runner._collapse_diagnostics(0, method, loader, previous, config))
        rows.append(row)
        write_jsonl(run.epochs, rows)
        runner._save(run, digest, 0, len(rows), net, method, loader)
        return row

    benchmark.pedantic(bookkeeping, rounds=3, warmup_rounds=0, iterations=1)
    assert run.has_checkpoint() and len(read_epochs(run.epochs)) == len(rows)
