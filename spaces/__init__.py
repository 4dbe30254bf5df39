"""Search spaces: cell graphs, the shared supernet kernel, encodings and oracles."""

from spaces.registry import get_space, list_spaces

__all__ = ["get_space", "list_spaces"]
