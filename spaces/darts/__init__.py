"""The DARTS search space family."""
