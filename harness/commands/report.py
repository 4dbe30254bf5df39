"""`harness report RUNS...`: the papers' tables (and figures) from run directories only.

Tables (reports/nb201_tables.py, reports/ablation_tables.py) go to stdout, or to
--out FILE; figures (reports/figures.py) to --figures DIR as PNG and PDF.
Runs searched without the oracle store get their accuracy columns from it now
(--data-dir / $HARNESS_DATA); incomplete runs are skipped and listed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness.atomic import write_text
from harness.output_paths import writable_directory, writable_file
from harness.paths import data_dir
from harness.records import RunDir
from harness.selection import SELECTIONS
from reports.assemble import build_report
from reports.figures import draw_figures
from reports.formats import FORMATS, render
from reports.loading import LoadedRun, load_run, load_runs
from reports.oracle_source import OracleSources
from reports.settings import Setting, group_settings
from reports.space_reports import oracle_optional
from spaces.errors import BenchmarkFileError

def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("report", help="paper-style tables and figures from run directories")
    parser.add_argument("runs", nargs="+", metavar="RUNS",
                        help="run directories, or directories holding them (e.g. the --out of `harness run`)")
    parser.add_argument("--format", choices=FORMATS, default="md",
                        help="md (default), latex (booktabs) or csv (one block per table)")
    parser.add_argument("--out", default=None, metavar="FILE", help="write the tables to FILE instead of stdout")
    parser.add_argument("--figures", default=None, metavar="DIR", help="draw the figures (PNG and PDF) into DIR")
    parser.add_argument("--run", dest="weight_runs", action="append", default=[], metavar="RUN_DIR",
                        help="a run directory whose architecture weights the arch_weights figure shows "
                             "(repeatable; default: the first seed of each setting)")
    parser.add_argument("--select", choices=SELECTIONS, default="final",
                        help="the architecture each run returns: its final epoch's (default, the papers' protocol) "
                             "or best-val, its epoch of best supernet validation accuracy (the GAEA code's)")
    parser.add_argument("--data-dir", default=None, help="benchmarks and datasets (default $HARNESS_DATA)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(func=run)


def run(args) -> int:
    if args.out:
        writable_file(Path(args.out), "--out")
    if args.figures:
        writable_directory(Path(args.figures), "--figures")
    oracles = OracleSources(data_dir(args.data_dir))
    loaded = load_runs([Path(p) for p in args.runs], oracles, show_progress=not args.no_progress,
                       selection=args.select, oracle_optional=oracle_optional)
    settings = group_settings(loaded.runs)
    weight_runs = [_weight_run(Path(p), settings) for p in args.weight_runs] or None
    report = build_report(settings, loaded, oracles)
    text = render(report.tables, report.notes, args.format)
    if args.out:
        write_text(Path(args.out), text)
        print(f"{len(report.tables)} tables ({args.format}) written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    if args.figures:
        figures = draw_figures(settings, Path(args.figures), weight_runs, show_progress=not args.no_progress)
        for note in figures.notes:
            print(f"note: {note}", file=sys.stderr)
        names = ", ".join(sorted({path.stem for path in figures.written})) or "none"
        print(f"figures (PNG and PDF) written to {args.figures}: {names}", file=sys.stderr)
    return 0


def _weight_run(path: Path, settings: list[Setting]) -> tuple[str, LoadedRun]:
    """(label, run) for --run: a loaded run keeps its setting's label; any other run dir is read as is."""
    for setting in settings:
        for candidate in setting.runs:
            if candidate.path.resolve() == path.resolve():
                return setting.label, candidate
    if not (path / "config.json").is_file():
        raise BenchmarkFileError(f"--run {path}: not a run directory (it has no config.json)")
    run = load_run(RunDir(path))
    return run.config.get("method", path.name), run
