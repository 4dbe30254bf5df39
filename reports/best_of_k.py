"""Best of k seeds, as several papers report it ("best of 4").

The best seed is picked the way the papers pick architectures: by validation,
never by test. For a setting searched on CIFAR-10 that is the CIFAR-10 "valid"
column (cifar10-valid x-valid); for one searched on CIFAR-100 or ImageNet16-120
(direct setting) it is that dataset's "valid" column. Ties go to the lowest
seed. The table then shows that seed's test accuracies.
"""

from __future__ import annotations

from reports.loading import LoadedRun
from reports.settings import Setting


def selection_dataset(setting: Setting) -> str:
    return "cifar10" if setting.transfer else setting.dataset


def best_run(setting: Setting) -> LoadedRun:
    dataset = selection_dataset(setting)
    # max keeps the first of equal values, and runs are sorted by seed
    return max(setting.runs, key=lambda run: run.final["accuracy"][dataset]["valid"])
