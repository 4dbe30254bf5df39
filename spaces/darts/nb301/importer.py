"""`import_nb301(model_dir) -> record`: check an official NB301 model directory and describe it for the oracle.

The record (format "dnas-harness/nb301-record", version 1; the CLI stores it as
$HARNESS_DATA/benchmarks/nb301.json) names the model files in place -- path relative to `source_dir`,
sha256 and size of every member and config file -- instead of copying them. Why: the members are
the official pickles and the oracle has to unpickle exactly those; a copy would double a few hundred MB
without changing how they are read, and converting them to another booster format would make the
harness's predictions depend on a converter instead of on the published files. The checksums make a
moved, changed or truncated file a clear error at load time, with the command to re-import.

Import loads every member and predicts a probe architecture (DARTS_V2); the record keeps each member's
probe prediction so that a later load with other library versions is checked against it.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from spaces.darts.nb301.boosters import library_versions, load_member
from spaces.darts.nb301.encoding import encode
from spaces.darts.nb301.layout import (
    ACCURACY,
    CONFIG_FILES,
    GIN_DIRECTORY_PREFIX,
    MEMBER_PATTERN,
    RUNTIME,
    SUPPORTED_VERSIONS,
    EnsembleKind,
    file_entry,
    member_files,
    read_json_object,
)
from spaces.errors import BenchmarkFileError

FORMAT = "dnas-harness/nb301-record"
FORMAT_VERSION = 1
RECORD_RELATIVE_PATH = Path("benchmarks") / "nb301.json"
IMPORT_COMMAND = "harness data import nb301 --from PATH/nb_models_1.0"
FEATURE_ENCODING = (
    "nasbench301 0.3 configspace.json through ConfigSpace 0.4.12 Configuration.get_array() with "
    "api.fixed_hyperparameters, inactive edges -1 (XGBModel.query)"
)

# quark0/darts cnn/genotypes.py DARTS_V2 (also the genotype of nasbench301/example.py).
PROBE_NAME = "DARTS_V2"
PROBE_GENOTYPE = {
    "normal": [["sep_conv_3x3", 0], ["sep_conv_3x3", 1], ["sep_conv_3x3", 0], ["sep_conv_3x3", 1],
               ["sep_conv_3x3", 1], ["skip_connect", 0], ["skip_connect", 0], ["dil_conv_3x3", 2]],
    "normal_concat": [2, 3, 4, 5],
    "reduce": [["max_pool_3x3", 0], ["max_pool_3x3", 1], ["skip_connect", 2], ["max_pool_3x3", 1],
               ["max_pool_3x3", 0], ["skip_connect", 2], ["skip_connect", 2], ["max_pool_3x3", 1]],
    "reduce_concat": [2, 3, 4, 5],
}


def record_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / RECORD_RELATIVE_PATH


def import_nb301(model_dir: str | Path) -> dict[str, Any]:
    """Record of the NB301 model directory `model_dir` (nb_models_1.0/); BenchmarkFileError if it is incomplete."""
    root = Path(model_dir).expanduser().resolve()
    if not root.is_dir():
        raise BenchmarkFileError(f"{root} is not a directory; {_expected()}")
    version = models_version(root)
    ensembles = {ACCURACY.role: _import_ensemble(root, ACCURACY, version)}
    if (root / RUNTIME.directory(version)).is_dir():
        ensembles[RUNTIME.role] = _import_ensemble(root, RUNTIME, version)
    not_imported = []
    gin = f"{GIN_DIRECTORY_PREFIX}_v{version}"
    if (root / gin).is_dir():
        not_imported.append({
            "directory": gin,
            "reason": "the GIN ensemble needs the NB301 torch-geometric model code; this harness scores with the "
                      "XGBoost ensemble",
        })
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "benchmark": "NAS-Bench-301",
        "models_version": version,
        "source_dir": str(root),
        "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "feature_encoding": FEATURE_ENCODING,
        "libraries": library_versions(),
        "probe": {"name": PROBE_NAME, "genotype": PROBE_GENOTYPE},
        "ensembles": ensembles,
        "not_imported": not_imported,
    }


def models_version(root: Path) -> str:
    found = [v for v in SUPPORTED_VERSIONS if (root / ACCURACY.directory(v)).is_dir()]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise BenchmarkFileError(f"{root} holds {' and '.join(ACCURACY.directory(v) for v in found)}; import one model set")
    if re.fullmatch(r"[a-z_]+_v\d+\.\d+", root.name) and member_files(root):
        raise BenchmarkFileError(
            f"{root} is one surrogate's directory; import its parent, the whole model directory: "
            f"harness data import nb301 --from {root.parent}"
        )
    raise BenchmarkFileError(f"{root} has no {ACCURACY.directory(SUPPORTED_VERSIONS[0])}/; {_expected()}")


def _import_ensemble(root: Path, kind: EnsembleKind, version: str) -> dict[str, Any]:
    directory = root / kind.directory(version)
    members = member_files(directory)
    if not members:
        raise BenchmarkFileError(
            f"{directory} has no ensemble members (files named like {MEMBER_PATTERN}); re-extract the official zip"
        )
    config_dir = members[0].parent
    configs = {name: read_json_object(config_dir / name) for name in CONFIG_FILES}
    model = configs["model_config.json"].get("model")
    if model != kind.model:
        raise BenchmarkFileError(
            f"{config_dir / 'model_config.json'} names model {model!r}; {directory.name} must hold the "
            f"{kind.model!r} ensemble ({kind.library})"
        )
    probe_features = encode(PROBE_GENOTYPE).reshape(1, -1)
    member_entries = []
    for path in members:
        prediction = float(load_member(kind.library, path).predict(probe_features)[0])
        if not math.isfinite(prediction):
            raise BenchmarkFileError(f"{path}: predicts {prediction} for {PROBE_NAME}; the file is damaged")
        member_entries.append({**file_entry(root, path), "probe_prediction": prediction})
    return {
        "directory": directory.name,
        "model": model,
        "library": kind.library,
        "starting_seed": configs["data_config.json"].get("seed"),
        "configs": [file_entry(root, config_dir / name) for name in CONFIG_FILES],
        "members": member_entries,
    }


def _expected() -> str:
    return (
        "expected the official NAS-Bench-301 model directory nb_models_1.0/ (from nasbench301_models_v1_0.zip) "
        f"holding {ACCURACY.directory('1.0')}/ and optionally {RUNTIME.directory('1.0')}/"
    )
