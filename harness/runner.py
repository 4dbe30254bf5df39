"""One search run: one method, one space, one dataset, one seed (DESIGN.md, "A run").

Per epoch it appends a row to epochs.jsonl (derived architecture, oracle
columns, supernet losses, diagnostics) and writes a checkpoint atomically; a
run started again with the same config and seed resumes from the checkpoint.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch
from tqdm import tqdm

from harness.atomic import write_json, write_jsonl
from harness.config import config_hash
from harness.data.loaders import eval_batches, paired_loaders
from harness.evaluate import supernet_accuracy
from harness.oracle_access import oracle_statement
from harness.provenance import provenance
from harness.checkpoints import newest_usable_checkpoint, save_checkpoint
from harness.records import RunDir, read_epochs, read_epochs_tolerating_torn_tail, read_json
from harness.run_lock import run_lock
from harness.seeding import run_streams
from harness.selection import best_validation_summary
from methods.components.compilation import compile_supernet, compiled_graphs
from methods.components.layer_alignment import alignment_on_batch
from methods.components.precision import require_device_runs
from methods.diagnostics import dominant_hessian_eigenvalue, l1_change
from methods.progress import Progress
from methods.registry import create_method
from spaces.errors import BenchmarkFileError
from spaces.base import architecture_columns, weights_from_record
from spaces.registry import get_space

ESTIMATE_AFTER_STEPS = 3


@dataclass
class RunResult:
    run_dir: RunDir
    rows: list[dict[str, Any]]
    resumed_at: int | None  # epochs already done when this invocation started; None for a fresh run
    already_complete: bool
    failure: dict[str, Any] | None = None  # {"epoch", "reason"} when a non-finite loss stopped the run


def run_seed(
    config: dict[str, Any],
    seed: int,
    out_root: Path,
    device: torch.device,
    image_set,
    oracle,
    show_progress: bool = True,
    estimate_duration: bool = False,
    log: Callable[[str], None] = print,
    on_epoch: Callable[[int], None] | None = None,
) -> RunResult:
    """`on_epoch(epochs_done)` is called after each epoch's checkpoint (the sweep's progress bar).

    Raises RunBusy when another process is searching the same run."""
    require_device_runs(config["precision"], device)  # before any run directory is made
    digest = config_hash(config)
    run = RunDir.for_config(out_root, config, digest, seed)
    with run_lock(run.path):  # held from the status check to the last record
        return _run_locked(run, digest, config, seed, device, image_set, oracle, show_progress, estimate_duration,
                           log, on_epoch)


def _run_locked(run, digest, config, seed, device, image_set, oracle, show_progress, estimate_duration, log,
                on_epoch) -> RunResult:
    if run.is_complete():
        return RunResult(run, read_epochs(run.epochs), None, already_complete=True)
    if run.is_failed():
        # Resuming would replay the same divergence (same state, same data order): not retried unless the
        # failed record is removed (`harness sweep --retry-failed`).
        return RunResult(run, read_epochs(run.epochs), None, already_complete=False, failure=run.failure())

    streams = run_streams(seed)
    net, method, loader = _build_search(config, streams, image_set, device)
    rows: list[dict[str, Any]] = []
    start_epoch, resumed_at = 0, None
    if run.has_checkpoint():
        rows, start_epoch = _restore(run, digest, seed, net, method, loader, log)
        resumed_at = start_epoch
        log(f"seed {seed}: resuming at epoch {start_epoch + 1}/{config['epochs']} from {run.path}")
    else:
        write_json(run.config, {"config": config, "seed": seed, "config_hash": digest, "seed_streams": streams,
                                "provenance": provenance(device), "oracle": oracle_statement(config["space"], oracle)})

    previous_weights = (recorded_weights(method.decisions, rows[-1]["arch_weights"]) if rows
                        else method.parameterization.activate().detach().cpu())
    steps = len(loader)
    bar = tqdm(total=config["epochs"] * steps, initial=start_epoch * steps, disable=not show_progress,
               desc=f"{config['method']} seed {seed}", unit="step", dynamic_ncols=True, leave=False)
    estimator = _DurationEstimate(config["epochs"] - start_epoch, steps, device, log) if estimate_duration else None
    searched_seconds = rows[-1]["time"]["search_seconds"] if rows else 0.0
    graphs_before = compiled_graphs()
    net.train()
    for epoch in range(start_epoch, config["epochs"]):
        started = time.perf_counter()
        lr = method.w_optimizer.param_groups[0]["lr"]
        totals, arch_steps = _search_epoch(method, loader, epoch, config["epochs"], bar, estimator)
        method.end_epoch()
        epoch_seconds = time.perf_counter() - started
        searched_seconds += epoch_seconds
        row = _epoch_row(epoch, method, net, loader, totals, steps, arch_steps, lr, oracle, config)
        row.update(_collapse_diagnostics(epoch, method, loader, previous_weights, config))
        if config["compile"]:  # graphs compiled by this invocation so far: flat after the first epoch
            row["compiled_graphs"] = compiled_graphs() - graphs_before
        previous_weights = recorded_weights(method.decisions, row["arch_weights"])
        row["time"] = {"epoch_seconds": epoch_seconds, "search_seconds": searched_seconds}
        failure = _divergence(row, epoch)
        if failure is not None:
            # The diverged epoch is not recorded: its row and weights are NaN. The checkpoint stays at
            # the last finite epoch.
            bar.close()
            write_json(run.summary, {"complete": False, "failed": failure})
            log(f"seed {seed}: stopped at epoch {epoch + 1}, {failure['reason']}; marked failed in {run.summary}")
            return RunResult(run, rows, resumed_at, already_complete=False, failure=failure)
        rows.append(row)
        write_jsonl(run.epochs, rows)
        _save(run, digest, seed, epoch + 1, net, method, loader)
        if on_epoch is not None:
            on_epoch(epoch + 1)
        bar.set_postfix(epoch=epoch + 1, arch_skips=row["skip_count"], refresh=False)
    bar.close()
    summary = {"complete": True, "epochs": config["epochs"], "search_seconds": searched_seconds,
               "final": {k: v for k, v in rows[-1].items() if k != "arch_weights"}}
    best = best_validation_summary(rows, config)
    if best is not None:
        summary["best_val"] = best
    write_json(run.summary, summary)
    return RunResult(run, rows, resumed_at, already_complete=False)


def _build_search(config, streams, image_set, device):
    """The supernet, the method (with its architecture parameters) and the data: what a checkpoint holds."""
    space = get_space(config["space"])
    net = space.supernet(config["supernet"], image_set.num_classes, _generator(streams["init"])).to(device)
    if config["compile"]:
        compile_supernet(net)
    method = create_method(config["method"], space, net, config, _generator(streams["method"]))
    data = config["data"]
    loader = paired_loaders(
        image_set, data["split"], data["batch_size"], device, streams["data"], subset=data["subset"],
        cutout=data["cutout"], augment=data["augment"], split_file=data["split_file"],
        train_portion=data["train_portion"],
    )
    return net, method, loader


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _search_epoch(method, loader, epoch, epochs, bar, estimator) -> tuple[dict[str, torch.Tensor], int]:
    """One pass over the paired train/validation batches; sums stay on the device (no sync per step)."""
    totals = {key: torch.zeros((), device=loader.device)
              for key in ("train_loss", "train_correct", "val_loss")}
    arch_steps = 0
    steps = len(loader)
    for step, (train_batch, val_batch) in enumerate(loader):
        stats = method.step(train_batch, val_batch, Progress(epoch, epochs, step, steps))
        totals["train_loss"] += stats["train_loss"]
        totals["train_correct"] += stats["train_correct"]
        if stats["arch_step"] is not None:
            totals["val_loss"] += stats["val_loss"]
            arch_steps += 1
        bar.update(1)
        if estimator is not None:
            estimator.after_step()
    return totals, arch_steps


class _DurationEstimate:
    """Logs once, after the first few steps, how long the remaining epochs will take (`harness run --estimate`)."""

    def __init__(self, epochs_left: int, steps_per_epoch: int, device, log):
        self.epochs_left, self.steps_per_epoch, self.device, self.log = epochs_left, steps_per_epoch, device, log
        self.started = time.perf_counter()
        self.steps = 0

    def after_step(self) -> None:
        self.steps += 1
        if self.steps != ESTIMATE_AFTER_STEPS:
            return
        per_step = (time.perf_counter() - self.started) / ESTIMATE_AFTER_STEPS
        remaining = per_step * self.steps_per_epoch * self.epochs_left
        self.log(f"estimate: {per_step:.2f} s per step x {self.steps_per_epoch} steps x {self.epochs_left} epochs "
                 f"= about {remaining / 3600:.1f} h per seed on {self.device}")


def _divergence(row: dict[str, Any], epoch: int) -> dict[str, Any] | None:
    diverged = [f"{name}={row[name]}" for name in ("train_loss", "val_loss", "search_val_loss")
                if name in row and not math.isfinite(row[name])]
    if not diverged:
        return None
    return {"epoch": epoch + 1, "reason": f"non-finite loss ({', '.join(diverged)})"}


def _epoch_row(epoch, method, net, loader, totals, steps, arch_steps, lr, oracle, config) -> dict[str, Any]:
    arch = method.derive()
    val_loss, val_acc = supernet_accuracy(net, method.eval_weights(), loader.monitor_images, loader.monitor_labels,
                                          config["eval"]["batch_size"], loader.augmentation.mean,
                                          loader.augmentation.std)
    diagnostics = method.diagnostics()
    row: dict[str, Any] = {
        "epoch": epoch + 1,
        **architecture_columns(arch, method.decisions),
        "train_loss": float(totals["train_loss"]) / steps,
        "train_acc": 100.0 * float(totals["train_correct"]) / len(loader.train_images),
        "arch_steps": arch_steps,
        "val_loss": val_loss,
        "val_acc": val_acc,
        "lr": lr,
        **diagnostics,
    }
    if arch_steps:
        row["search_val_loss"] = float(totals["val_loss"]) / arch_steps
    if oracle is not None:
        row.update(oracle.record_columns(arch))
    return row


def recorded_weights(decisions, record) -> torch.Tensor:
    """The activated architecture weights [types, choices, ops] of an epochs.jsonl row."""
    per_type = weights_from_record(decisions, record)
    if per_type is None:
        raise BenchmarkFileError("an epochs.jsonl row's arch_weights do not fit this run's space; the run record is "
                                 "damaged")
    return torch.tensor([per_type[cell_type.name] for cell_type in decisions.cell_types])


def _collapse_diagnostics(epoch, method, loader, previous_weights, config) -> dict[str, Any]:
    settings = config["diagnostics"]
    current = method.parameterization.activate().detach().cpu()
    result: dict[str, Any] = {"arch_l1_change": l1_change(previous_weights, current)}
    batch = next(eval_batches(loader.monitor_images[: settings["batch_size"]], loader.monitor_labels[: settings["batch_size"]],
                              settings["batch_size"], loader.augmentation.mean, loader.augmentation.std))
    progress = Progress(epoch, config["epochs"])
    if settings["alignment"]:
        result.update(alignment_on_batch(method, batch, progress))
    every = settings["hessian_every"]
    if every and (epoch + 1) % every == 0:
        result["hessian_eigenvalue"] = dominant_hessian_eigenvalue(
            method, batch, settings["hessian_iterations"], torch.Generator().manual_seed(epoch))
    return result


def _save(run: RunDir, digest, seed, epochs_done, net, method, loader) -> None:
    save_checkpoint(run, {"config_hash": digest, "seed": seed, "epoch": epochs_done, "net": net.state_dict(),
                          "method": method.state_dict(), "loader": loader.state_dict()})


def _restore(run: RunDir, digest, seed, net, method, loader, log) -> tuple[list[dict[str, Any]], int]:
    """(the records kept, the epoch to resume after) from the newest usable checkpoint; what was
    damaged and cut back is said in one warning."""
    recorded = read_json(run.config)
    if recorded.get("config_hash") != digest:
        raise BenchmarkFileError(f"{run.config} does not match this run's config; the run directory is damaged")
    rows, torn = read_epochs_tolerating_torn_tail(run.epochs)
    restored = newest_usable_checkpoint(run, digest, seed, len(rows))
    state = restored.state
    net.load_state_dict(state["net"])
    method.load_state_dict(state["method"])
    loader.load_state_dict(state["loader"])
    epoch = int(state["epoch"])
    problems = list(restored.rejected) + (["the last line of epochs.jsonl was cut short"] if torn else [])
    if problems:
        log(f"warning: seed {seed}: {'; '.join(problems)}; resuming from {restored.path.name} at epoch {epoch}, "
            f"epochs.jsonl cut back to {epoch} rows")
    if len(rows) != epoch or torn:
        write_jsonl(run.epochs, rows[:epoch])  # what the resumed run appends to must match its state
    return rows[:epoch], epoch
