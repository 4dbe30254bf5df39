"""The NAS-Bench-201 store shipped with the package (built by scripts/build_packaged_nb201.py).

Used whenever the data directory has no nb201.h5 of its own; a store imported with
`harness data import nb201` takes precedence.
"""

from __future__ import annotations

from pathlib import Path

PACKAGED_STORE = Path(__file__).resolve().parent / "data" / "nb201.h5"
