"""How the reports name the NB201 paper datasets (the papers' spelling)."""

from __future__ import annotations

from spaces.nb201.conventions import PAPER_DATASETS

DISPLAY = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "ImageNet16-120": "ImageNet16-120"}


def display(dataset: str) -> str:
    """The paper's name of a dataset; a dataset the papers do not tabulate (svhn) keeps its own."""
    return DISPLAY.get(dataset, dataset)


__all__ = ["DISPLAY", "PAPER_DATASETS", "display"]
