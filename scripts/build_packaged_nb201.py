"""Build the NAS-Bench-201 store shipped inside the package (spaces/nb201/data/nb201.h5).

    python scripts/build_packaged_nb201.py [PATH/TO/nb201-results.csv.gz]

The source is the workplace's CSV dump of the official benchmark (../shared/data/nb201/, see
data/README.md for its provenance); the store holds every column of it, gzip-compressed, so a fresh
install scores NB201 architectures without `harness data import nb201`. A store imported into the
data directory takes precedence over this one. Prints the store's size and sha256 for data/README.md.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from spaces.nb201.importers import import_nb201  # noqa: E402 (after the path set-up above)
from spaces.nb201.oracle import NB201Oracle, write_store  # noqa: E402
from spaces.nb201.packaged import PACKAGED_STORE  # noqa: E402


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else REPO.parent / "shared" / "data" / "nb201" / "nb201-results.csv.gz"
    write_store(import_nb201(source), PACKAGED_STORE, compress=True)
    oracle = NB201Oracle.load(PACKAGED_STORE)
    digest = hashlib.sha256(PACKAGED_STORE.read_bytes()).hexdigest()
    print(f"wrote {PACKAGED_STORE} ({PACKAGED_STORE.stat().st_size / 1e6:.2f} MB, sha256 {digest}) from {source} "
          f"(sha256 {oracle.metadata['source_sha256']}), {oracle.metadata['num_archs']} architectures")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
