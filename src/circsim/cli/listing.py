"""``circsim list``: the levers, scenario files or indicators one can choose from."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .parser import Commands, add_command, path
from .tables import WRAP, print_table

EXAMPLES = """examples:
  circsim list levers
  circsim list scenarios
  circsim list scenarios --dir experiments/levers-2026
  circsim list indicators --format csv > indicators.csv"""


def register(commands: Commands) -> None:
    """Declare ``circsim list``."""
    cmd = add_command(
        commands,
        "list",
        "list the levers (settings, defaults), the scenario files or the indicators",
        "levers: every lever a scenario can switch on ([levers.NAME]), with each setting's\n"
        "default, allowed values and description, read from the lever classes.\n"
        "scenarios: the scenario, experiment, calibration and optimisation files of a folder\n"
        "(default scenarios/), with their descriptions and what they hold.\n"
        "indicators: the indicator registry: unit, kind, which direction is better, definition.",
        EXAMPLES,
    )
    cmd.add_argument("what", choices=("levers", "scenarios", "indicators"), help="what to list")
    cmd.add_argument(
        "--dir",
        type=path,
        default=Path("scenarios"),
        metavar="DIR",
        help="folder of scenario files (default: scenarios)",
    )
    cmd.add_argument(
        "--format", choices=("text", "csv"), default="text", help="text tables (default) or CSV on standard output"
    )
    cmd.set_defaults(handler=list_command)


def list_command(args: argparse.Namespace) -> int:
    """``circsim list``: print a catalogue table."""
    from ..workbench.catalog import indicator_table, lever_table, scenario_table

    tables = {"levers": lever_table, "indicators": indicator_table}
    table = scenario_table(args.dir) if args.what == "scenarios" else tables[args.what]()
    if args.format == "csv":
        table.to_csv(sys.stdout, index=False)
        return 0
    if args.what != "levers":
        print_table(table)
        return 0
    for lever, settings in table.groupby("lever", sort=False):
        columns = ["setting", "default", "allowed", "description"]
        print_table(settings[columns], f"{lever}: {settings['summary'].iloc[0]}", [None, None, 30, WRAP])
    return 0
