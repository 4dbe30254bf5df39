"""Read the NB301 ensemble members (pickled boosters) and predict with them as the official API does.

Format (automl/nasbench301 nasbench301/surrogate_models/gradient_boosting/xgboost.py and lgboost.py):
`save` pickles the trained `xgboost.Booster` / `lightgbm.Booster` to `<member dir>/surrogate_model.model`
and `load` unpickles it. `query` predicts on the [1, 56] feature row: xgboost through a DMatrix with all
trees (Booster.predict's default, also after early stopping), lightgbm on the array with its default
`num_iteration`, which is the best iteration recorded in the pickle.

Unpickling runs code from the file, as the official API does: read only model files you downloaded.
Pickles of xgboost 1.0-1.2 (the 2020 release) hold the pre-1.0 binary model inside a "CONFIG-offset:"
snapshot; xgboost 3.1 removed that format (its error: "Invalid serialization file"). Checked here:
xgboost 1.7.6, 2.0.3, 2.1.4, 3.0.5 read a 1.2.1 pickle and predict identically; 3.1.3 and 3.2.0 cannot.
"""

from __future__ import annotations

import pickle
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from spaces.errors import BenchmarkFileError, UserError

INSTALL_HINT = "pip install 'dnas-harness[nb301]'"
XGBOOST_FIRST_UNREADABLE = (3, 1)  # xgboost 3.1 release notes: legacy binary model format removed


def _xgboost():
    try:
        import xgboost
    except ImportError:
        raise UserError(f"NAS-Bench-301's accuracy surrogate is an XGBoost ensemble: {INSTALL_HINT}") from None
    return xgboost


def _lightgbm():
    try:
        import lightgbm
    except ImportError:
        raise UserError(f"NAS-Bench-301's runtime surrogate is a LightGBM ensemble: {INSTALL_HINT}") from None
    return lightgbm


def library_versions() -> dict[str, str]:
    """Versions of the installed booster libraries (absent ones left out)."""
    versions = {}
    for name in ("xgboost", "lightgbm"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:
            continue
    return versions


def _major_minor(version: str) -> tuple[int, int]:
    match = re.match(r"(\d+)\.(\d+)", version)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


class XGBoostMember:
    library = "xgboost"

    def __init__(self, path: Path):
        xgboost = _xgboost()
        booster = _unpickle(path, unreadable_hint=self._unreadable_hint(xgboost.__version__))
        if not isinstance(booster, xgboost.Booster):
            raise BenchmarkFileError(f"{path}: expected a pickled xgboost.Booster, found {type(booster).__name__}")
        self.booster = booster
        self._dmatrix = xgboost.DMatrix

    @staticmethod
    def _unreadable_hint(version: str) -> str:
        if _major_minor(version) >= XGBOOST_FIRST_UNREADABLE:
            return (
                f"xgboost {version} cannot read the 2020 NAS-Bench-301 pickles (xgboost 3.1 removed the pre-1.0 "
                f"model format inside them); install xgboost >= 2.1, < 3.1: {INSTALL_HINT}"
            )
        return ""

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Predictions [n] (float32, as xgboost returns them) for features [n, 56]."""
        return np.asarray(self.booster.predict(self._dmatrix(features)))


class LightGBMMember:
    library = "lightgbm"

    def __init__(self, path: Path):
        lightgbm = _lightgbm()
        booster = _unpickle(path, unreadable_hint="")
        if not isinstance(booster, lightgbm.Booster):
            raise BenchmarkFileError(f"{path}: expected a pickled lightgbm.Booster, found {type(booster).__name__}")
        self.booster = booster

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Predictions [n] (float64) for features [n, 56], at the pickle's best iteration as LGBModel.query does."""
        return np.asarray(self.booster.predict(features))


MEMBER_CLASSES = {"xgboost": XGBoostMember, "lightgbm": LightGBMMember}


def load_member(library: str, path: Path) -> XGBoostMember | LightGBMMember:
    return MEMBER_CLASSES[library](path)


def _unpickle(path: Path, unreadable_hint: str) -> Any:
    try:
        with open(path, "rb") as handle, warnings.catch_warnings():
            # xgboost >= 1.0 warns on every pickle written by an older version; the import step has checked
            # that these files load and predict, so the warning says nothing new at each load.
            warnings.filterwarnings("ignore", message=r"(?s).*older\s+(version of\s+)?XGBoost")
            return pickle.load(handle)
    except FileNotFoundError:
        raise BenchmarkFileError(f"{path} does not exist") from None
    except Exception as error:  # noqa: BLE001 -- unpickling a booster fails in library-specific ways
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        message = f"{path}: cannot load this NAS-Bench-301 ensemble member ({detail})"
        if unreadable_hint:
            raise UserError(f"{message}. {unreadable_hint}") from None
        raise BenchmarkFileError(f"{message}; is the file complete (re-extract the official zip)?") from None
