"""`harness list methods|spaces|presets`."""

from __future__ import annotations

from harness.presets import PRESETS
from methods.registry import list_methods
from spaces.registry import list_spaces


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("list", help="list methods, spaces or presets")
    parser.add_argument("what", choices=("methods", "spaces", "presets"))
    parser.set_defaults(func=run)


def run(args) -> int:
    if args.what == "methods":
        specs = list_methods()
        width = max(len(spec.name) for spec in specs)
        for spec in specs:
            print(f"{spec.name:<{width}}  {spec.summary}  [{spec.paper}]")
    elif args.what == "spaces":
        print("\n".join(list_spaces()))
    else:
        for name, overrides in PRESETS.items():
            print(f"{name:<8} {overrides or '(the method defaults, unchanged)'}")
    return 0
