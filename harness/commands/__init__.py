"""One module per `harness` subcommand: each has add_parser(subparsers) and run(args) -> int."""
