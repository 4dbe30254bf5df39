"""Datasets from their official files, downloads, search splits, on-device augmentation, paired loaders."""

from .augment import Augmentation, normalise
from .cifar import read_cifar10, read_cifar100
from .download import DOWNLOADS, download_dataset, download_file, file_md5
from .imagenet16 import read_imagenet16
from .imageset import ImageSet
from .loaders import SPLITS, PairedLoader, eval_batches, paired_loaders, search_split
from .registry import DATASETS, dataset_dir, dataset_names, load_dataset
from .splits import darts_split, nb201_split, subset
from .svhn import read_svhn

__all__ = [
    "DATASETS",
    "DOWNLOADS",
    "SPLITS",
    "Augmentation",
    "ImageSet",
    "PairedLoader",
    "darts_split",
    "dataset_dir",
    "dataset_names",
    "download_dataset",
    "download_file",
    "eval_batches",
    "file_md5",
    "load_dataset",
    "nb201_split",
    "normalise",
    "paired_loaders",
    "read_cifar10",
    "read_cifar100",
    "read_imagenet16",
    "read_svhn",
    "search_split",
    "subset",
]
