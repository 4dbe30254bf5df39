"""Errors a user can cause. The CLI prints their message and exits non-zero.

They live in `spaces` because it is the bottom layer: `methods`, `harness` and
`reports` all raise them, and `spaces` imports nothing above itself.
"""


class UserError(Exception):
    """Bad input from the user: the message alone must say what is wrong and what to do."""


class MalformedArchitecture(UserError, ValueError):
    """An architecture string or index that does not describe an architecture of the space."""


class BenchmarkFileError(UserError):
    """A benchmark or dataset file that is missing, corrupt or of the wrong kind."""


class ConfigError(UserError, ValueError):
    """A configuration that cannot run: unknown names, impossible values."""
