"""One evaluation: a discrete architecture trained from scratch for one seed, tested every epoch.

Per epoch: the drop-path ramp (net.start_epoch), the cosine learning rate, one pass over the training
batches (SGD; loss = CE(logits) + auxiliary_weight * CE(auxiliary logits) while the auxiliary head is
on, quark0/darts cnn/train.py train(); gradient norm clipped when the protocol clips), then the test
set in eval mode. Each epoch appends its row to epochs.jsonl and writes a checkpoint (rotated,
harness/checkpoints.py); started again with the same config and seed, it resumes from the checkpoint
and continues exactly as an uninterrupted run (same device and torch thread count).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F
from tqdm import tqdm

from harness.atomic import write_json, write_jsonl
from harness.checkpoints import newest_usable_checkpoint, save_checkpoint
from harness.data.loaders import eval_batches
from harness.evaluation.architectures import evaluation_space, parse_canonical
from harness.evaluation.loader import evaluation_data
from harness.evaluation.records import KIND, arch_hash, evaluation_config_hash, evaluation_dir
from harness.provenance import provenance
from harness.records import RunDir, read_epochs, read_epochs_tolerating_torn_tail, read_json
from harness.run_lock import run_lock
from harness.seeding import run_streams
from spaces.errors import BenchmarkFileError, ConfigError
from spaces.model_size import multiply_adds, params_mb


@dataclass
class EvaluationResult:
    run_dir: RunDir
    rows: list[dict[str, Any]]
    summary: dict[str, Any] | None  # None while unfinished
    resumed_at: int | None
    already_complete: bool
    failure: dict[str, Any] | None = None


def evaluate_seed(config: dict[str, Any], seed: int, out_root: Path, device: torch.device, image_set,
                  show_progress: bool = True, log: Callable[[str], None] = print,
                  on_epoch: Callable[[int], None] | None = None) -> EvaluationResult:
    """Raises RunBusy when another process trains the same evaluation."""
    run = evaluation_dir(out_root, config, seed)
    with run_lock(run.path):
        return _evaluate_locked(run, config, seed, device, image_set, show_progress, log, on_epoch)


@dataclass
class _Training:
    """What a checkpoint holds, built from the config and the seed."""

    net: torch.nn.Module
    optimizer: torch.optim.Optimizer
    batches: Any
    test_images: torch.Tensor
    test_labels: torch.Tensor
    mean: tuple
    std: tuple


def _evaluate_locked(run, config, seed, device, image_set, show_progress, log, on_epoch) -> EvaluationResult:
    if run.is_complete():
        return EvaluationResult(run, read_epochs(run.epochs), read_json(run.summary), None, already_complete=True)
    if run.is_failed():
        return EvaluationResult(run, read_epochs(run.epochs), None, None, False, failure=run.failure())
    digest = evaluation_config_hash(config)
    streams = run_streams(seed)
    training = _build(config, streams, image_set, device)
    rows: list[dict[str, Any]] = []
    start, resumed_at = 0, None
    if run.has_checkpoint():
        rows, start = _restore(run, digest, seed, training, log)
        resumed_at = start
        log(f"seed {seed}: resuming at epoch {start + 1}/{config['epochs']} from {run.path}")
    else:
        write_json(run.config, {"kind": KIND, "config": config, "arch_hash": arch_hash(config["arch"]),
                                "config_hash": digest, "seed": seed, "seed_streams": streams,
                                "provenance": provenance(device)})
    epochs = config["epochs"]
    steps = len(training.batches)
    bar = tqdm(total=epochs * steps, initial=start * steps, disable=not show_progress, unit="step",
               desc=f"evaluate {config['space']} {arch_hash(config['arch'])} seed {seed}", dynamic_ncols=True,
               leave=False)
    trained_seconds = rows[-1]["time"]["train_seconds"] if rows else 0.0
    for epoch in range(start, epochs):
        started = time.perf_counter()
        row = _train_epoch(training, config, epoch, bar)
        row.update(_test(training, config))
        epoch_seconds = time.perf_counter() - started
        trained_seconds += epoch_seconds
        row["time"] = {"epoch_seconds": epoch_seconds, "train_seconds": trained_seconds}
        if not math.isfinite(row["train_loss"]):
            bar.close()
            failure = {"epoch": epoch + 1, "reason": f"non-finite loss (train_loss={row['train_loss']})"}
            write_json(run.summary, {"complete": False, "failed": failure})
            log(f"seed {seed}: stopped at epoch {epoch + 1}, {failure['reason']}; marked failed in {run.summary}")
            return EvaluationResult(run, rows, None, resumed_at, False, failure=failure)
        rows.append(row)
        write_jsonl(run.epochs, rows)
        _save(run, digest, seed, epoch + 1, training)
        if on_epoch is not None:
            on_epoch(epoch + 1)
        bar.set_postfix(epoch=epoch + 1, test_acc=f"{row['test_acc']:.2f}", refresh=False)
    bar.close()
    summary = _summary(config, rows, training.net, image_set)
    write_json(run.summary, summary)
    return EvaluationResult(run, rows, summary, resumed_at, already_complete=False)


def _build(config, streams, image_set, device) -> _Training:
    space = evaluation_space(config["space"])
    arch, text = parse_canonical(space, config["arch"])
    if text != config["arch"]:
        raise ConfigError("the config's architecture is not in canonical form; resolve it with "
                          "harness.evaluation.protocols.resolve_evaluation_config")
    net = space.evaluation_network(arch, config["network"], image_set.num_classes,
                                   torch.Generator().manual_seed(streams["init"])).to(device)
    opt = config["optimizer"]
    optimizer = torch.optim.SGD(net.parameters(), lr=opt["lr"], momentum=opt["momentum"], nesterov=opt["nesterov"],
                                weight_decay=opt["weight_decay"])
    batches, test_images, test_labels, mean, std = evaluation_data(image_set, config["data"], streams["data"], device)
    return _Training(net, optimizer, batches, test_images, test_labels, mean, std)


def cosine_lr(epoch: int, epochs: int, lr: float, lr_min: float) -> float:
    """The learning rate of 0-based `epoch` (harness/evaluation/protocols.py: per-epoch cosine)."""
    return lr_min + (lr - lr_min) * (1 + math.cos(math.pi * epoch / epochs)) / 2


def _train_epoch(training: _Training, config, epoch: int, bar) -> dict[str, Any]:
    net, optimizer = training.net, training.optimizer
    opt = config["optimizer"]
    lr = cosine_lr(epoch, config["epochs"], opt["lr"], opt["lr_min"])
    for group in optimizer.param_groups:
        group["lr"] = lr
    net.start_epoch(epoch, config["epochs"])
    net.train()
    auxiliary_weight = config["loss"]["auxiliary_weight"]
    device = training.test_images.device
    loss_sum, correct = torch.zeros((), device=device), torch.zeros((), device=device)
    seen = 0
    for images, labels in training.batches:
        optimizer.zero_grad(set_to_none=True)
        out = net(images)
        loss = F.cross_entropy(out.logits, labels)
        if out.auxiliary is not None and auxiliary_weight:
            loss = loss + auxiliary_weight * F.cross_entropy(out.auxiliary, labels)
        loss.backward()
        if opt["grad_clip"] is not None:
            torch.nn.utils.clip_grad_norm_(net.parameters(), opt["grad_clip"])
        optimizer.step()
        loss_sum += loss.detach() * len(labels)
        correct += (out.logits.detach().argmax(1) == labels).sum()
        seen += len(labels)
        bar.update(1)
    return {"epoch": epoch + 1, "lr": lr, "drop_path_prob": getattr(net, "current_drop_prob", 0.0),
            "train_loss": float(loss_sum) / seen, "train_acc": 100.0 * float(correct) / seen}


@torch.no_grad()
def _test(training: _Training, config) -> dict[str, float]:
    net = training.net
    net.eval()
    device = training.test_images.device
    loss_sum, correct = torch.zeros((), device=device), torch.zeros((), device=device)
    for images, labels in eval_batches(training.test_images, training.test_labels, config["eval"]["batch_size"],
                                       training.mean, training.std):
        logits = net(images).logits
        loss_sum += F.cross_entropy(logits, labels, reduction="sum")
        correct += (logits.argmax(1) == labels).sum()
    count = len(training.test_labels)
    return {"test_loss": float(loss_sum) / count, "test_acc": 100.0 * float(correct) / count}


def _summary(config, rows, net, image_set) -> dict[str, Any]:
    final = rows[-1]
    return {"complete": True, "epochs": config["epochs"], "arch": config["arch"],
            "arch_hash": arch_hash(config["arch"]), "protocol": config["protocol"], "preset": config["preset"],
            "test_acc": final["test_acc"], "test_loss": final["test_loss"], "params_mb": params_mb(net),
            "multiply_adds_m": multiply_adds(net, tuple(image_set.train_images.shape[1:])) / 1e6,
            "train_seconds": final["time"]["train_seconds"], "final": final}


def _save(run: RunDir, digest: str, seed: int, epochs_done: int, training: _Training) -> None:
    save_checkpoint(run, {"config_hash": digest, "seed": seed, "epoch": epochs_done, "net": training.net.state_dict(),
                          "optimizer": training.optimizer.state_dict(), "batches": training.batches.state_dict()})


def _restore(run: RunDir, digest: str, seed: int, training: _Training, log) -> tuple[list[dict[str, Any]], int]:
    recorded = read_json(run.config)
    if not isinstance(recorded, dict) or recorded.get("config_hash") != digest:
        raise BenchmarkFileError(f"{run.config} does not match this evaluation's config; the directory is damaged")
    rows, torn = read_epochs_tolerating_torn_tail(run.epochs)
    restored = newest_usable_checkpoint(run, digest, seed, len(rows))
    state = restored.state
    training.net.load_state_dict(state["net"])
    training.optimizer.load_state_dict(state["optimizer"])
    training.batches.load_state_dict(state["batches"])
    epoch = int(state["epoch"])
    problems = list(restored.rejected) + (["the last line of epochs.jsonl was cut short"] if torn else [])
    if problems:
        log(f"warning: seed {seed}: {'; '.join(problems)}; resuming from {restored.path.name} at epoch {epoch}, "
            f"epochs.jsonl cut back to {epoch} rows")
    if len(rows) != epoch or torn:
        write_jsonl(run.epochs, rows[:epoch])
    return rows[:epoch], epoch
