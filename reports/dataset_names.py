"""How the reports name and order datasets (the papers' spelling)."""

from __future__ import annotations

DISPLAY = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "ImageNet16-120": "ImageNet16-120", "svhn": "SVHN"}
DATASET_ORDER = ("cifar10", "cifar100", "ImageNet16-120", "svhn")  # the papers' order of their tables


def display(dataset: str) -> str:
    """The paper's name of a dataset; an unknown one keeps its own."""
    return DISPLAY.get(dataset, dataset)


def dataset_rank(dataset: str) -> int:
    return DATASET_ORDER.index(dataset) if dataset in DATASET_ORDER else len(DATASET_ORDER)
