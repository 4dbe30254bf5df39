"""The official model directory layout, and the small file checks the importer and the oracle share.

`nb_models_1.0/` (the figshare zip nasbench301_models_v1_0, unpacked and renamed by
nasbench301/model_downloader.py) holds one directory per surrogate: `xgb_v1.0/` (accuracy, XGBoost),
`lgb_runtime_v1.0/` (runtime, LightGBM), `gnn_gin_v1.0/` (accuracy, GIN) -- the names nasbench301/example.py
builds as '{model}_v{version}'. Inside one, `nasbench301.api.load_ensemble` takes every file matching
`*surrogate_model.model` at any depth as a member, in its directory, and reads `data_config.json` and
`model_config.json` beside the first member; `model_config["model"]` names the model class
(nasbench301/surrogate_models/utils.py model_dict: "xgb", "lgb_time", "gnn_gin", ...).
The member directory names are not used by the official code, and are not relied on here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spaces.errors import BenchmarkFileError

MEMBER_PATTERN = "*surrogate_model.model"
CONFIG_FILES = ("model_config.json", "data_config.json")
SUPPORTED_VERSIONS = ("1.0", "0.9")  # nasbench301/model_downloader.py: the two published model sets
_CHUNK = 1 << 20


@dataclass(frozen=True)
class EnsembleKind:
    role: str  # "accuracy" or "runtime": what the ensemble predicts
    directory_prefix: str  # '<prefix>_v<version>' in the model directory
    model: str  # model_config["model"] the official loader dispatches on
    library: str

    def directory(self, version: str) -> str:
        return f"{self.directory_prefix}_v{version}"


ACCURACY = EnsembleKind("accuracy", "xgb", "xgb", "xgboost")
RUNTIME = EnsembleKind("runtime", "lgb_runtime", "lgb_time", "lightgbm")
# Not read by this harness: the GIN ensemble is a torch-geometric model (nasbench301/surrogate_models/gnn).
GIN_DIRECTORY_PREFIX = "gnn_gin"


def member_files(ensemble_dir: Path) -> list[Path]:
    """Ensemble members in path order (the official rglob order is the file system's, so not reproducible)."""
    return sorted(path for path in ensemble_dir.rglob(MEMBER_PATTERN) if path.is_file())


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(root: Path, path: Path) -> dict[str, Any]:
    return {"path": path.relative_to(root).as_posix(), "sha256": sha256_file(path), "bytes": path.stat().st_size}


def read_json_object(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            value = json.load(handle)
    except FileNotFoundError:
        raise BenchmarkFileError(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BenchmarkFileError(f"{path} is not readable JSON ({error})") from None
    if not isinstance(value, dict):
        raise BenchmarkFileError(f"{path}: expected a JSON object, found {type(value).__name__}")
    return value
