"""The space a run searched, as the figures need it: its Decisions under the run's own supernet config."""

from __future__ import annotations

from reports.loading import LoadedRun
from reports.settings import Setting
from spaces.registry import get_space


def decisions_of(run: LoadedRun):
    return get_space(run.config["space"]).decisions(run.config["supernet"])


def max_choices(settings: list[Setting]) -> int:
    """The most op choices over every cell type of the settings' spaces (the skip count's top)."""
    return max(decisions_of(s.runs[0]).num_choices * decisions_of(s.runs[0]).num_types for s in settings)
