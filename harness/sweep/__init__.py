"""Many runs at once: `harness sweep` (DESIGN.md, "sweep (many runs + executors)").

grid.py        `--grid [METHOD:]KEY=V1,V2` axes
settings.py    what the command line or a sweep file says, merged into a SweepSpec
sweep_file.py  YAML / TOML sweep files
plan.py        SweepSpec -> one PlannedRun per combination (the normal run directories)
status.py      complete / failed / partial / new, from the run's own files
resources.py   workers, devices and threads per worker (defaults and why)
executor.py    the local executor: a spawn process pool, progress bar, Ctrl-C, failures
worker.py      the process side: one run at a time, its dataset loaded once, run.log
listing.py     the dry-run table and the summaries printed
"""
