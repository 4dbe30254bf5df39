"""Shared fixtures. Tests that need ../shared/data skip without it, and fail under CI=true."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("HARNESS_SHARED_DATA", REPO.parent / "shared" / "data"))


def require_shared(relative: str) -> Path:
    """Path inside ../shared/data; skip (or fail under CI=true) when it is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        reason = f"needs {path} (the workplace's real data beside the repo)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {reason} is missing")
        pytest.skip(reason)
    return path


@pytest.fixture
def shared_nb201_csv() -> Path:
    return require_shared("nb201/nb201-results.csv.gz")


@pytest.fixture
def shared_nats_samples() -> Path:
    return require_shared("nb201/nats-tss-samples")


@pytest.fixture
def shared_cifar10() -> Path:
    return require_shared("cifar10/cifar-10-batches-py")


@pytest.fixture
def shared_cifar_split() -> Path:
    return require_shared("nb201/cifar-split.txt")
