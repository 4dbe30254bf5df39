"""`harness` command line. User errors end in one message and exit code 2, never a traceback."""

from __future__ import annotations

import argparse
import sys

from spaces.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    from harness.commands import data, evaluate, list_command, query, regress, report, run, sweep

    parser = argparse.ArgumentParser(
        prog="harness", description="Differentiable NAS methods on one supernet engine, scored by benchmark oracles."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (run, evaluate, query, data, list_command, report, regress, sweep):
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as error:
        print(f"harness: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        # the machine, not the code: a disk that filled up, a permission or mount that changed mid-run
        # (what can be checked before the work starts is checked, harness/output_paths.py). Every file
        # is written atomically, so nothing already written is damaged and an interrupted run resumes.
        where = f"{error.filename}: " if error.filename else ""
        print(f"harness: error: {where}{error.strerror or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        note = getattr(args, "interrupt_note", None)
        print("harness: interrupted" + (f"; {note}" if note else ""), file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
