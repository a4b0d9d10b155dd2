"""The ``circsim`` entry point: the top-level parser, one sub-command per module, and
how a command ends (one line ``circsim: error: ...`` and exit status 2 on bad input,
130 if interrupted; :mod:`circsim.console`)."""

from __future__ import annotations

import argparse

from .. import __version__, console
from . import (
    batch,
    calibrate,
    compare,
    discover,
    export,
    listing,
    optimise,
    run,
    sensitivity,
    show,
    ui,
    validate,
    verify,
)

#: The command modules, in the order ``circsim --help`` lists them; each declares its
#: sub-parser with ``register`` and sets its ``handler``.
COMMANDS = (
    run, batch, compare, discover, optimise, export, verify, validate, calibrate, sensitivity, listing, show, ui,
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """The ``circsim`` argument parser with its sub-commands."""
    parser = console.Parser(
        prog="circsim",
        description="circsim: an agent-based model of researchers moving among countries and sectors,\n"
        "and a workbench for science-policy levers.",
        epilog="examples:\n  circsim run\n  circsim run scenarios/baseline.toml --seed 1 --out results/baseline\n"
        "  circsim run --help",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(metavar="COMMAND", required=True, parser_class=console.Parser)
    for command in COMMANDS:
        command.register(commands)
    return parser


def _parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Parse ``argv``; arguments the parser does not know are an error, except for a
    command that passes them on (``circsim ui``), which gets them as ``rest``."""
    args, rest = parser.parse_known_args(argv)
    if rest and not getattr(args, "passes_on", False):
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.rest = rest
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad input, 130 interrupted)."""
    parser = build_parser()
    return console.run(lambda: _parse(parser, argv), lambda args: args.handler(args))
