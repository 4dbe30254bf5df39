"""The progress board of a Ray sweep: a tiny actor that the runs' tasks post to and the driver reads.

Tasks post without waiting for an answer (`board.post.remote(...)`): a task that blocked on
`ray.get` would hand its CPU back to Ray, which may start a queued run in its place, and a
lost board must never stop a run. The driver takes what was posted about twice a second.

Events are the local executor's worker messages ("worker", pid) and ("epoch", run index,
epochs done), plus ("start", run index, pid, node address, attempt) from each task as it begins
(attempt 0 is the first try, >0 a retry after the previous worker died).
"""

from __future__ import annotations

from typing import Any


class ProgressBoard:
    """Plain class; the Ray executor makes it an actor (no Ray import here: tests and the local side read it)."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def post(self, event: tuple[Any, ...]) -> None:
        self.events.append(event)

    def take(self) -> list[tuple[Any, ...]]:
        events, self.events = self.events, []
        return events
