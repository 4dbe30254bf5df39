"""What every configurable component shares: its name, its settings section, its state."""

from __future__ import annotations

from typing import Any


class Component:
    NAME = ""  # what `--set KIND=NAME` selects
    SECTION: str | None = None  # its config section, or None when it has no settings
    DEFAULTS: dict[str, Any] = {}  # that section's defaults, each with its source

    def __init__(self, config: dict[str, Any]):
        self.settings = config[self.SECTION] if self.SECTION else {}

    def check(self, method) -> None:
        """Called once the method is built: raise ConfigError when this component cannot serve it
        (e.g. a space it has no form for), so a bad combination fails before the first step."""

    def diagnostics(self) -> dict[str, Any]:
        """Per-epoch values for epochs.jsonl (plain floats and lists)."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        """Everything kept across steps, so a resumed run is bit-identical."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass
