"""`harness query --space S --arch TEXT [--dataset D] [--json]`: one architecture, as its space's benchmark has it.

What is printed is the space's (each space's query module documents its keys): NAS-Bench-201's table
row (spaces/nb201/query.py), a DARTS genotype's cells and evaluation-network size, a NAS-Bench-1Shot1
cell's NAS-Bench-101 record. `--json` prints one JSON object.
"""

from __future__ import annotations

import json

from harness.oracle_access import LazyOracle
from harness.paths import data_dir
from spaces.registry import get_space, list_spaces


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("query", help="look an architecture up in a benchmark table")
    parser.add_argument("--space", required=True, help=f"search space: {', '.join(list_spaces())}")
    parser.add_argument("--arch", required=True, metavar="TEXT",
                        help="the space's architecture text (NB201: '|nor_conv_3x3~0|+|...|' or an official index)")
    parser.add_argument("--dataset", default=None, help="only this dataset (where the benchmark has several)")
    parser.add_argument("--json", action="store_true", help="print one JSON object (keys: see the space's query module)")
    parser.add_argument("--data-dir", default=None, help="benchmarks and datasets (default $HARNESS_DATA)")
    parser.set_defaults(func=run)


def run(args) -> int:
    space = get_space(args.space)
    record = space.query(args.arch, LazyOracle(args.space, data_dir(args.data_dir)), args.dataset)
    print(json.dumps(record, indent=2) if args.json else space.format_query(record))
    return 0
