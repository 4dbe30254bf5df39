"""Regression check (`harness regress`): pinned CPU searches of every method against golden files.

Each registered method runs one small, pinned NB201 search on real CIFAR-10 for a few
seeds. Per seed and epoch, the derived architecture and its oracle accuracies are
compared with the method's golden file, tests/regression/goldens/<method>.json, so a
change to any method, component or the engine that alters what a method finds shows up.
A second, statistical check keeps each method's mean final CIFAR-10 test accuracy at or
above a floor (tests/regression/floors.json), so re-recording goldens cannot quietly
accept a collapse. The same functions back the command and tests/test_regress.py.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from harness.atomic import write_json
from harness.config import config_hash, flatten, resolve_config
from harness.data.fetch import downloads_allowed, ensure_dataset
from harness.oracle_access import load_oracle
from harness.records import RunDir
from harness.runner import run_seed
from methods.registry import get_method, list_methods
from reports.statistics import mean_std
from spaces.errors import BenchmarkFileError, ConfigError, UserError
from spaces.registry import get_space

# -- the pinned configuration ------------------------------------------------------------------
#
# The smallest NB201 search in which every method still takes architecture steps: 3 epochs of
# 4 steps (128 CIFAR-10 images on each side of the DARTS split, batches of 32) on a 3-cell,
# 4-channel supernet. CS10 takes its one arch step at weight step 10, and PC-DARTS's warm-up
# (rescaled by the quick preset) ends after epoch 2. Layer alignment is a diagnostic that does
# not feed back into the search and costs an extra backward pass per epoch, so it is off.
# Measured on this workplace's 2-core machine with the 17 methods registered then: all of them x 2
# seeds in about a minute of one core. Two seeds make the floor a mean rather than one draw while keeping the suite fast.
PINNED_SPACE = "nb201"
PINNED_DATASET = "cifar10"
PINNED_PRESET = "quick"
PINNED_EPOCHS = 3
PINNED_SETTINGS = (
    "supernet.channels=4",
    "supernet.cells_per_stage=1",
    "data.subset=128",
    "data.batch_size=32",
    "eval.batch_size=256",
    "diagnostics.alignment=false",
)
PINNED_SEEDS = (0, 1)
# CPU results depend on the thread count (reduction order), so the runs use exactly one.
PINNED_THREADS = 1

# Departures from PINNED_EPOCHS, each with its reason. Only for methods whose steps cost several
# times a first-order step; they still take architecture steps from the first epoch.
FEWER_EPOCHS: dict[str, tuple[int, str]] = {
    "amended": (2, "the amended hypergradient costs about 3x a first-order DARTS step"),
    "darts-2nd": (2, "the unrolled second-order hypergradient costs about 2.3x a first-order DARTS step"),
}

# Archs are compared exactly; accuracies (oracle lookups of those archs) only to rounding.
ACCURACY_TOLERANCE = 1e-9
# The floor sits this many percentage points below the mean recorded with the golden. A collapse
# (cells of skip-connections, pooling or `none`) costs several points of CIFAR-10 test accuracy;
# a larger drop than this on re-recording is refused unless asked for by name (--lower-floors).
FLOOR_MARGIN = 1.0
FLOOR_METRIC = ("cifar10", "test")

GOLDEN_FORMAT = 1
DEFAULT_GOLDENS = Path(__file__).resolve().parents[1] / "tests" / "regression"
CPU = torch.device("cpu")


def pinned_config(method: str) -> dict[str, Any]:
    epochs = FEWER_EPOCHS[method][0] if method in FEWER_EPOCHS else PINNED_EPOCHS
    return resolve_config(method, PINNED_SPACE, PINNED_PRESET, PINNED_DATASET, epochs, PINNED_SETTINGS)


def select_methods(names: str | None) -> list[str]:
    """`a,b` -> those methods (unknown names are a ConfigError); None -> every registered method."""
    if names is None:
        return [spec.name for spec in list_methods()]
    chosen = list(dict.fromkeys(name.strip() for name in names.split(",") if name.strip()))
    if not chosen:
        raise ConfigError("--methods takes a comma-separated list of method names, e.g. --methods darts,gdas")
    return [get_method(name).name for name in chosen]


# -- running -----------------------------------------------------------------------------------


@contextmanager
def pinned_threads(count: int) -> Iterator[None]:
    """torch uses `count` intra-op threads inside the block; the previous count comes back after."""
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def environment() -> dict[str, Any]:
    """The fingerprint that makes the goldens exact: what CPU results depend on besides the code.

    Recorded in every golden; the exact comparison runs only where it matches (see Verdict.exact)."""
    return {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "machine": platform.machine(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),  # which SIMD kernels torch picks
        "cpu_model": cpu_model(),  # the same SIMD level on another CPU can still round differently
        "device": str(CPU),
    }


def cpu_model() -> str:
    """The CPU's model name (Linux /proc/cpuinfo, else what the platform module says)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass  # not Linux: fall back to the platform's own description
    return platform.processor() or platform.machine()


def load_inputs(data_root: Path):
    """(CIFAR-10 image set, NB201 oracle) from the data directory; the oracle is required here."""
    oracle = load_oracle(PINNED_SPACE, data_root)
    return ensure_dataset(PINNED_DATASET, data_root, downloads_allowed(), log=print), oracle


def check_fresh(out_root: Path, methods: list[str]) -> None:
    """A finished run under --out would be reused as it is, hiding a change made since: refuse."""
    for method in methods:
        config = pinned_config(method)
        for seed in PINNED_SEEDS:
            run = RunDir.for_config(out_root, config, config_hash(config), seed)
            if run.path.exists():
                raise ConfigError(f"--out {out_root}: {run.path} already exists; `harness regress` compares fresh "
                                  f"runs only, so give it a directory without earlier regress runs")


def run_methods(methods: list[str], image_set, oracle, out_root: Path, show_progress: bool = True,
                log=print) -> dict[str, dict[str, Any]]:
    """Every method x PINNED_SEEDS on the CPU with PINNED_THREADS threads -> method -> record (golden form)."""
    check_fresh(out_root, methods)
    configs = {method: pinned_config(method) for method in methods}
    rows: dict[str, dict[int, list[dict[str, Any]]]] = {method: {} for method in methods}
    with pinned_threads(PINNED_THREADS):
        recorded_environment = environment()
        jobs = tqdm([(m, s) for m in methods for s in PINNED_SEEDS], desc="regress", unit="run",
                    disable=not show_progress, dynamic_ncols=True)
        for method, seed in jobs:
            jobs.set_postfix_str(f"{method} seed {seed}", refresh=True)
            result = run_seed(configs[method], seed, out_root, CPU, image_set, oracle, show_progress=False, log=log)
            rows[method][seed] = result.rows
    return {method: golden_record(method, configs[method], rows[method], recorded_environment, oracle)
            for method in methods}


def golden_record(method: str, config: dict[str, Any], rows_by_seed: dict[int, list[dict[str, Any]]],
                  recorded_environment: dict[str, Any], oracle) -> dict[str, Any]:
    record = {
        "format": GOLDEN_FORMAT,
        "method": method,
        "config_hash": config_hash(config),
        "config": config,
        "environment": recorded_environment,
        "oracle": {key: oracle.metadata[key] for key in ("source_kind", "source_sha256")},
        "seeds": [{"seed": seed, "epochs": [{"epoch": row["epoch"], "arch": row["arch"], "accuracy": row["accuracy"]}
                                            for row in rows]}
                  for seed, rows in rows_by_seed.items()],
    }
    return json.loads(json.dumps(record))  # the form it has after a round trip through its file


# -- comparing ---------------------------------------------------------------------------------


def final_mean(record: dict[str, Any]) -> float:
    """Mean over seeds of the final-epoch accuracy in FLOOR_METRIC (percent)."""
    dataset, split = FLOOR_METRIC
    return mean_std([run["epochs"][-1]["accuracy"][dataset][split] for run in record["seeds"]])[0]


def differences(golden: dict[str, Any], record: dict[str, Any]) -> list[str]:
    """One readable line per difference between a golden and this run: config, seeds, archs, accuracies."""
    lines = []
    if golden["config_hash"] != record["config_hash"]:
        changed = _changed_settings(golden["config"], record["config"])
        lines.append(f"config {golden['config_hash']} -> {record['config_hash']}: {', '.join(changed)}")
    old = {run["seed"]: run["epochs"] for run in golden["seeds"]}
    new = {run["seed"]: run["epochs"] for run in record["seeds"]}
    for seed in sorted(old.keys() | new.keys()):
        if seed not in new or seed not in old:
            lines.append(f"seed {seed}: " + ("in the golden, not run now" if seed in old else "run now, not in the golden"))
            continue
        if len(old[seed]) != len(new[seed]):
            lines.append(f"seed {seed}: {len(old[seed])} epochs in the golden, {len(new[seed])} now")
        for before, after in zip(old[seed], new[seed]):
            lines.extend(_epoch_differences(seed, before, after))
    return lines


def _epoch_differences(seed: int, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    where = f"seed {seed} epoch {after['epoch']}"
    if before["arch"] != after["arch"]:
        dataset, split = FLOOR_METRIC
        old, new = before["accuracy"][dataset][split], after["accuracy"][dataset][split]
        change = f"{dataset} {split} {old:.2f} -> {new:.2f}, {new - old:+.2f}"
        return [f"{where}: {before['arch']} -> {after['arch']} ({change})"]
    old_columns, new_columns = _columns(before), _columns(after)
    drifted = []
    for column in sorted(old_columns.keys() | new_columns.keys()):
        old, new = old_columns.get(column), new_columns.get(column)
        if old is None or new is None or abs(old - new) > ACCURACY_TOLERANCE:
            drifted.append(f"{' '.join(column)} {_shown(old)} -> {_shown(new)}")
    return [f"{where}: same architecture, other accuracy: {', '.join(drifted)}"] if drifted else []


def _columns(entry: dict[str, Any]) -> dict[tuple[str, str], float]:
    return {(dataset, split): value for dataset, splits in entry["accuracy"].items() for split, value in splits.items()}


def _shown(value: float | None) -> str:
    return "absent" if value is None else f"{value:.9f}"


def _changed_settings(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    flat_old, flat_new = flatten(old), flatten(new)

    def shown(flat, key):
        return json.dumps(flat[key]) if key in flat else "absent"

    return [f"{key} {shown(flat_old, key)} -> {shown(flat_new, key)}"
            for key in sorted(flat_old.keys() | flat_new.keys())
            if (key in flat_old) != (key in flat_new) or flat_old[key] != flat_new[key]]




def environment_note(golden: dict[str, Any], record: dict[str, Any]) -> str | None:
    """What differs between where the golden was recorded and this run (torch, threads, machine, oracle)."""
    differing = [f"{key} {golden['environment'].get(key)} -> {value}" for key, value in record["environment"].items()
                 if golden["environment"].get(key) != value]
    if golden["oracle"] != record["oracle"]:
        differing.append(f"oracle store {golden['oracle']['source_kind']} {golden['oracle']['source_sha256'][:12]} -> "
                         f"{record['oracle']['source_kind']} {record['oracle']['source_sha256'][:12]}")
    return ", ".join(differing) or None


@dataclass
class Verdict:
    """One method's run against its golden and floor (either may be missing)."""

    method: str
    record: dict[str, Any]
    golden: dict[str, Any] | None
    floor: float | None
    changes: list[str]

    @property
    def mean(self) -> float:
        return final_mean(self.record)

    @property
    def below_floor(self) -> bool:
        return self.floor is not None and self.mean < self.floor

    inconsistencies: list[str] = field(default_factory=list)  # portable checks (portable_problems) that failed

    @property
    def exact(self) -> bool:
        """Whether the golden was recorded with this run's fingerprint, so archs and accuracies must match.

        Elsewhere (another CPU, torch version, thread count, oracle store) floating-point results
        differ in the last bits and a search may take another path: only the floor and the
        portable checks judge the run there."""
        return self.golden is not None and self.environment_note is None

    @property
    def status(self) -> str:
        if self.golden is None or self.floor is None:
            return "MISSING GOLDEN"
        problems = [name for name, found in (("CHANGED", self.exact and self.changes),
                                             ("BELOW FLOOR", self.below_floor),
                                             ("INCONSISTENT", self.inconsistencies)) if found]
        return " + ".join(problems) or ("ok" if self.exact else "ok (portable checks only)")

    @property
    def passed(self) -> bool:
        return self.status.startswith("ok")

    @property
    def environment_note(self) -> str | None:
        return None if self.golden is None else environment_note(self.golden, self.record)


def judge(records: dict[str, dict[str, Any]], goldens: dict[str, dict[str, Any]],
          floors: dict[str, dict[str, float]], oracle=None) -> list[Verdict]:
    """With `oracle`, the portable checks run too (portable_problems)."""
    return [Verdict(method, record, goldens.get(method),
                    floors[method]["floor"] if method in floors else None,
                    differences(goldens[method], record) if method in goldens else [],
                    [] if oracle is None else portable_problems(record, oracle))
            for method, record in records.items()]


def portable_problems(record: dict[str, Any], oracle) -> list[str]:
    """Checks that hold on every machine: each recorded architecture is one of the space's, and its
    recorded accuracies are exactly the oracle's (the paper columns of the run records)."""
    space = get_space(PINNED_SPACE)
    problems = []
    for run in record["seeds"]:
        for entry in run["epochs"]:
            where = f"seed {run['seed']} epoch {entry['epoch']}"
            try:
                arch = space.parse(entry["arch"])
            except UserError as error:
                problems.append(f"{where}: {error}")
                continue
            expected = oracle.record_columns(arch)["accuracy"]
            if expected != entry["accuracy"]:
                problems.append(f"{where}: recorded accuracies differ from the oracle's for {entry['arch']}")
    return problems


# -- updating ----------------------------------------------------------------------------------


@dataclass
class Update:
    """What `--update` does for one method: the golden and floor entry to write (None: leave as is)."""

    verdict: Verdict
    status: str
    golden: dict[str, Any] | None
    floor: dict[str, float] | None
    refused: bool = False  # the mean fell below the floor and lowering it was not asked for


def floor_entry(mean: float, at_most: float | None = None) -> dict[str, float]:
    """mean - FLOOR_MARGIN, or `at_most` when that is lower: a re-recorded floor never rises (plan_update)."""
    floor = mean - FLOOR_MARGIN if at_most is None else min(mean - FLOOR_MARGIN, at_most)
    return {"mean": mean, "margin": FLOOR_MARGIN, "floor": floor}


def plan_update(verdict: Verdict, lower_floor: bool) -> Update:
    """New goldens are recorded with a floor FLOOR_MARGIN below their mean; changed ones keep the lower
    of that and their floor; a mean that fell below the floor is recorded only when `lower_floor` (the
    user checked it is no collapse).

    A changed golden's floor never rises, in this environment or another: the pinned 3-epoch searches
    are chaotic, so a change at the rounding level is another draw of the same searches, and the
    floors are what every environment without exact goldens (another CPU, as CI may have) is judged
    by. To raise a floor after a real improvement, edit floors.json."""
    entry = floor_entry(verdict.mean)
    if verdict.golden is None or verdict.floor is None:
        return Update(verdict, "NEW", verdict.record, entry)
    if verdict.below_floor:
        if lower_floor:
            return Update(verdict, "FLOOR LOWERED", verdict.record, entry)
        return Update(verdict, "BELOW FLOOR (not updated)", None, None, refused=True)
    if verdict.changes:
        return Update(verdict, "CHANGED (updated)", verdict.record, floor_entry(verdict.mean, at_most=verdict.floor))
    # Same results; a golden from another environment is re-recorded so its notes stay true.
    return Update(verdict, "ok", verdict.record if verdict.record != verdict.golden else None, None)


def apply_updates(root: Path, updates: list[Update], floors: dict[str, dict[str, float]]) -> list[Path]:
    """Write the planned goldens and floors atomically; the files written."""
    written = []
    for update in updates:
        if update.golden is not None:
            written.append(golden_path(root, update.verdict.method))
            write_json(written[-1], update.golden)
    new_floors = {**floors, **{u.verdict.method: u.floor for u in updates if u.floor is not None}}
    if new_floors != floors:
        written.append(floors_path(root))
        write_json(written[-1], {"format": GOLDEN_FORMAT, "metric": _floor_metric_text(),
                                 "floors": dict(sorted(new_floors.items()))})
    return written


def _floor_metric_text() -> str:
    dataset, split = FLOOR_METRIC
    return (f"mean over seeds of the final-epoch {dataset} {split} accuracy at 200 epochs (percent) of the pinned "
            f"`harness regress` runs; floor = mean - margin, recorded by `harness regress --update`")


# -- files -------------------------------------------------------------------------------------


def golden_path(root: Path, method: str) -> Path:
    return root / "goldens" / f"{method}.json"


def floors_path(root: Path) -> Path:
    return root / "floors.json"


def read_goldens(root: Path, methods: list[str]) -> dict[str, dict[str, Any]]:
    """The goldens of `methods` that exist (a missing one is reported as MISSING GOLDEN, not an error)."""
    goldens = {}
    for method in methods:
        path = golden_path(root, method)
        if path.exists():
            golden = _read(path)
            _check_golden(path, golden, method)
            goldens[method] = golden
    return goldens


def read_floors(root: Path) -> dict[str, dict[str, float]]:
    path = floors_path(root)
    if not path.exists():
        return {}
    content = _read(path)
    floors = content.get("floors") if isinstance(content, dict) else None
    if not isinstance(floors, dict) or not all(isinstance(entry, dict) and isinstance(entry.get("floor"), (int, float))
                                               for entry in floors.values()):
        raise BenchmarkFileError(f"{path} is not a floors file (expected {{\"floors\": {{method: {{\"floor\": ...}}}}}}); "
                                 f"restore it from git or re-record it with `harness regress --update`")
    return floors


def orphan_goldens(root: Path) -> list[str]:
    """Goldens and floors of methods that are no longer registered (renamed or removed)."""
    registered = {spec.name for spec in list_methods()}
    named = {path.stem for path in (root / "goldens").glob("*.json")} | set(read_floors(root))
    return sorted(named - registered)


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise BenchmarkFileError(f"{path} is not valid JSON ({error}); restore it from git or re-record it with "
                                 f"`harness regress --update`") from None


def _check_golden(path: Path, golden: Any, method: str) -> None:
    try:
        valid = (golden["format"] == GOLDEN_FORMAT and golden["method"] == method
                 and isinstance(golden["config_hash"], str) and isinstance(golden["config"], dict)
                 and isinstance(golden["environment"], dict) and isinstance(golden["oracle"], dict)
                 and len(golden["seeds"]) > 0
                 and all(isinstance(run["seed"], int) and len(run["epochs"]) > 0
                         and all(isinstance(e["epoch"], int) and isinstance(e["arch"], str) and isinstance(e["accuracy"], dict)
                                 for e in run["epochs"])
                         for run in golden["seeds"]))
    except (KeyError, TypeError):
        valid = False
    if not valid:
        raise BenchmarkFileError(f"{path} is not a format-{GOLDEN_FORMAT} golden file of method {method!r}; restore "
                                 f"it from git or re-record it with `harness regress --update --methods {method}`")
