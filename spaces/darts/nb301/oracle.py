"""The NAS-Bench-301 oracle: the official XGBoost ensemble's CIFAR-10 validation accuracy for a DARTS genotype.

What it predicts (automl/nasbench301): the XGBoost members were fit on `info[0]['val_accuracy']` of the
NB301 training runs (gradient_boosting/xgboost.py load_results_from_result_paths), i.e. CIFAR-10
validation accuracy in percent after the fixed protocol of api.py fixed_hyperparameters (100 epochs,
32 channels, 8 cells); the LightGBM runtime members were fit on the runs' `runtime`, in seconds.

`SurrogateAPI.predict(config, representation="genotype", with_noise=False)` is `Ensemble.query_mean`:
the mean of the member predictions. With noise it is `Ensemble.query`: that mean plus one draw of
N(0, std of the member predictions) (np.std, ddof 0). Here the mean is taken in float64 over the
members' float32 outputs, in path order (the official np.mean over a float32 list stays float32, in the
file system's order; the two differ by float32 rounding, ~1e-5 percent). Noise is off unless a
`numpy.random.Generator` is passed; the official draw uses the global RandomState, so its noisy values
have the same distribution but are not the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Optional

import numpy as np

from spaces.darts.nb301.boosters import LightGBMMember, XGBoostMember, library_versions, load_member
from spaces.darts.nb301.encoding import encode, encode_many
from spaces.darts.nb301.importer import FORMAT, FORMAT_VERSION, IMPORT_COMMAND
from spaces.darts.nb301.layout import ACCURACY, RUNTIME, file_entry, read_json_object
from spaces.errors import BenchmarkFileError, ConfigError

# Agreement asked of a reloaded member on the recorded probe prediction: float32 outputs of the same trees
# agree exactly; anything beyond a few float32 ulps at ~100 means the library reads the file differently.
PROBE_RTOL = 1e-6
PROBE_ATOL = 1e-6


class RuntimeSurrogateMissing(ConfigError):
    """The imported model directory had no LightGBM runtime ensemble."""


class Ensemble:
    """Members of one surrogate; predictions are [members, n]."""

    def __init__(self, name: str, members: Sequence[XGBoostMember | LightGBMMember]):
        self.name = name
        self.members = tuple(members)

    def member_predictions(self, features: np.ndarray) -> np.ndarray:
        return np.stack([member.predict(features) for member in self.members]).astype(np.float64)

    def predict(self, features: np.ndarray, noise: Optional[np.random.Generator]) -> np.ndarray:
        predictions = self.member_predictions(features)
        mean = predictions.mean(axis=0)
        if noise is None:
            return mean
        return mean + noise.normal(0.0, predictions.std(axis=0))


class NB301Oracle:
    """Scores DARTS genotypes (plain data, see genotype.py) with the imported NB301 ensembles."""

    def __init__(self, record: dict[str, Any], accuracy: Ensemble, runtime: Optional[Ensemble]):
        self.record = record
        self.accuracy_ensemble = accuracy
        self.runtime_ensemble = runtime

    @classmethod
    def load(cls, record_path: str | Path) -> NB301Oracle:
        """Load from the record `import_nb301` wrote; checks every file against its recorded checksum."""
        path = Path(record_path)
        if not path.exists():
            raise BenchmarkFileError(f"{path} does not exist; import NAS-Bench-301 first: {IMPORT_COMMAND}")
        record = read_json_object(path)
        if record.get("format") != FORMAT or record.get("format_version") != FORMAT_VERSION:
            raise BenchmarkFileError(
                f"{path} is not a {FORMAT} record of version {FORMAT_VERSION}; re-import: {IMPORT_COMMAND}"
            )
        try:
            root = Path(record["source_dir"])
            ensembles = record["ensembles"]
            accuracy = _load_ensemble(root, ensembles[ACCURACY.role], record, path)
            runtime = _load_ensemble(root, ensembles[RUNTIME.role], record, path) if RUNTIME.role in ensembles else None
        except (KeyError, TypeError) as error:
            raise BenchmarkFileError(f"{path} is incomplete ({error!r} missing); re-import: {IMPORT_COMMAND}") from None
        return cls(record, accuracy, runtime)

    @property
    def surrogate(self) -> str:
        """Which surrogate scores accuracy, for run records, e.g. 'NAS-Bench-301 v1.0 xgb ensemble (10 members)'."""
        return f"NAS-Bench-301 v{self.record['models_version']} {self.accuracy_ensemble.name}"

    @property
    def has_runtime(self) -> bool:
        return self.runtime_ensemble is not None

    def describe(self) -> dict[str, Any]:
        """What every run record that uses this oracle should say about it."""
        return {
            "benchmark": "NAS-Bench-301",
            "models_version": self.record["models_version"],
            "accuracy_surrogate": self.accuracy_ensemble.name,
            "accuracy_members": len(self.accuracy_ensemble.members),
            "runtime_surrogate": self.runtime_ensemble.name if self.runtime_ensemble else None,
            "quantity": "CIFAR-10 validation accuracy (percent), NB301 training protocol",
            "prediction": "mean of the ensemble members",
            "libraries": library_versions(),
        }

    def predict(self, genotype: Any, *, noise: Optional[np.random.Generator] = None) -> float:
        """Validation accuracy in percent; with `noise`, the official noisy sample drawn from that Generator."""
        return float(self.accuracy_ensemble.predict(encode(genotype).reshape(1, -1), noise)[0])

    def predict_many(self, genotypes: Iterable[Any], *, noise: Optional[np.random.Generator] = None) -> np.ndarray:
        return self.accuracy_ensemble.predict(encode_many(genotypes), noise)

    def member_predictions(self, genotypes: Iterable[Any]) -> np.ndarray:
        """Each accuracy member's prediction, [members, n]."""
        return self.accuracy_ensemble.member_predictions(encode_many(genotypes))

    def runtime(self, genotype: Any, *, noise: Optional[np.random.Generator] = None) -> float:
        """Predicted training time in seconds (LightGBM runtime ensemble)."""
        if self.runtime_ensemble is None:
            raise RuntimeSurrogateMissing(
                f"the imported NAS-Bench-301 models ({self.record['source_dir']}) have no "
                f"{RUNTIME.directory(self.record['models_version'])}/; runtimes are not available"
            )
        return float(self.runtime_ensemble.predict(encode(genotype).reshape(1, -1), noise)[0])


def _load_ensemble(root: Path, entry: dict[str, Any], record: dict[str, Any], record_file: Path) -> Ensemble:
    for file in [*entry["configs"], *entry["members"]]:
        _check_unchanged(root, file, record_file)
    members = [load_member(entry["library"], root / member["path"]) for member in entry["members"]]
    probe = encode(record["probe"]["genotype"]).reshape(1, -1)
    for member, recorded in zip(members, entry["members"], strict=True):
        now = float(member.predict(probe)[0])
        if not np.isclose(now, recorded["probe_prediction"], rtol=PROBE_RTOL, atol=PROBE_ATOL):
            raise BenchmarkFileError(
                f"{root / recorded['path']} predicts {now!r} for the probe {record['probe']['name']} where the import "
                f"recorded {recorded['probe_prediction']!r} (libraries at import {record.get('libraries')}, now "
                f"{library_versions()}); re-import with these libraries after checking why: {IMPORT_COMMAND}"
            )
    return Ensemble(f"{entry['model']} ensemble ({len(members)} members)", members)


def _check_unchanged(root: Path, recorded: dict[str, Any], record_file: Path) -> None:
    path = root / recorded["path"]
    if not path.is_file():
        raise BenchmarkFileError(
            f"{path} (recorded in {record_file}) is missing; put the model directory back or re-import: {IMPORT_COMMAND}"
        )
    if path.stat().st_size != recorded["bytes"] or file_entry(root, path)["sha256"] != recorded["sha256"]:
        raise BenchmarkFileError(
            f"{path} changed since it was imported (size or sha256 differ from {record_file}); re-import: {IMPORT_COMMAND}"
        )
