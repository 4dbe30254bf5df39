"""`harness regress`: pinned CPU runs of every method compared with golden files (harness/regress.py).

Exit codes: 0 when every method matches its golden and stays at or above its floor (with
--update: when everything was recorded); 1 when a method changed, fell below its floor or has
no golden (with --update: when a method fell below its floor and was not re-recorded). A
regression is a finding, not a usage error, so it is not exit code 2.
"""

from __future__ import annotations

import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

from harness import regress
from harness.output_paths import writable_directory
from harness.paths import data_dir
from reports.markdown import markdown_table
from spaces.errors import ConfigError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "regress", help="pinned CPU runs of every method compared with the golden files in tests/regression")
    parser.add_argument("--methods", default=None, metavar="A,B", help="only these methods (default: all registered)")
    parser.add_argument("--update", action="store_true",
                        help="record this run as the new goldens and floors, printing what changed")
    parser.add_argument("--lower-floors", default=None, metavar="A,B",
                        help="with --update: re-record these methods although their mean fell below the floor "
                             "(after checking the drop is not a collapse)")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="keep the run records under DIR (default: a temporary directory, deleted)")
    parser.add_argument("--goldens", default=None, metavar="DIR",
                        help=f"golden files and floors (default {regress.DEFAULT_GOLDENS})")
    parser.add_argument("--data-dir", default=None, help="benchmarks and datasets (default $HARNESS_DATA)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args) -> int:
    methods = regress.select_methods(args.methods)
    lower_floors = _lower_floors(args, methods)
    root = _goldens_root(args)
    goldens, floors = regress.read_goldens(root, methods), regress.read_floors(root)  # damaged files fail early
    image_set, oracle = regress.load_inputs(data_dir(args.data_dir))

    started = time.perf_counter()
    if args.out:
        writable_directory(Path(args.out), "--out")
    keep_or_scratch = nullcontext(args.out) if args.out else tempfile.TemporaryDirectory(prefix="harness-regress-")
    with keep_or_scratch as out:
        out_root = Path(out)
        records = regress.run_methods(methods, image_set, oracle, out_root, show_progress=not args.no_progress,
                                      log=lambda message: print(message, file=sys.stderr))
    elapsed = time.perf_counter() - started
    verdicts = regress.judge(records, goldens, floors, oracle)
    print(_comparison_line(verdicts))

    if args.update:
        updates = [regress.plan_update(v, v.method in lower_floors) for v in verdicts]
        written = regress.apply_updates(root, updates, floors)
        _print_update(updates)
        rows = [_row(u.verdict, u.status, u.floor["floor"] if u.floor else u.verdict.floor, oracle) for u in updates]
        failed = any(u.refused for u in updates)
    else:
        _print_check(verdicts)
        rows = [_row(v, v.status, v.floor, oracle) for v in verdicts]
        failed = not all(v.passed for v in verdicts)

    print()
    print(markdown_table(["method", "seeds", "final arch per seed (NB201 index)", "mean C10 test", "floor", "status"],
                         rows))
    environment = next(iter(records.values()))["environment"]
    print(f"\n{len(methods)} methods x {len(regress.PINNED_SEEDS)} seeds in {elapsed:.0f} s "
          f"(torch {environment['torch']}, {environment['threads']} thread, {environment['machine']}, "
          f"{environment['cpu_capability']}, {environment['cpu_model']})")
    print(f"run records: {out_root}" if args.out else "run records: a temporary directory, deleted (keep them with --out DIR)")
    print(f"goldens: {root}" + (f" ({len(written)} files rewritten)" if args.update else ""))
    _print_advice(root, failed, args.update)
    return 1 if failed else 0


def _goldens_root(args) -> Path:
    root = Path(args.goldens) if args.goldens else regress.DEFAULT_GOLDENS
    if not args.update and not root.is_dir():
        raise ConfigError(f"no golden files at {root}; pass --goldens DIR (the repository's tests/regression), "
                          f"or record them with `harness regress --update`")
    if args.goldens is None and not root.parent.is_dir():  # installed without the repository's tests/
        raise ConfigError(f"{root.parent} does not exist (dnas-harness is not installed from a checkout); "
                          f"pass --goldens DIR, the repository's tests/regression")
    return root


def _print_advice(root: Path, failed: bool, update: bool) -> None:
    for orphan in regress.orphan_goldens(root):
        print(f"note: {root} holds a golden or floor for {orphan!r}, which is no longer a registered method; delete it")
    if failed and not update:
        print("\nIf the changes are intended, check the differences above, then record them with "
              "`harness regress --update`.")
    if failed and update:
        print("\nA method whose mean fell below its floor was not re-recorded: check its runs for a collapse; if the "
              "drop is intended, `harness regress --update --lower-floors METHOD`.")


def _lower_floors(args, methods: list[str]) -> set[str]:
    if args.lower_floors is None:
        return set()
    if not args.update:
        raise ConfigError("--lower-floors only applies together with --update")
    named = regress.select_methods(args.lower_floors)
    outside = [name for name in named if name not in methods]
    if outside:
        raise ConfigError(f"--lower-floors names {', '.join(outside)}, which --methods does not run")
    return set(named)


def _comparison_line(verdicts: list[regress.Verdict]) -> str:
    """Once: which comparison ran, and why the exact one did not where it did not."""
    exact = [v.method for v in verdicts if v.exact]
    elsewhere = [v for v in verdicts if v.golden is not None and not v.exact]
    if not elsewhere:
        return (f"comparison: exact (archs and accuracies to {regress.ACCURACY_TOLERANCE:g}) for "
                f"{len(exact)} methods: the goldens were recorded with this fingerprint")
    notes = sorted({v.environment_note for v in elsewhere})
    return (f"comparison: EXACT PART SKIPPED for {len(elsewhere)} methods, whose goldens were recorded elsewhere "
            f"({'; '.join(notes)}): CPU results depend on these, so only the floors and the portable checks "
            f"(valid architectures, accuracies equal to the oracle's) ran; `harness regress --update` records "
            f"goldens for this machine" + (f"; exact for {len(exact)} others" if exact else ""))


def _print_check(verdicts: list[regress.Verdict]) -> None:
    for verdict in verdicts:
        if verdict.golden is None or verdict.floor is None:
            missing = "golden file" if verdict.golden is None else "floor"
            print(f"{verdict.method}: no {missing}; run `harness regress --update --methods {verdict.method}`")
        for line in verdict.inconsistencies:
            print(f"{verdict.method} {line}")
        if not verdict.exact:
            continue  # their differences are expected on another fingerprint; the line above said so
        for line in verdict.changes:
            print(f"{verdict.method} {line}")
        if verdict.below_floor:
            print(f"{verdict.method}: mean final {' '.join(regress.FLOOR_METRIC)} accuracy {verdict.mean:.2f} is "
                  f"below its floor {verdict.floor:.2f}")


def _print_update(updates: list[regress.Update]) -> None:
    for update in updates:
        verdict = update.verdict
        for line in verdict.changes:
            print(f"{verdict.method} {line}")
        note = verdict.environment_note
        if update.golden is not None and note:
            print(f"{verdict.method}: recorded in this environment ({note})")
        if update.refused:
            print(f"{verdict.method}: mean {verdict.mean:.2f} is below its floor {verdict.floor:.2f}; not re-recorded")
        elif update.floor is not None and update.floor["floor"] != verdict.floor:
            before = "none" if verdict.floor is None else f"{verdict.floor:.2f}"
            print(f"{verdict.method}: floor {before} -> {update.floor['floor']:.2f} (mean {verdict.mean:.2f})")


def _row(verdict: regress.Verdict, status: str, floor: float | None, oracle) -> list[str]:
    finals = [str(oracle.index_of(run["epochs"][-1]["arch"])) for run in verdict.record["seeds"]]
    return [verdict.method, str(len(finals)), ", ".join(finals), f"{verdict.mean:.2f}",
            "none" if floor is None else f"{floor:.2f}", status]
