"""Ranges of the settings the harness itself owns (data, evaluation, diagnostics, the weight optimizer,
the architecture optimizer's shared keys, epochs). Types are checked when a value is assigned
(config.check_same_kind); each component checks its own section when it is built, and the space its
supernet section."""

from __future__ import annotations

from typing import Any, Callable

from methods.components.precision import precision_problem
from spaces.errors import ConfigError

Check = Callable[[Any], str | None]  # None when the value is fine, else what was expected


def positive_int(value) -> str | None:
    return None if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else "a positive integer"


def non_negative_int(value) -> str | None:
    return None if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else "an integer >= 0"


def positive_number(value) -> str | None:
    return None if _number(value) and value > 0 else "a number > 0"


def non_negative_number(value) -> str | None:
    return None if _number(value) and value >= 0 else "a number >= 0"


def unit_interval_open_right(value) -> str | None:
    return None if _number(value) and 0 <= value < 1 else "a number in [0, 1)"


def boolean(value) -> str | None:
    return None if isinstance(value, bool) else "true or false"


def optional(check: Check) -> Check:
    def checked(value):
        problem = None if value is None else check(value)
        return None if problem is None else f"null or {problem}"

    return checked


def text(value) -> str | None:
    return None if isinstance(value, str) and value else "non-empty text"


def betas(value) -> str | None:
    fine = isinstance(value, list) and len(value) == 2 and all(unit_interval_open_right(b) is None for b in value)
    return None if fine else "two numbers in [0, 1), e.g. [0.5, 0.999]"


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


RANGES: dict[str, Check] = {
    "epochs": positive_int,
    "data.batch_size": positive_int,
    "data.subset": optional(positive_int),
    "data.cutout": non_negative_int,
    "data.augment": boolean,
    "data.split_file": optional(text),
    "eval.batch_size": positive_int,
    "diagnostics.batch_size": positive_int,
    "diagnostics.alignment": boolean,
    "diagnostics.hessian_every": non_negative_int,
    "diagnostics.hessian_iterations": positive_int,
    "weights_optimizer.lr": positive_number,
    "weights_optimizer.lr_min": non_negative_number,
    "weights_optimizer.momentum": unit_interval_open_right,
    "weights_optimizer.nesterov": boolean,
    "weights_optimizer.weight_decay": non_negative_number,
    "weights_optimizer.grad_clip": positive_number,
    "weights_optimizer.anneal_epochs": optional(positive_int),
    "arch.lr": positive_number,
    "arch.init_scale": non_negative_number,
    "arch.betas": betas,
    "arch.weight_decay": non_negative_number,
    "arch.warmup_epochs": non_negative_int,
    "precision": precision_problem,
    "compile": boolean,
}


def check_ranges(flat: dict[str, Any]) -> None:
    """ConfigError for the first harness-owned setting outside its range (`flat`: dotted names)."""
    for key, check in RANGES.items():
        if key in flat:
            problem = check(flat[key])
            if problem is not None:
                raise ConfigError(f"{key} must be {problem}, got {flat[key]!r}")
    if flat.get("weights_optimizer.nesterov") and not flat.get("weights_optimizer.momentum"):
        raise ConfigError("weights_optimizer.nesterov=true needs weights_optimizer.momentum > 0")
